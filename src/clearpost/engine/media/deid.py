"""`clearpost deid` per file: scrub, find, redact, re-encode clean, then verify the output.

Order and why:
1. `scrub_file` (media-scrub) first: it refuses what cannot be cleaned, records the
   provenance while the metadata still exists and proves the scrubbed bytes clean with
   ExifTool. If nothing needs redacting, those lossless bytes are the output.
2. Detection runs on the upright image (EXIF orientation applied), because manual
   regions are drawn on the upright image and detectors expect upright faces.
3. Redaction changes pixels, so the image is re-encoded from bare pixels (no metadata
   can survive) in the input's format.
4. Verification looks at the OUTPUT as a reader would: faces again at a lower threshold,
   text again, ExifTool again. A residue found there is redacted once more with a solid
   fill (escalation); if anything is still found, the file fails verification and
   nothing is written.

The detectors run one after the other, each on every core (onnxruntime's own threads):
running faces and text on two threads at once measured slower on 2 cores (19.3 s
against 15.1 s for a 12 MP photo), the two thread pools fighting for the same cores.
Only ExifTool's read of the output, a separate mostly idle process, runs beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from clearpost.engine.media.batch import FileOutcome, sha256_file
from clearpost.engine.media.encode import Pixels, StillFormat, encode_still, load_oriented
from clearpost.engine.media.exiftool import shared
from clearpost.engine.media.faces import (
    CenterFaceDetector,
    DetectorUnavailableError,
    FaceBox,
    PyramidSettings,
)
from clearpost.engine.media.redact import (
    GROW,
    Region,
    Style,
    block_size,
    redact,
    region_patch,
    union_mask,
)
from clearpost.engine.media.regions import ManualRegion, RegionsError, RegionsFile, load_regions
from clearpost.engine.media.report import (
    Face,
    Refusal,
    SensitiveRegion,
    TextRegion,
    Verification,
    reason,
)
from clearpost.engine.media.scrub import ScrubOptions, scrub_file
from clearpost.engine.media.sensitive import SensitiveDetector, default_sensitive_detector
from clearpost.engine.media.sniff import sniff_file
from clearpost.engine.media.textregions import (
    RapidTextDetector,
    TextBox,
    TextDetectorUnavailableError,
)
from clearpost.engine.media.verify import IDENTITY_TOL, changed_outside, text_windows
from clearpost.engine.media.verify_metadata import residual_from_tags

FACE_RULE = "HIPAA-DEID-FULL-FACE"
TEXT_RULE = "HIPAA-DEID-CONTACT-IDS"
META_RULE = "HIPAA-DEID-METADATA"
FEATURE_RULE = "HIPAA-DEID-UNIQUE-FEATURES"
TEXT_GROW = 1.15
ESCALATIONS = 2
# The text detector outlines a pixelated block with a box larger than the block; a
# text residue counts when most of its box (65 %) lies outside redacted areas.
TEXT_INSIDE = 0.35
_OUT_FORMAT: dict[str, StillFormat] = {
    ".jpg": "jpeg",
    ".png": "png",
    ".webp": "webp",
    ".heic": "heic",
}
_EXT: dict[StillFormat, str] = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "heic": ".heic"}
T = TypeVar("T")
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cp-deid-exiftool")
# Face and text detection of one still run side by side (their tiles share the cores
# through threads.parallel_map; this pool only waits on them).
_STEPS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cp-deid-step")
# progress(stage, done, total): a caller (the web media library) shows how far a file is.
Progress = Callable[[str, int, int], None]
# The steps of a still, in order; `progress` is called as each one starts with the
# number of steps already done, then once more with ("done", total, total).
STILL_STEPS = ("scrub", "detect", "redact", "verify")


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


def _timed(fn: Callable[[], T]) -> Callable[[], tuple[T, float]]:
    def run() -> tuple[T, float]:
        t = time.perf_counter()
        return fn(), time.perf_counter() - t

    return run


@dataclass(frozen=True, slots=True)
class DeidOptions:
    faces: str = "redact"  # "redact" | "keep"
    text: str = "redact"  # "redact" | "keep"
    audio: str = "strip"  # "strip" | "keep"
    style: Style = "pixelate"
    regions_path: Path | None = None
    allow_words: frozenset[str] = frozenset()
    face_settings: PyramidSettings = field(default_factory=PyramidSettings)
    verify_threshold: float = 0.2
    scrub: ScrubOptions = field(default_factory=ScrubOptions)
    quality: int = 95


@dataclass
class Detectors:
    """The injectable units of one worker process (models load once per process)."""

    faces: CenterFaceDetector
    text: RapidTextDetector
    sensitive: SensitiveDetector


_DETECTORS: dict[tuple[object, ...], Detectors] = {}
_REGIONS: dict[Path, RegionsFile] = {}


def detectors_for(options: DeidOptions) -> Detectors:
    key = (options.face_settings, options.allow_words)
    if key not in _DETECTORS:
        _DETECTORS[key] = Detectors(
            CenterFaceDetector(options.face_settings),
            RapidTextDetector(options.allow_words),
            default_sensitive_detector(),
        )
    return _DETECTORS[key]


def manual_regions_for(options: DeidOptions, sha: str, shown: str) -> tuple[ManualRegion, ...]:
    if options.regions_path is None:
        return ()
    if options.regions_path not in _REGIONS:
        try:
            _REGIONS[options.regions_path] = load_regions(options.regions_path)
        except RegionsError as exc:
            raise Refusal(FEATURE_RULE, f"the regions file is invalid: {exc}") from None
    return _REGIONS[options.regions_path].for_file(sha, shown)


def face_region(face: FaceBox) -> Region:
    return Region.from_box((face.x, face.y, face.w, face.h), GROW, "rect")


def text_region(box: TextBox) -> Region:
    cx = sum(p[0] for p in box.points) / len(box.points)
    cy = sum(p[1] for p in box.points) / len(box.points)
    return Region(
        tuple((cx + (x - cx) * TEXT_GROW, cy + (y - cy) * TEXT_GROW) for x, y in box.points)
    )


def _clip_box(box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int, int, int]:
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(w, box[0] + box[2]), min(h, box[1] + box[3])
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def deid_file(path: Path, options: DeidOptions, *, progress: Progress | None = None) -> FileOutcome:
    """The `process` function of `clearpost deid` for the batch runner.

    `progress(stage, done, total)`, if given, is called as the work advances: for a
    still, `done`/`total` count the steps of STILL_STEPS; for a video they count frames
    (`total` is 0 when the container does not say how many frames it has). The last call
    is always ("done", n, n) for a file that got that far."""
    report_to = progress or _no_progress
    sniffed = sniff_file(path)
    if sniffed.kind == "video":
        from clearpost.engine.media.video import deid_video

        outcome: FileOutcome = deid_video(path, options, progress=report_to)
        return outcome
    total = len(STILL_STEPS)
    report_to("scrub", 0, total)
    base = scrub_file(path, options.scrub)
    report = base.report
    if report.status != "cleared" or base.data is None:
        report_to("done", total, total)
        return base
    outcome = deid_still_bytes(base, path, options, progress=report_to)
    report_to("done", total, total)
    return outcome


def deid_still_bytes(
    base: FileOutcome, path: Path, options: DeidOptions, *, progress: Progress | None = None
) -> FileOutcome:
    """Redact an already scrubbed still (bytes in `base`)."""
    report_to = progress or _no_progress
    total = len(STILL_STEPS)
    report = base.report
    assert base.data is not None
    report_to("detect", 1, total)
    t0 = time.perf_counter()
    det = detectors_for(options)
    sha = sha256_file(path)
    manual = manual_regions_for(options, sha, str(path))
    rgb, _info = load_oriented(base.data, limits=options.scrub.limits)
    h, w = rgb.shape[:2]
    report.width, report.height = w, h
    regions: list[Region] = [r for m in manual if (r := m.at(0, 0.0)) is not None]
    kinds: list[str] = ["manual"] * len(regions)
    # Recognition only matters for the allow-list; without one, detection is enough
    # (every detected region is redacted whatever it says).
    recognize = bool(det.text.allow_words)
    # One pass down to the verification threshold: faces at the detection threshold are
    # redacted; the doubtful ones below it are searched again on the output (verify.py).
    low = min(options.verify_threshold, det.faces.settings.threshold)
    # Faces and text side by side: each model call runs on one thread (threads.py).
    face_job = _STEPS.submit(_timed(lambda: det.faces.detect(rgb, threshold=low)))
    text_job = _STEPS.submit(_timed(lambda: det.text.detect(rgb, recognize=recognize)))
    try:
        found, took = face_job.result()
    except DetectorUnavailableError as exc:
        text_job.cancel()
        raise Refusal(FACE_RULE, f"faces cannot be checked: {exc}") from None
    faces = [f for f in found if f.score >= det.faces.settings.threshold]
    doubtful = [f.box for f in found if f.score < det.faces.settings.threshold]
    report.timings_ms["faces_ms"] = round(took * 1000)
    action = "redacted" if options.faces == "redact" else "kept"
    report.faces = [Face(_clip_box(f.box, w, h), round(f.score, 3), action) for f in faces]
    if options.faces == "redact":
        regions += [face_region(f) for f in faces]
        kinds += ["face"] * len(faces)
    texts: list[TextBox] = []
    try:
        texts, took = text_job.result()
        report.timings_ms["text_ms"] = round(took * 1000)
    except TextDetectorUnavailableError as exc:
        if options.text == "redact":
            raise Refusal(TEXT_RULE, f"burned-in text cannot be checked: {exc}") from None
    t2 = time.perf_counter()
    report.timings_ms["detect_ms"] = round((t2 - t0) * 1000)
    for tb in texts:
        if tb.allowed:
            act = "allowed"
        elif options.text == "redact":
            act = "redacted"
            regions.append(text_region(tb))
            kinds.append("text")
        else:
            act = "kept"
        report.text_regions.append(TextRegion(_clip_box(tb.box, w, h), tb.text, act))
    report.sensitive_regions = [
        SensitiveRegion(s.box, s.label, round(s.score, 3)) for s in det.sensitive.detect(rgb)
    ]
    t3 = time.perf_counter()
    report.timings_ms["sensitive_ms"] = round((t3 - t2) * 1000)
    report_to("redact", 2, total)
    if _info.frames > 1:
        # Only the first frame was decoded and checked, so only it may leave.
        report.metadata_removed.append(
            f"Container:animation: only the first of {_info.frames} frames kept (checked)"
        )
    expected = rgb
    if not regions and _info.frames <= 1:
        # Nothing to change: the scrubbed, pixel-identical bytes are the output.
        data, ext = base.data, base.ext
    else:
        fmt = _OUT_FORMAT.get(base.ext, "png")
        expected = redact(rgb, regions, options.style)
        data, ext = _encode(expected, fmt, options, _info.icc), _EXT[fmt]
    t4 = time.perf_counter()
    report.timings_ms["redact_ms"] = round((t4 - t3) * 1000)
    report_to("verify", 3, total)
    check = _Check(regions, kinds, doubtful, expected)
    data, ext, verification = _verify_still(data, ext, check, options, det, _info.icc)
    report.verification = verification
    report.timings_ms["verify_ms"] = round((time.perf_counter() - t4) * 1000)
    outcome = FileOutcome(report, data=data, ext=ext)
    if not verification.passed:
        what = []
        if verification.residual_faces:
            what.append(f"{verification.residual_faces} face(s)")
        if verification.residual_text:
            what.append(f"{verification.residual_text} text region(s)")
        if verification.residual_metadata:
            what.append("metadata " + ", ".join(verification.residual_metadata[:5]))
        rule_id = (
            FACE_RULE
            if verification.residual_faces
            else (TEXT_RULE if verification.residual_text else META_RULE)
        )
        report.refuse(
            reason(rule_id, "still found in the output after redaction: " + "; ".join(what)),
            "failed_verification",
        )
        return outcome
    report.status = "cleared"
    return outcome


def _done(value: T) -> Future[T]:
    """An already finished job (a search that is switched off)."""
    job: Future[T] = Future()
    job.set_result(value)
    return job


def _encode(rgb: Pixels, fmt: StillFormat, options: DeidOptions, icc: bytes | None) -> bytes:
    if fmt == "jpeg" and rgb.shape[2] == 4:
        rgb = np.ascontiguousarray(rgb[:, :, :3])
    return encode_still(rgb, fmt, quality=options.quality, icc=icc)


@dataclass
class _Check:
    """What verification compares the output with: the regions that must be redacted,
    the doubtful face candidates to search again, and the pixels that were encoded."""

    regions: list[Region]
    kinds: list[str]
    doubtful: list[tuple[int, int, int, int]]
    expected: Pixels
    # Regions whose surroundings are searched; after an escalation only the new solid
    # fills (the rest of the output is proven unchanged by the identity check).
    focus: list[int] | None = None

    def searched(self, kinds: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
        focus = range(len(self.regions)) if self.focus is None else self.focus
        return [self.regions[i].box() for i in focus if self.kinds[i] in kinds]


def _residual_faces(
    rgb: Pixels, check: _Check, det: Detectors, options: DeidOptions
) -> list[FaceBox]:
    """Faces on the output in windows around every region and doubtful candidate."""
    boxes = check.searched(("face", "manual", "text")) + check.doubtful
    return det.faces.detect_around(rgb, boxes, options.verify_threshold) if boxes else []


def _residual_text(rgb: Pixels, check: _Check, det: Detectors) -> list[TextBox]:
    """Text on the output in windows around every text and manual region."""
    h, w = rgb.shape[:2]
    boxes = check.searched(("text", "manual"))
    recognize = bool(det.text.allow_words)
    found: list[TextBox] = []
    for x0, y0, x1, y1 in text_windows(boxes, w, h):
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        for t in det.text.detect(crop, recognize=recognize):
            if not t.allowed:
                pts = tuple((px + x0, py + y0) for px, py in t.points)
                found.append(TextBox(pts, t.text, t.score, t.allowed))
    return found


def _outside(
    box: tuple[int, int, int, int], mask: npt.NDArray[np.bool_], inside: float = 0.5
) -> bool:
    """A residue counts only outside what was already redacted: inside a redacted area
    the pixels are block means or a flat fill by construction, and a detector firing on
    a pixelated head shape there finds nothing that could identify anyone."""
    x, y, w, h = box
    sub = mask[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    return sub.size == 0 or float(sub.mean()) < inside


def not_redacted(
    rgb: Pixels, regions: list[Region], styles: list[Style], tolerance: float = 4.0
) -> list[int]:
    """Indexes of regions whose pixels in the OUTPUT are not redacted.

    A redacted region is block-constant: every pixel equals the mean of its block (one
    block for `solid`, `block_size` blocks for `pixelate`; `blur` stays close to it).
    Pixels covered by a region applied later are left to that region's own check, so
    overlapping regions do not fail each other. The tolerance absorbs the output codec's
    rounding. Work is per region bounding box, never per whole image."""
    h, w = rgb.shape[:2]
    patches = [region_patch(r, h, w) for r in regions]
    later = np.zeros((h, w), bool)
    bad = []
    for i in range(len(regions) - 1, -1, -1):
        y0, x0, full = patches[i]
        if not full.any():
            continue
        ph, pw = full.shape
        own = full & ~later[y0 : y0 + ph, x0 : x0 + pw]
        later[y0 : y0 + ph, x0 : x0 + pw] |= full
        sub = rgb[y0 : y0 + ph, x0 : x0 + pw]
        limit = max(12.0, tolerance) if styles[i] == "blur" else tolerance
        if own.any() and _block_spread(sub, full, own) > limit:
            bad.append(i)
    return sorted(bad)


def _block_spread(rgb: Pixels, full: npt.NDArray[np.bool_], own: npt.NDArray[np.bool_]) -> float:
    """Mean absolute deviation of `own` pixels from their block's mean colour."""
    ys, xs = np.nonzero(full)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    block = block_size(y1 - y0, x1 - x0)
    total, count = 0.0, 0
    for by in range(y0, y1, block):
        for bx in range(x0, x1, block):
            sel = own[by : by + block, bx : bx + block]
            if not sel.any():
                continue
            px = rgb[by : by + block, bx : bx + block, :3][sel].astype(np.float32)
            total += float(np.abs(px - px.mean(axis=0)).sum() / 3)
            count += len(px)
    return total / max(1, count)


