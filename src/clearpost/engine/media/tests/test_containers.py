from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.engine.media.containers import STRIPPERS, ContainerError
from clearpost.engine.media.containers.common import orientation_tiff, tiff_orientation
from clearpost.engine.media.sniff import sniff_bytes

from .scrub_helpers import (
    corpus_file,
    corpus_names,
    exif_bytes,
    gradient,
    jpeg_with_everything,
    pixels,
    png_with_everything,
)

LOSSLESS_CORPUS = corpus_names("exiftool-images", (".jpg", ".png", ".gif", ".webp")) + corpus_names(
    "mat2-dirty", (".jpg", ".png", ".gif", ".webp", ".heic", ".avif")
)
# Markers of metadata that must never survive, whatever the container.
FORBIDDEN = [b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x02", b"http://ns.adobe.com/xap", b"<x:xmpmeta",
             b"Photoshop 3.0", b"GPS", b"Jane", b"tEXt", b"iTXt", b"zTXt", b"tIME", b"XMP DataXMP"]  # fmt: skip


@pytest.mark.parametrize("rel", LOSSLESS_CORPUS)
def test_corpus_stills_keep_pixels_and_lose_metadata(tmp_path: Path, rel: str) -> None:
    data = corpus_file(tmp_path, rel).read_bytes()
    fmt = sniff_bytes(data).format
    result = STRIPPERS[fmt](data)
    assert STRIPPERS[fmt](result.data).data == result.data  # idempotent: nothing left to strip
    for marker in (b"http://ns.adobe.com/xap", b"<x:xmpmeta", b"Photoshop 3.0", b"MPF\x00"):
        assert marker not in result.data
    assert np.array_equal(pixels(data), pixels(result.data))


def test_jpeg_keeps_only_orientation_and_drops_trailer() -> None:
    data = jpeg_with_everything(orientation=6)
    result = STRIPPERS["jpeg"](data)
    out = result.data
    assert result.orientation == 6
    assert out.endswith(b"\xff\xd9") and b"MOTION-PHOTO" not in out
    for marker in FORBIDDEN:
        assert marker not in out
    with Image.open(io.BytesIO(out)) as img:
        exif = img.getexif()
        assert dict(exif) == {0x0112: 6}
        assert "comment" not in img.info
    assert np.array_equal(pixels(data), pixels(out))
    labels = " ".join(result.removed)
    assert "Exif" in labels and "COM" in labels and "after EOI" in labels


def test_jpeg_jfif_thumbnail_and_unknown_app_segments_go() -> None:
    base = io.BytesIO()
    gradient().save(base, "JPEG")
    data = base.getvalue()
    jfif_with_thumb = (
        b"\xff\xe0"
        + (16 + 3 * 4).to_bytes(2, "big")
        + b"JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x02\x02"
        + b"\x80" * 12
    )
    app9 = b"\xff\xe9\x00\x0cSECRETDATA"
    out = STRIPPERS["jpeg"](data[:2] + jfif_with_thumb + app9 + data[2:]).data
    assert b"SECRETDATA" not in out and b"\x80" * 12 not in out
    assert np.array_equal(pixels(data), pixels(out))


@pytest.mark.parametrize(
    "damaged",
    [
        b"\xff\xd8",
        b"\xff\xd8\xff\xe1\x00\x50Exif",
        b"\xff\xd8\xff\xda\x00\x08abcdef",
        b"\xff\xd8\x00\x00",
    ],
)
def test_damaged_jpeg_raises_container_error(damaged: bytes) -> None:
    with pytest.raises(ContainerError):
        STRIPPERS["jpeg"](damaged)


def test_png_text_time_exif_private_and_trailer_go() -> None:
    data = png_with_everything()
    result = STRIPPERS["png"](data)
    out = result.data
    assert out.endswith(b"IEND\xaeB`\x82")
    for marker in (b"tEXt", b"tIME", b"prVt", b"Jane", b"after-iend"):
        assert marker not in out
    assert result.orientation == 6 and b"eXIf" in out  # orientation only, written back
    assert np.array_equal(pixels(data), pixels(out))


def test_png_bad_crc_is_refused() -> None:
    buf = io.BytesIO()
    gradient().save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[30] ^= 0xFF  # inside IHDR
    with pytest.raises(ContainerError, match="checksum"):
        STRIPPERS["png"](bytes(data))


def test_webp_exif_and_xmp_go_and_flags_follow() -> None:
    buf = io.BytesIO()
    gradient().save(
        buf, "WEBP", lossless=True, exif=exif_bytes(1), xmp=b"<x:xmpmeta>Jane</x:xmpmeta>"
    )
    data = buf.getvalue()
    out = STRIPPERS["webp"](data).data
    assert b"EXIF" not in out and b"XMP " not in out and b"Jane" not in out
    assert int.from_bytes(out[4:8], "little") == len(out) - 8
    if out[12:16] == b"VP8X":
        assert out[20] & 0x0C == 0
    assert np.array_equal(pixels(data), pixels(out))


def test_gif_comment_and_xmp_application_block_go() -> None:
    buf = io.BytesIO()
    frames = [gradient(32, 32).convert("P"), gradient(32, 32).rotate(90).convert("P")]
    frames[0].save(
        buf, "GIF", save_all=True, append_images=frames[1:], loop=0, comment=b"Jane Patient"
    )
    data = buf.getvalue()
    xmp_block = b"\x21\xff\x0bXMP DataXMP\x05Jane!\x00"
    data = data[:-1] + xmp_block + b"\x3b" + b"trailing"
    out = STRIPPERS["gif"](data).data
    assert b"Jane" not in out and b"trailing" not in out and b"NETSCAPE2.0" in out
    with Image.open(io.BytesIO(out)) as img:
        assert getattr(img, "n_frames", 1) == 2


def test_heic_exif_xmp_and_thumbnail_items_go_pixels_identical() -> None:
    import pillow_heif

    rgb = np.asarray(gradient(128, 96))
    heif = pillow_heif.from_bytes(mode="RGB", size=(128, 96), data=rgb.tobytes())
    heif[0].info["exif"] = exif_bytes(1)
    heif[0].info["xmp"] = b"<x:xmpmeta>Jane Patient</x:xmpmeta>"
    buf = io.BytesIO()
    heif.save(buf, quality=90, thumbnails=[32])
    data = buf.getvalue()
    result = STRIPPERS["heic"](data)
    out = result.data
    labels = " ".join(result.removed)
    assert "Exif" in labels and "XMP" in labels and labels.count("hvc1") >= 1  # the thumbnail
    assert b"Jane" not in out and b"PhoneMaker" not in out
    back = pillow_heif.open_heif(io.BytesIO(out))
    assert pillow_heif.open_heif(io.BytesIO(data))[0].info.get("thumbnails") == [32]
    assert not back[0].info.get("thumbnails") and not back[0].info.get("exif")
    assert np.array_equal(pixels(data), pixels(out))


def test_orientation_tiff_round_trip() -> None:
    for value in range(1, 9):
        assert tiff_orientation(orientation_tiff(value)) == value
    assert tiff_orientation(b"garbage") == 1
