"""Files the media tests upload: a face photo with GPS and a capture date, a short
video, and hostile files of every kind the engine refuses. All made at test time from
the public-domain portraits in `media/demo_data` (no machine paths)."""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

DEMO = Path(__file__).resolve().parent.parent / "demo_data"
TATTOO_BOX = (620, 900, 160, 120)  # x, y, w, h on obama.jpg (on the jacket, away from the face)


def face_photo(
    folder: Path, name: str = "jane-doe-cheek.jpg", date: str = "2026:03:01 10:00:00"
) -> Path:
    """The portrait with a bright "tattoo" drawn on it, GPS tags and a capture date."""
    img = Image.open(DEMO / "obama.jpg").convert("RGB")
    draw = ImageDraw.Draw(img)
    x, y, w, h = TATTOO_BOX
    # Concentric rings: a high-contrast mark that neither the face nor the text detector
    # knows. (Vertical stripes were used first; read at full scale, the text detector
    # takes them for a barcode and redacts them, which is right for a barcode.)
    cx, cy = x + w // 2, y + h // 2
    for r in range(3, max(w, h) // 2, 6):
        draw.ellipse(
            [cx - r * w // h, cy - r, cx + r * w // h, cy + r], outline=(200, 30, 160), width=3
        )
    path = folder / name
    img.save(path, "JPEG", quality=92)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-GPSLatitude=30.2672", "-GPSLatitudeRef=N",
         "-GPSLongitude=97.7431", "-GPSLongitudeRef=W", f"-DateTimeOriginal={date}",
         "-Make=TestCam", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def short_video(folder: Path, name: str = "clip.mp4", seconds: int = 2) -> Path:
    path = folder / name
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"testsrc=size=320x240:rate=10:duration={seconds}", "-pix_fmt", "yuv420p",
         "-metadata", "location=+30.2672-097.7431/", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def hostile(folder: Path) -> dict[str, Path]:
    """name -> file: each must be refused before anything is stored."""
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(jpeg, "JPEG")
    good = jpeg.getvalue()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "hidden")
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _png_chunk(b"IEND", b"")
    )
    files = {
        "empty.jpg": b"",
        "notes.jpg": b"This is a text file, not a photo.\n" * 20,
        "truncated.jpg": good[: len(good) // 2],
        "polyglot.jpg": good + archive.getvalue(),
        "bomb.png": bomb,
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out