def _verify_still(
    data: bytes,
    ext: str,
    check: _Check,
    options: DeidOptions,
    det: Detectors,
    icc: bytes | None,
) -> tuple[bytes, str, Verification]:
    """Check the output bytes; escalate with a solid fill over any residue, then re-check.

    See verify.py for why this is fail-closed without a second full detection pass: the
    output must equal the searched pixels outside the masks, be redacted inside them,
    and show no face or text around them at the lower threshold. A detection counts as
    residual unless it lies inside a region that the output shows redacted (checked by
    idempotence, not trusted)."""
    regions, kinds = check.regions, check.kinds
    styles: list[Style] = [options.style] * len(regions)
    for attempt in range(ESCALATIONS + 1):
        rgb, _ = load_oriented(data, limits=options.scrub.limits)
        h, w = rgb.shape[:2]
        meta_job = _POOL.submit(_metadata_residue, data, ext)
        drift = changed_outside(check.expected, rgb, union_mask(regions, h, w))
        if drift > IDENTITY_TOL:
            meta_job.result()
            raise Refusal(
                META_RULE,
                f"the output differs from the checked image outside the redacted areas "
                f"(by {drift:.0f} grey levels); not trusted",
            )
        unredacted = set(not_redacted(rgb, regions, styles))
        done = [r for i, r in enumerate(regions) if i not in unredacted]
        mask = union_mask(done, h, w)
        # The face and text searches of the output run side by side, like detection.
        no_faces: list[FaceBox] = []
        no_text: list[TextBox] = []
        face_job = (
            _STEPS.submit(_residual_faces, rgb, check, det, options)
            if options.faces == "redact"
            else _done(no_faces)
        )
        text_job = (
            _STEPS.submit(_residual_text, rgb, check, det)
            if options.text == "redact"
            else _done(no_text)
        )
        faces = [f for f in face_job.result() if _outside(f.box, mask)]
        texts = [t for t in text_job.result() if _outside(t.box, mask, TEXT_INSIDE)]
        missed_faces = sum(1 for i in unredacted if kinds[i] != "text")
        missed_text = sum(1 for i in unredacted if kinds[i] == "text")
        meta = meta_job.result()
        n_faces, n_text = len(faces) + missed_faces, len(texts) + missed_text
        if (n_faces or n_text) and attempt < ESCALATIONS and not meta:
            extra = [face_region(f) for f in faces] + [text_region(t) for t in texts]
            extra += [regions[i] for i in sorted(unredacted)]
            regions = regions + extra
            kinds = kinds + ["face"] * len(faces) + ["text"] * len(texts)
            kinds += [kinds[i] for i in sorted(unredacted)]
            styles = styles + ["solid"] * (len(extra))
            fmt = _OUT_FORMAT.get(ext, "png")
            solid = redact(rgb, extra, "solid")
            focus = list(range(len(regions) - len(extra), len(regions)))
            check = _Check(regions, kinds, [], solid, focus)
            data, ext = _encode(solid, fmt, options, icc), _EXT[fmt]
            continue
        passed = not (n_faces or n_text or meta)
        return data, ext, Verification(passed, n_faces, n_text, meta)
    raise AssertionError("unreachable")


def _metadata_residue(data: bytes, ext: str) -> list[str]:
    import os
    import tempfile

    fd, name = tempfile.mkstemp(suffix=ext, prefix="cp-deid-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tags = shared().read(Path(name))
    finally:
        Path(name).unlink(missing_ok=True)
    residual = residual_from_tags(tags)
    return residual
