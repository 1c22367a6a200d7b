"""Shared helpers for the scrub tests: the real corpus (copied, never touched) and
small generated files with known metadata."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from clearpost.testdata import corpus_names, corpus_path

__all__ = ["corpus_file", "corpus_names"]


def corpus_file(tmp_path: Path, rel: str) -> Path:
    """A private copy of a shipped sample (a missing sample raises, never skips)."""
    src = corpus_path(rel)
    dst = tmp_path / "in" / Path(rel).name
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def pixels(data: bytes) -> np.ndarray:
    import pillow_heif

    pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGBA"))


def gradient(w: int = 64, h: int = 48) -> Image.Image:
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :].repeat(h, 0)
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None].repeat(w, 1)
    return Image.fromarray(np.dstack([x, y, 255 - x]), "RGB")


def exif_bytes(orientation: int = 6) -> bytes:
    """EXIF with identifying tags, GPS and an IFD1 thumbnail."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[0x0131] = "Facetune 2.0"
    exif[0x013B] = "Jane Patient"
    exif[0x0112] = orientation
    exif[0x0132] = "2024:05:01 10:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    return exif.tobytes()


def jpeg_with_everything(orientation: int = 6) -> bytes:
    """A JPEG carrying EXIF (GPS, owner, orientation), XMP, a comment and a trailer."""
    buf = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>CreatorTool=Photoshop</x:xmpmeta>'
    gradient().save(buf, "JPEG", exif=exif_bytes(orientation), xmp=xmp, comment=b"patient Jane")
    return buf.getvalue() + b"MOTION-PHOTO-TRAILER" * 10


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_with_everything() -> bytes:
    buf = io.BytesIO()
    gradient().save(buf, "PNG")
    data = buf.getvalue()
    iend = data.rindex(b"IEND") - 4
    extra = (
        png_chunk(b"tEXt", b"Author\x00Jane Patient")
        + png_chunk(b"tIME", b"\x07\xe8\x05\x01\x0a\x00\x00")
        + png_chunk(b"eXIf", exif_bytes(6)[6:] if exif_bytes(6)[:4] == b"Exif" else exif_bytes(6))
        + png_chunk(b"prVt", b"private")
    )
    return data[:iend] + extra + data[iend:] + b"after-iend"


def make_video(path: Path, *extra: str, fmt_args: tuple[str, ...] = ()) -> Path:
    """A 1-second test video with identifying metadata, made by ffmpeg."""
    if not shutil.which("ffmpeg"):  # a system dependency (`make deps`): missing is an error
        raise RuntimeError("ffmpeg is not installed; run `make deps`")
    cmd = [
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10:duration=1",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=1", *fmt_args, "-t", "1",
        "-metadata", "title=Jane Patient", "-metadata", "location=+48.8577+002.2950/",
        "-metadata", "creation_time=2024-05-01T10:00:00Z", "-metadata", "make=Apple",
        *extra, str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return path
