"""Memory is bounded per file, and what a file is allowed never depends on the batch.

tracemalloc sees numpy's buffers (every full-image copy the still path makes in
Python) but not Pillow's or onnxruntime's own heaps; bench/deid_memory.py measures the
whole process (ru_maxrss) on a 90 MP photo."""

from __future__ import annotations

import io
import os
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageCms, ImageOps

from clearpost.engine.media.batch import FileOutcome, collect_inputs, run_one
from clearpost.engine.media.deid import deid_file, run_still
from clearpost.engine.media.detectors import Finding, Scene
from clearpost.engine.media.encode import encode_still, load_oriented
from clearpost.engine.media.memory import release_freed_memory
from clearpost.engine.media.options import DeidOptions
from clearpost.engine.media.redact import Region
from clearpost.engine.media.report import FileReport, Refusal

MB = 1024 * 1024


def _bomb_png(side: int = 14_000) -> bytes:
    """A valid PNG header declaring side x side RGB pixels (588 MB decoded), tiny body."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")

    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    body = zlib.compress((b"\x00" + b"\x00" * side * 3) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _traced(fn: Callable[[], FileReport]) -> tuple[FileReport, int]:
    tracemalloc.start()
    try:
        report = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return report, peak


@pytest.mark.parametrize("before", ["nothing", "a normal photo", "a refused bomb"])
def test_bomb_refusal_does_not_depend_on_the_batch_so_far(tmp_path: Path, before: str) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_bomb_png())
    normal = tmp_path / "normal.png"
    rng = np.random.default_rng(4)
    Image.fromarray(rng.integers(80, 170, (480, 640, 3), dtype=np.uint8)).save(normal)
    out = tmp_path / "out"
    if before == "a normal photo":
        first = run_one(deid_file, collect_inputs([normal])[0], DeidOptions(), out)
        assert first.status == "cleared", first.reason
    elif before == "a refused bomb":
        run_one(deid_file, collect_inputs([bomb])[0], DeidOptions(), out)
    report, peak = _traced(
        lambda: run_one(deid_file, collect_inputs([bomb])[0], DeidOptions(), out)
    )
    assert report.status == "refused" and report.output is None
    # Pillow's fixed outer ceiling (twice its default) refuses it when the header is
    # read; the per-file 90 MP limit would too. Either way, the same reason every time.
    assert report.reason == (
        "HIPAA-DEID-METADATA: the image is too large to decode (decompression bomb)"
    )
    assert peak < 8 * MB  # refused from its header: nothing was decoded


class OneRegion:
    """A detector unit with one fixed region, so the test needs no model to redact."""

    name = "one-region"

    def find(self, scene: Scene) -> list[Finding]:
        box = (300, 200, 240, 240)
        return [Finding("manual", box, "redacted", "fixed", Region.from_box(box))]


def test_still_path_holds_few_full_copies_of_the_pixels(tmp_path: Path) -> None:
    """Decode, redaction, encoding and verification of a 6 MP photo stay within 5
    image sizes of numpy memory (the image, its redacted copy or Pillow's bytes, the
    decoded output, masks, the verification windows); the identity check alone used to
    take 12 (three int32 copies of the image), 3.2 GB on a 90 MP photo."""
    src = tmp_path / "photo.png"
    h, w = 2000, 3000
    rng = np.random.default_rng(9)
    ramp = np.linspace(40, 210, w, dtype=np.float32)[None, :, None]
    noise = rng.integers(-6, 7, (h, w, 3)).astype(np.float32)
    Image.fromarray(np.clip(ramp + noise, 0, 255).astype(np.uint8)).save(src, compress_level=1)

    def process(path: Path, options: DeidOptions) -> FileOutcome:
        return run_still(path, options, units=[OneRegion()])

    item = collect_inputs([src])[0]
    warm = run_one(process, item, DeidOptions(), tmp_path / "warm")  # models load here
    assert warm.status == "cleared", warm.reason
    report, peak = _traced(lambda: run_one(process, item, DeidOptions(), tmp_path / "out"))
    assert report.status == "cleared", report.reason
    assert peak < 5 * h * w * 3, f"{peak / MB:.0f} MB for a {h * w * 3 / MB:.0f} MB image"


def _smooth(h: int, w: int) -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(h + w)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx, yy, xx + yy], -1) * 0.6 + rng.integers(-20, 21, (h, w, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(("subsampling", "progressive"), [(0, False), (1, False), (2, True)])
def test_low_memory_jpeg_decode_gives_pillows_pixels(
    orientation: int, subsampling: int, progressive: bool
) -> None:
    """Colour JPEGs decode straight into a 3-byte array (not Pillow's 4 bytes plus a
    copy): the same pixels, turned the same way, as Pillow's decode + exif_transpose."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(_smooth(90, 130)).save(
        buf,
        "JPEG",
        quality=90,
        subsampling=subsampling,
        progressive=progressive,
        exif=exif.tobytes(),
    )
    got, info = load_oriented(buf.getvalue())
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        want = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    assert got.flags.c_contiguous and got.flags.writeable
    assert np.array_equal(got, want)
    assert (info.width, info.height, info.orientation) == (
        want.shape[1],
        want.shape[0],
        orientation,
    )


def test_truncated_jpeg_is_still_refused() -> None:
    buf = io.BytesIO()
    Image.fromarray(_smooth(90, 130)).save(buf, "JPEG", quality=90)
    with pytest.raises(Refusal, match="truncated"):
        load_oriented(buf.getvalue()[: len(buf.getvalue()) // 2])


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("quality", [100, 95, 90, 89, 75])
@pytest.mark.parametrize("icc", [None, _SRGB, _SRGB + bytes(70_000)], ids=["none", "srgb", "long"])
def test_low_memory_jpeg_encode_gives_pillows_bytes(quality: int, icc: bytes | None) -> None:
    """JPEG output is encoded from the array in place (no 4-byte Pillow copy) and is
    byte for byte what Pillow wrote, ICC profile segments included; the caller's array
    is left as it was."""
    rgb = _smooth(120, 170)
    before = rgb.copy()
    buf = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    got = encode_still(rgb, "jpeg", quality=quality, icc=icc)
    assert np.array_equal(rgb, before)
    try:
        Image.fromarray(rgb).save(
            buf,
            "JPEG",
            quality=quality,
            subsampling=0 if quality >= 90 else 2,
            optimize=True,
            **extra,
        )
    except OSError:
        # Pillow's own encoder gives up here ("Suspension not allowed": its buffer is too
        # small for optimised tables of a noisy image plus a long profile); ours holds.
        with Image.open(io.BytesIO(got)) as img:
            assert img.size == (170, 120) and img.info.get("icc_profile") == icc
        return
    assert got == buf.getvalue()


def _resident_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_freed_heap_goes_back_between_files() -> None:
    """What a file freed into the heap (buffers kept apart by survivors, so the heap
    cannot shrink by itself) is returned before the next file starts."""
    chunks = [bytes(64 * 1024) for _ in range(3200)]  # ~200 MB of heap blocks
    keep = chunks[::16]
    del chunks
    before = _resident_mb()
    assert release_freed_memory()
    assert _resident_mb() < before - 100
    assert keep
