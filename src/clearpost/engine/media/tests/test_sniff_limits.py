from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from clearpost.engine.media.limits import Limits, check_dimensions, check_file_size, check_video
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.sniff import sniff_bytes, sniff_file

from .scrub_helpers import gradient, png_chunk


def _ftyp(major: bytes, *compat: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compat)
    return struct.pack(">I", len(body) + 8) + b"ftyp" + body + b"\x00" * 32


@pytest.mark.parametrize(
    ("head", "fmt", "kind"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "jpeg", "still"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "png", "still"),
        (b"GIF89a" + b"\x00" * 40, "gif", "still"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40, "webp", "still"),
        (b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 40, "avi", "video"),
        (_ftyp(b"heic", b"mif1", b"heic"), "heic", "still"),
        (_ftyp(b"mif1", b"mif1", b"heic"), "heic", "still"),
        (_ftyp(b"avif", b"mif1", b"avif"), "avif", "still"),
        (_ftyp(b"mif1", b"avif", b"mif1"), "avif", "still"),
        (_ftyp(b"qt  ", b"qt  "), "mov", "video"),
        (_ftyp(b"isom", b"isom", b"mp41"), "mp4", "video"),
        (_ftyp(b"M4V ", b"M4V "), "m4v", "video"),
        (_ftyp(b"crx ", b"crx "), "cr3", "raw"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat" + b"\x00" * 40, "mov", "video"),
        (b"8BPS" + b"\x00" * 40, "psd", "still"),
        (b"FUJIFILMCCD-RAW 0201" + b"\x00" * 40, "raf", "raw"),
        (b"IIU\x00" + b"\x00" * 40, "rw2", "raw"),
        (b"II*\x00\x08\x00\x00\x00\x00\x00" + b"\x00" * 40, "tiff", "still"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00" + b"\x00" * 40, "cr2", "raw"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 40, "mkv", "video"),
        (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + b"\x00" * 40, "wmv", "video"),
    ],
)
def test_sniff_by_content(head: bytes, fmt: str, kind: str) -> None:
    found = sniff_bytes(head)
    assert (found.format, found.kind) == (fmt, kind)


def test_dng_is_told_from_tiff_by_its_version_tag() -> None:
    ifd = (
        struct.pack("<H", 1)
        + struct.pack("<HHI4s", 0xC612, 1, 4, b"\x01\x04\x00\x00")
        + b"\x00" * 4
    )
    assert sniff_bytes(b"II*\x00\x08\x00\x00\x00" + ifd).format == "dng"


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world, not an image", b"%PDF-1.7\n", b"<html><body>", b"\x00" * 100],
)
def test_unknown_or_empty_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(Refusal) as err:
        sniff_bytes(data)
    assert err.value.reason.startswith("HIPAA-DEID-METADATA: ")


def _jpeg() -> bytes:
    buf = io.BytesIO()
    gradient().save(buf, "JPEG")
    return buf.getvalue()


def _zip_tail() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.js", "alert(1)")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("builder", "why"),
    [
        (lambda: _jpeg() + _zip_tail(), "ZIP"),
        (lambda: _jpeg()[:20] + b"%PDF-1.4 obj" + _jpeg()[20:], "pdf"),
        (lambda: _jpeg()[:20] + b"<script>alert(1)</script>" + _jpeg()[20:], "script"),
    ],
)
def test_polyglots_are_refused(tmp_path: Path, builder: object, why: str) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(builder())  # type: ignore[operator]
    with pytest.raises(Refusal) as err:
        sniff_file(path)
    assert "polyglot" in err.value.reason and why.lower() in err.value.reason.lower()


def test_wrong_extension_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "really_a_png.jpg"
    buf = io.BytesIO()
    gradient().save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    assert sniff_file(path).format == "png"


