"""The stages of a still's de-identification, in order (`STILL_CHAIN`, read top to bottom).

1. `Sniff` (read and sniff): the format from the bytes; a video leaves the chain here
   for video.py's two-pass path.
2. `Scrub` (strip): `scrub_file` refuses what cannot be cleaned, records provenance
   while the metadata still exists and proves the lossless bytes clean with ExifTool.
3. `Decode` (decode and orient): the scrubbed bytes, upright (EXIF orientation
   applied), because manual regions are drawn on the upright image and detectors
   expect upright faces.
4. `Detect`: the injected detector units (detectors/), side by side. Every model call
   runs on one thread and tiles share the process's cores (threads.py): the first
   round's two-thread sessions made faces and text beside each other slower than one
   after the other (19.3 s against 15.1 s on a 12 MP photo); one-thread sessions side
   by side spend the least CPU of the three.
5. `Redact`: pixels change inside the regions (redact.py), nothing else.
6. `Encode`: from bare pixels in the output format of the formats table (no metadata
   can survive); nothing to redact: the scrubbed, pixel-identical bytes are the output.
7. `Verify`: the OUTPUT bytes as a reader sees them (verify.py says why this is
   fail-closed without a second full detection pass); a residue is filled solid and
   checked again (escalation); anything still found fails the file, nothing written.

Memory: each stage drops what the next ones do not need. The decoded image is
redacted in place, encoded, reduced to block sums for the identity check and released;
verification decodes the output afresh. A 90 MP JPEG (the per-file limit) holds at
most two full copies of its pixels at once, both during detection (faces.py's turned
copy beside the upright one); see "Memory" in docs/media-redact.md.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from clearpost.engine.media.batch import FileOutcome, sha256_file
from clearpost.engine.media.detectors import face as face_unit
from clearpost.engine.media.detectors import text as text_unit
from clearpost.engine.media.detectors.base import (
    Detector,
    Detectors,
    Finding,
    Scene,
    detectors_for,
)
from clearpost.engine.media.encode import Pixels, StillFormat, encode_still, load_oriented
from clearpost.engine.media.exiftool import shared
from clearpost.engine.media.faces import FaceBox
from clearpost.engine.media.formats import ext_of, redacted_still
from clearpost.engine.media.memory import release_freed_memory
from clearpost.engine.media.options import DeidOptions
from clearpost.engine.media.redact import Region, Style, redact_in_place, union_mask
from clearpost.engine.media.report import Refusal, Verification, reason
from clearpost.engine.media.rules import FACE_RULE, META_RULE, TEXT_RULE
from clearpost.engine.media.scrub import scrub_file
from clearpost.engine.media.sniff import sniff_file
from clearpost.engine.media.stages import Check, Stage, StillContext, require
from clearpost.engine.media.textregions import TextBox
from clearpost.engine.media.verify import (
    IDENTITY_TOL,
    block_sums,
    changed_outside,
    not_redacted,
    outside,
    text_windows,
)
from clearpost.engine.media.verify_metadata import residual_from_tags

# The steps a still reports through `progress`, in order; then ("done", total, total).
STILL_STEPS = ("scrub", "detect", "redact", "verify")
TOTAL = len(STILL_STEPS)
ESCALATIONS = 2
# The text detector outlines a pixelated block with a box larger than the block; a
# text residue counts when most of its box (65 %) lies outside redacted areas.
TEXT_INSIDE = 0.35
# Only ExifTool's read of the output, a separate mostly idle process, runs beside the
# detectors.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cp-deid-exiftool")
# Detector units (and verification's face and text searches) run side by side; their
# model calls share the cores through threads.parallel_map, this pool only waits.
_UNITS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cp-deid-unit")


def _timed_find(unit: Detector, scene: Scene) -> tuple[list[Finding], float]:
    t = time.perf_counter()
    found = unit.find(scene)
    return found, time.perf_counter() - t


class Sniff:
    name = "sniff"

    def __call__(self, ctx: StillContext) -> StillContext:
        ctx.sniffed = sniff_file(ctx.path)
        if ctx.sniffed.kind == "video":
            # Imported here: PyAV loads only when a video comes (workers start faster).
            from clearpost.engine.media.video import deid_video

            ctx.outcome = deid_video(ctx.path, ctx.options, progress=ctx.progress)
        return ctx


class Scrub:
    name = "scrub"

    def __call__(self, ctx: StillContext) -> StillContext:
        ctx.progress("scrub", 0, TOTAL)
        base = scrub_file(ctx.path, ctx.options.scrub)
        ctx.scrubbed, ctx.report = base, base.report
        if base.report.status != "cleared" or base.data is None:
            ctx.progress("done", TOTAL, TOTAL)
            ctx.outcome = base
        return ctx


class Decode:
    name = "decode"

    def __call__(self, ctx: StillContext) -> StillContext:
        require(ctx.scrubbed, "the scrubbed file")
        assert ctx.scrubbed is not None and ctx.scrubbed.data is not None and ctx.report
        ctx.progress("detect", 1, TOTAL)
        ctx.rgb, ctx.info = load_oriented(ctx.scrubbed.data, limits=ctx.options.scrub.limits)
        h, w = ctx.rgb.shape[:2]
        ctx.report.width, ctx.report.height = w, h
        return ctx


class Detect:
    """Runs every injected unit; their findings become regions, report entries and
    doubtful candidates without this stage knowing which unit made which."""

    name = "detect"

    def __call__(self, ctx: StillContext) -> StillContext:
        require(ctx.rgb, "the decoded image")
        assert ctx.rgb is not None and ctx.report is not None
        sha = sha256_file(ctx.path) if ctx.options.regions_path is not None else ""
        scene = Scene(ctx.rgb, ctx.options, sha, str(ctx.path))
        # Units are independent: they look side by side (each model call runs on one
        # thread, threads.py says why), and their findings are taken in unit order so
        # the report does not depend on which finished first. The first refusal wins.
        jobs = [(unit, _UNITS.submit(_timed_find, unit, scene)) for unit in ctx.units]
        for unit, job in jobs:
            try:
                found, took = job.result()
            except BaseException:
                for _u, other in jobs:
                    other.cancel()
                raise
            ctx.report.timings_ms[f"{unit.name}_ms"] = round(took * 1000)
            for f in found:
                ctx.findings.append(f)
                if f.region is not None:
                    ctx.regions.append(f.region)
                    ctx.kinds.append(f.kind)
                if f.action == "doubtful":
                    ctx.doubtful.append(f.box)
                if f.entry is not None:
                    getattr(ctx.report, f.section).append(f.entry)
        # The models' activations are done with until verification's small windows:
        # give them back before encoding holds the image and its encoded bytes (a 90 MP
        # photo peaked in `encode` on ~900 MB of arena chunks left by detection).
        release_freed_memory()
        return ctx


class Redact:
    name = "redact"

    def __call__(self, ctx: StillContext) -> StillContext:
        require(ctx.rgb, "the decoded image")
        assert ctx.rgb is not None and ctx.info is not None and ctx.report is not None
        ctx.progress("redact", 2, TOTAL)
        if ctx.info.frames > 1:
            # Only the first frame was decoded and checked, so only it may leave.
            ctx.report.metadata_removed.append(
                f"Container:animation: only the first of {ctx.info.frames} frames kept (checked)"
            )
        if ctx.regions:
            ctx.rgb = redact(ctx.rgb, ctx.regions, ctx.options.style)
        return ctx


class Encode:
    name = "encode"

    def __call__(self, ctx: StillContext) -> StillContext:
        require(ctx.rgb, "the redacted image")
        assert ctx.rgb is not None and ctx.info is not None and ctx.scrubbed is not None
        styles: list[Style] = [ctx.options.style] * len(ctx.regions)
        ctx.check = Check(ctx.regions, ctx.kinds, ctx.doubtful, block_sums(ctx.rgb), styles)
        if not ctx.regions and ctx.info.frames <= 1:
            # Nothing to change: the scrubbed, pixel-identical bytes are the output.
            ctx.data, ctx.ext = ctx.scrubbed.data, ctx.scrubbed.ext
        else:
            fmt = redacted_still(ctx.scrubbed.ext)
            ctx.data, ctx.ext = _encode(ctx.rgb, fmt, ctx.options, ctx.info.icc), ext_of(fmt)
            ctx.scrubbed.data = None  # the scrubbed bytes are no longer the output
        ctx.rgb = None  # verification decodes the output bytes, never trusts these
        return ctx


class Verify:
    name = "verify"

    def __call__(self, ctx: StillContext) -> StillContext:
        require(ctx.check, "the redaction record")
        assert ctx.check is not None and ctx.data is not None and ctx.report is not None
        assert ctx.info is not None
        ctx.progress("verify", 3, TOTAL)
        models = ctx.models or detectors_for(ctx.options)
        data, ext, verification = _verify_still(
            ctx.data, ctx.ext, ctx.check, ctx.options, models, ctx.info.icc
        )
        report = ctx.report
        report.verification = verification
        ctx.outcome = FileOutcome(report, data=data, ext=ext)
        if verification.passed:
            report.status = "cleared"
        else:
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
        ctx.progress("done", TOTAL, TOTAL)
        return ctx


STILL_CHAIN: tuple[Stage, ...] = (
    Sniff(),
    Scrub(),
    Decode(),
    Detect(),
    Redact(),
    Encode(),
    Verify(),
)


def still_context(
    path: Path,
    options: DeidOptions,
    progress: Callable[[str, int, int], None],
    units: Sequence[Detector] | None = None,
) -> StillContext:
    """A fresh context; `units` None means the registered detector units."""
    from clearpost.engine.media.detectors import default_units

    chosen = list(units) if units is not None else default_units(options)
    return StillContext(path, options, progress, chosen)


def redact(image: Pixels, regions: list[Region], style: Style) -> Pixels:
    """The redaction the chain applies, in place: once detection has run, the decoded
    pixels are needed only redacted (verification decodes the output afresh), so no
    second full copy is made (270 MB for a 90 MP photo). Returns the redacted pixels;
    the stages use the returned array, never the argument."""
    return redact_in_place(image, regions, style)


def _encode(rgb: Pixels, fmt: StillFormat, options: DeidOptions, icc: bytes | None) -> bytes:
    if fmt == "jpeg" and rgb.shape[2] == 4:
        rgb = np.ascontiguousarray(rgb[:, :, :3])
    return encode_still(rgb, fmt, quality=options.quality, icc=icc)


def _residual_faces(
    rgb: Pixels, check: Check, det: Detectors, options: DeidOptions
) -> list[FaceBox]:
    """Faces on the output in windows around every region and doubtful candidate, by
    the float32 model (`CenterFaceDetector.second_opinion` says why)."""
    boxes = check.searched(("face", "manual", "text")) + check.doubtful
    if not boxes:
        return []
    return det.faces.second_opinion().detect_around(
        rgb, boxes, options.verify_threshold, touching=True
    )


def _residual_text(rgb: Pixels, check: Check, det: Detectors) -> list[TextBox]:
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


def _verify_still(
    data: bytes,
    ext: str,
    check: Check,
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
    for attempt in range(ESCALATIONS + 1):
        regions, kinds, styles = check.regions, check.kinds, check.styles
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
        face_job = (
            _UNITS.submit(_residual_faces, rgb, check, det, options)
            if options.faces == "redact"
            else None
        )
        text_job = (
            _UNITS.submit(_residual_text, rgb, check, det) if options.text == "redact" else None
        )
        faces = [f for f in (face_job.result() if face_job else []) if outside(f.box, mask)]
        texts = [
            t for t in (text_job.result() if text_job else []) if outside(t.box, mask, TEXT_INSIDE)
        ]
        del mask
        missed_faces = sum(1 for i in unredacted if kinds[i] != "text")
        missed_text = sum(1 for i in unredacted if kinds[i] == "text")
        meta = meta_job.result()
        n_faces, n_text = len(faces) + missed_faces, len(texts) + missed_text
        if (n_faces or n_text) and attempt < ESCALATIONS and not meta:
            extra = [face_unit.face_region(f) for f in faces]
            extra += [text_unit.text_region(t) for t in texts]
            extra += [regions[i] for i in sorted(unredacted)]
            new_kinds = ["face"] * len(faces) + ["text"] * len(texts)
            new_kinds += [kinds[i] for i in sorted(unredacted)]
            fmt = redacted_still(ext)
            # The same `redact` as the redact stage: a broken redaction is never
            # rescued by a different one.
            solid = redact(rgb, extra, "solid")
            del rgb
            focus = list(range(len(regions), len(regions) + len(extra)))
            check = replace(
                check,
                regions=regions + extra,
                kinds=kinds + new_kinds,
                doubtful=[],
                expected=block_sums(solid),
                styles=styles + ["solid"] * len(extra),
                focus=focus,
            )
            data, ext = _encode(solid, fmt, options, icc), ext_of(fmt)
            del solid
            continue
        passed = not (n_faces or n_text or meta)
        return data, ext, Verification(passed, n_faces, n_text, meta)
    raise AssertionError("unreachable")


def _metadata_residue(data: bytes, ext: str) -> list[str]:
    fd, name = tempfile.mkstemp(suffix=ext, prefix="cp-deid-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tags = shared().read(Path(name))
    finally:
        Path(name).unlink(missing_ok=True)
    return residual_from_tags(tags)
