"""`clearpost scrub`: remove every piece of metadata, losslessly where the format allows,
and prove it on every file with an independent reader before anything is written.

Per file: sniff (by content) and limits -> read all tags with ExifTool (provenance and
the before-list) -> strip (JPEG/PNG/GIF/WebP/HEIC/AVIF: container rewrite, pixels
untouched; MP4/MOV/M4V: ffmpeg stream copy + box check; TIFF/PSD/BMP/JPEG 2000: decoded
and written as PNG; camera RAW: developed and written as JPEG; AVI/WMV/MKV/TS:
converted to MP4) -> re-read the output with ExifTool and re-walk its structure ->
anything left makes the file `failed_verification` with no output.
"""

from __future__ import annotations

import io
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PIL import Image

from clearpost.engine.media.batch import FileOutcome
from clearpost.engine.media.containers import ContainerError
from clearpost.engine.media.containers.common import is_standard_icc, sanitize_icc
from clearpost.engine.media.containers.movie import probe, rewrite
from clearpost.engine.media.containers.provenance import provenance, tags_from_stripped
from clearpost.engine.media.exiftool import shared
from clearpost.engine.media.formats import STRIPPERS, StillFormat, ext_of, lookup
from clearpost.engine.media.limits import DEFAULT_LIMITS, Limits, check_dimensions, check_file_size
from clearpost.engine.media.report import FileReport, Refusal, Verification, reason
from clearpost.engine.media.sniff import sniff_file
from clearpost.engine.media.verify_metadata import merge_unique, removed_tags, residual_from_tags

if TYPE_CHECKING:
    from clearpost.engine.media.encode import Pixels

# numpy and the decoders load only when a file needs converting: batch workers that
# only strip containers start faster.
RULE = "HIPAA-DEID-METADATA"
_TMP_ROOT = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - RAM-backed scratch


@dataclass(frozen=True, slots=True)
class ScrubOptions:
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)
    raw_quality: int = 95


def _header_size(data: bytes, fmt: str) -> tuple[int, int]:
    if fmt in ("heic", "avif"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(img.width), int(img.height)
    except Image.DecompressionBombError:
        raise Refusal(RULE, "the image is too large to decode (decompression bomb)") from None
    except Exception as exc:
        raise Refusal(RULE, f"the {fmt} image cannot be read ({type(exc).__name__})") from None


def _to_srgb(rgb: Pixels, icc: bytes) -> Pixels:
    """Convert pixels from a non-standard profile to sRGB, so dropping it keeps colour."""
    import numpy as np
    from PIL import ImageCms

    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if rgb.shape[2] == 4 else "RGB"
        img = Image.fromarray(rgb, mode)
        out = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode=mode)
    except Exception:  # an unusable profile: keep the numbers, drop the profile
        return rgb
    return np.asarray(out, dtype=np.uint8) if out is not None else rgb


def _convert_still(data: bytes, fmt: str, options: ScrubOptions) -> tuple[bytes, str, list[str]]:
    from clearpost.engine.media.encode import encode_still, load_oriented

    rgb, info = load_oriented(data, limits=options.limits)
    # Lossless PNG for rendered formats, JPEG for developed RAW (the formats table).
    target = cast(StillFormat, lookup(fmt).scrubbed)
    icc: bytes | None = None
    notes = [f"{fmt} converted to {target.upper()}" + (" (lossless)" if target == "png" else "")]
    if info.icc:
        if is_standard_icc(info.icc):
            icc = sanitize_icc(info.icc)
        else:
            rgb = _to_srgb(rgb, info.icc)
            notes.append("non-standard ICC profile applied to the pixels (sRGB) and removed")
    if info.frames > 1:
        notes.append(f"only the first of {info.frames} frames or pages kept")
    quality = options.raw_quality if target == "jpeg" else 100
    return encode_still(rgb, target, quality=quality, icc=icc), ext_of(target), notes


def _scratch(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="cp-scrub-", dir=_TMP_ROOT)
    import os

    os.close(fd)
    return Path(name)


def scrub_file(path: Path, options: ScrubOptions) -> FileOutcome:
    """The `process` function of `clearpost scrub` for the batch runner."""
    t0 = time.perf_counter()
    timings: dict[str, int] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round((now - since) * 1000)
        return now

    sniffed = sniff_file(path)
    check_file_size(path.stat().st_size, sniffed.kind, options.limits)
    report = FileReport(input=str(path), format=sniffed.format)
    reader = shared()
    t = t0
    fmt = sniffed.format
    handling = lookup(fmt).handling
    before: dict[str, Any] = {}
    if handling != "strip":
        # Provenance and the before-list: no trailer scan or composite tags needed.
        before = reader.read(path, "-fast2", "-e")
        t = lap("read_ms", t0)
    notes: list[str] = []
    out_data: bytes | None = None
    temp_path: Path | None = None
    exif: list[bytes] = []
    image_for_thumb: bytes | None = None
    if handling == "strip":
        data = path.read_bytes()
        report.width, report.height = _header_size(data, fmt)
        check_dimensions(report.width, report.height, options.limits)
        try:
            stripped = STRIPPERS[fmt](data)
            again = STRIPPERS[fmt](stripped.data)
        except ContainerError as exc:
            raise Refusal(RULE, f"the {fmt} file is damaged: {exc}") from None
        if again.data != stripped.data:
            raise Refusal(RULE, "the stripped file still changes when stripped again; not trusted")
        out_data, ext = stripped.data, sniffed.ext
        notes = stripped.removed
        before = tags_from_stripped(stripped, report.width, report.height)
        exif = stripped.exif
        image_for_thumb = data if fmt == "jpeg" else None
    elif handling in ("convert", "develop"):
        data = path.read_bytes()
        out_data, ext, notes = _convert_still(data, fmt, options)
        report.width, report.height = _header_size(out_data, ext.strip("."))
    elif handling in ("remux", "transcode"):
        info = probe(path, options.limits)
        report.width, report.height = info.width, info.height
        temp_path = _scratch(".tmp")
        try:
            out_fmt, notes = rewrite(path, fmt, temp_path, info)
        except ContainerError as exc:
            temp_path.unlink(missing_ok=True)
            raise Refusal(RULE, f"the rewritten video failed the box check: {exc}") from None
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        ext = ".mov" if out_fmt == "mov" else ".mp4"
    else:
        raise Refusal(RULE, lookup(fmt).why)
    t = lap("strip_ms", t)
    report.provenance = provenance(before, exif=exif, image=image_for_thumb)
    # Verify: an independent reader, on the exact bytes that would be written.
    check_path = temp_path
    if out_data is not None:
        check_path = _scratch(ext)
        check_path.write_bytes(out_data)
    assert check_path is not None
    try:
        after = reader.read(check_path, "-e", *(["-ee"] if sniffed.kind == "video" else []))
    finally:
        if out_data is not None:
            check_path.unlink(missing_ok=True)
    residual = residual_from_tags(after)
    lap("verify_ms", t)
    report.metadata_removed = merge_unique(
        removed_tags(before, after), (f"Container:{n}" for n in notes)
    )
    report.verification = Verification(passed=not residual, residual_metadata=residual)
    outcome = FileOutcome(report, data=out_data, temp_path=temp_path, ext=ext)
    if residual:
        shown = ", ".join(residual[:5]) + (" ..." if len(residual) > 5 else "")
        report.refuse(
            reason(RULE, f"metadata still present after scrubbing: {shown}"), "failed_verification"
        )
        return outcome
    report.status = "cleared"
    report.timings_ms.update(timings)
    return outcome