@pytest.mark.parametrize(
    ("w", "h", "ok"),
    [
        (4000, 3000, True),
        (8000, 6000, True),  # 48 MP
        (10000, 9000, True),  # 90 MP, the default ceiling
        (14000, 14000, False),  # 196 MP: over the per-file memory budget
        (16384, 12288, False),
        (40000, 10, False),
        (20000, 20000, False),
        (0, 10, False),
    ],
)
def test_dimension_limits(w: int, h: int, ok: bool) -> None:
    if ok:
        check_dimensions(w, h)
    else:
        with pytest.raises(Refusal):
            check_dimensions(w, h)


def test_size_and_video_limits() -> None:
    with pytest.raises(Refusal, match="empty"):
        check_file_size(0, "still")
    with pytest.raises(Refusal, match="MiB"):
        check_file_size(10_000, "still", Limits(max_still_bytes=1000))
    check_video(1920, 1080, 60.0, 1800)
    with pytest.raises(Refusal, match="lasts"):
        check_video(1920, 1080, 7200.0, None)
    with pytest.raises(Refusal, match="8K"):
        check_video(16000, 9000, 1.0, None)


def test_png_bomb_is_refused_from_its_header() -> None:
    from clearpost.engine.media.encode import load_oriented

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )
    with pytest.raises(Refusal, match="decompression bomb"):
        load_oriented(data)


def test_load_oriented_applies_exif_orientation_and_encode_writes_no_metadata() -> None:
    from clearpost.engine.media.encode import encode_still, load_oriented

    img = gradient(64, 48)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    exif[0x010F] = "Maker"
    buf = io.BytesIO()
    img.save(buf, "PNG", exif=exif.tobytes())
    rgb, info = load_oriented(buf.getvalue())
    assert (
        rgb.shape == (64, 48, 3) and info.orientation == 6 and (info.width, info.height) == (48, 64)
    )
    for fmt in ("jpeg", "png", "webp", "heic"):
        out = encode_still(rgb, fmt, quality=90)
        with Image.open(io.BytesIO(out)) as back:
            assert back.size == (48, 64)
            assert not back.getexif()
            assert not back.info.get("xmp") and not back.info.get("exif")


def _bomb_png(side: int = 14000) -> bytes:
    """A valid PNG header declaring side x side RGB, with a tiny (truncated) body."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("normal_first", [True, False])
def test_bomb_refused_whatever_the_batch_order(tmp_path: Path, normal_first: bool) -> None:
    """Limits are per file: a normal photo processed first must not raise any ceiling."""
    from clearpost.engine.media.batch import collect_inputs, run_one
    from clearpost.engine.media.deid import DeidOptions, deid_file

    pil_limit = Image.MAX_IMAGE_PIXELS
    normal = tmp_path / "a_normal.png"
    gradient(640, 480).save(normal, "PNG")
    bomb = tmp_path / "b_bomb.png"
    bomb.write_bytes(_bomb_png())
    order = [normal, bomb] if normal_first else [bomb, normal]
    reports = {
        p.name: run_one(deid_file, collect_inputs([p])[0], DeidOptions(), tmp_path / "out")
        for p in order
    }
    assert reports["a_normal.png"].status == "cleared", reports["a_normal.png"].reason
    bad = reports["b_bomb.png"]
    assert bad.status == "refused" and bad.output is None
    assert bad.reason and "decompression bomb" in bad.reason
    assert pil_limit == Image.MAX_IMAGE_PIXELS  # process-wide state untouched


def test_load_oriented_leaves_pillow_global_limit_alone() -> None:
    from clearpost.engine.media.encode import load_oriented

    before = Image.MAX_IMAGE_PIXELS
    buf = io.BytesIO()
    gradient(64, 48).save(buf, "PNG")
    load_oriented(buf.getvalue(), limits=Limits(max_pixels=10_000))
    assert before == Image.MAX_IMAGE_PIXELS
    with pytest.raises(Refusal, match="megapixels"):
        load_oriented(_bomb_png(200), limits=Limits(max_pixels=10_000))
