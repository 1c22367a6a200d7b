"""Video de-identification: every frame, faces tracked so a missed frame stays masked.

Two passes over the (already scrubbed) video, so memory stays bounded whatever the
length: pass 1 decodes every frame and runs the face detector (and the text detector
every `text_every` frames: burned-in text rarely moves); the detections are then
linked into tracks offline, which lets gap filling look both ways (a face missed in
the frames before it is first found, or for a few frames in the middle, is still
masked) and lets every track use its largest box (masks only grow within a track).
Pass 2 decodes again, redacts, and encodes H.264 into an MP4 with no metadata.
Audio is dropped by default (a voice is a biometric identifier, Safe Harbor (P));
`--audio keep` copies it unchanged.

Verification decodes the OUTPUT and runs the face detector again at a lower threshold
and at a different scale (an independent pass, not a replay of pass 1); any frame
with a face fails the file.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.batch import FileOutcome, sha256_file
from clearpost.engine.media.containers.movie import clean_boxes
from clearpost.engine.media.detectors import Detectors, detectors_for, face_region, text_region
from clearpost.engine.media.exiftool import shared
from clearpost.engine.media.faces import FaceBox, box_iou
from clearpost.engine.media.options import DeidOptions
from clearpost.engine.media.redact import Region, Style, redact, union_mask
from clearpost.engine.media.regions import manual_regions_for
from clearpost.engine.media.report import (
    Face,
    Refusal,
    SensitiveRegion,
    TextRegion,
    Verification,
    reason,
)
from clearpost.engine.media.rules import FACE_RULE, META_RULE, TEXT_RULE
from clearpost.engine.media.scrub import scrub_file
from clearpost.engine.media.textregions import TextBox
from clearpost.engine.media.verify import not_redacted
from clearpost.engine.media.verify import outside as _outside
from clearpost.engine.media.verify_metadata import merge_unique, residual_from_tags

Pixels = npt.NDArray[np.uint8]
_TMP_ROOT = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - RAM scratch
# Video frames keep 640 px tiles. The tracking pass also looks on frames turned by 90 and
# 270 degrees: upright-only, a face turned 90 degrees was found by chance of tile context
# (score ~0.25) and, with the onnxruntime backend, its first turned frame was missed.
VIDEO_TILE = 640
VIDEO_BLOCK_TOLERANCE = 10.0


@dataclass
class Track:
    """One face over time: detections by frame index."""

    hits: dict[int, FaceBox] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.hits)

    @property
    def last(self) -> int:
        return max(self.hits)

    def size(self) -> tuple[float, float]:
        """The largest box seen: masks only grow within a track."""
        return max(f.w for f in self.hits.values()), max(f.h for f in self.hits.values())

    def box_at(self, frame: int) -> tuple[float, float, float, float]:
        """Centre interpolated between the nearest detections, at the track's largest size."""
        frames = sorted(self.hits)
        before = [i for i in frames if i <= frame]
        after = [i for i in frames if i >= frame]
        a = self.hits[before[-1]] if before else self.hits[after[0]]
        b = self.hits[after[0]] if after else a
        ia = before[-1] if before else after[0]
        ib = after[0] if after else ia
        t = 0.0 if ib == ia else (frame - ia) / (ib - ia)
        cx = (a.x + a.w / 2) * (1 - t) + (b.x + b.w / 2) * t
        cy = (a.y + a.h / 2) * (1 - t) + (b.y + b.h / 2) * t
        w, h = self.size()
        return cx - w / 2, cy - h / 2, w, h


def link_tracks(per_frame: list[list[FaceBox]], max_gap: int) -> list[Track]:
    """Greedy IoU/centre-distance linking; a track may skip up to `max_gap` frames."""
    tracks: list[Track] = []
    for index, faces in enumerate(per_frame):
        for face in sorted(faces, key=lambda f: -f.score):
            best: Track | None = None
            best_score = 0.0
            for track in tracks:
                if index - track.last > max_gap + 1 or index in track.hits:
                    continue
                last = track.hits[track.last]
                score = box_iou(last, face)
                dx = (last.x + last.w / 2) - (face.x + face.w / 2)
                dy = (last.y + last.h / 2) - (face.y + face.h / 2)
                near = (dx * dx + dy * dy) ** 0.5 < max(last.w, last.h, face.w, face.h)
                if near:
                    score = max(score, 0.1)
                if score > best_score:
                    best, best_score = track, score
            if best is None:
                best = Track()
                tracks.append(best)
            best.hits[index] = face
    return tracks


def masks_per_frame(tracks: list[Track], n_frames: int, max_gap: int) -> list[list[FaceBox]]:
    """The boxes to mask in each frame, gap-filled `max_gap` frames before and after."""
    out: list[list[FaceBox]] = [[] for _ in range(n_frames)]
    for track in tracks:
        score = max(f.score for f in track.hits.values())
        for i in range(max(0, track.first - max_gap), min(n_frames, track.last + max_gap + 1)):
            x, y, w, h = track.box_at(i)
            out[i].append(FaceBox(x, y, w, h, score, "tracked"))
    return out


def upright(frame: av.VideoFrame) -> Pixels:
    """The frame as displayed: phones store portrait video sideways with a display
    matrix; detectors need upright faces and the output carries no matrix."""
    rgb = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
    turn = round(float(frame.rotation or 0) / 90) % 4  # counter-clockwise quarter turns
    return np.ascontiguousarray(np.rot90(rgb, turn)) if turn else rgb


def _frames(path: Path) -> Iterator[tuple[int, float, Pixels]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for i, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else 0.0
            yield i, t, upright(frame)


def frame_count(path: Path) -> int:
    """Frames the container declares (0 when it does not say): the `total` of progress."""
    try:
        with av.open(str(path)) as container:
            return max(0, int(container.streams.video[0].frames or 0))
    except (av.FFmpegError, IndexError):
        return 0


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress wanted."""


def _scratch(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="cp-deid-", dir=_TMP_ROOT)
    os.close(fd)
    return Path(name)


@dataclass(frozen=True, slots=True)
class VideoSettings:
    max_gap: int = 5
    text_every: int = 15
    crf: int = 18
    # Faces are detected on every `detect_every`-th frame and tracked in between (gap
    # filling interpolates the masks). Safe because verification runs the detector on
    # EVERY output frame: a face the masks miss in between fails the file, never leaks.
    # Default 1: at 2 the bench's 720p crowd clip failed verification on 7 of 30 frames
    # (tracks and keyframe boxes miss faces entering or turning between keyframes);
    # at 1 it is cleared.
    detect_every: int = 1


def deid_video(
    path: Path,
    options: DeidOptions,
    settings: VideoSettings | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> FileOutcome:
    """The per-file function for videos (called by `deid_file`).

    `progress(stage, done, total)` counts frames: "detect", "encode" and "verify" each
    run over every frame; `total` is the declared frame count (0 if unknown)."""
    report_to = progress or _quiet
    vs = settings or VideoSettings()
    report_to("scrub", 0, 0)
    base = scrub_file(path, options.scrub)
    report = base.report
    if report.status != "cleared" or base.temp_path is None:
        report_to("done", 0, 0)
        return base
    scrubbed = base.temp_path
    declared = frame_count(scrubbed)
    t0 = time.perf_counter()
    det = detectors_for(options)
    # Video masks everything down to the verification threshold: a still can re-search a
    # doubtful candidate on its output and fill it, a video cannot without encoding again,
    # and verification on every frame would fail the whole clip on it.
    video_faces = det.faces.with_settings(
        replace(
            options.face_settings,
            tile=VIDEO_TILE,
            threshold=min(options.verify_threshold, options.face_settings.threshold),
        )
    )
    manual = manual_regions_for(options, sha256_file(path), str(path))
    per_frame: list[list[FaceBox]] = []
    shape = (0, 0)
    text_hits: dict[int, list[TextBox]] = {}
    times: list[float] = []
    try:
        for i, t, rgb in _frames(scrubbed):
            report_to("detect", i, declared)
            times.append(t)
            shape = (rgb.shape[0], rgb.shape[1])
            keyframe = i % vs.detect_every == 0
            per_frame.append(
                video_faces.detect(rgb) if options.faces == "redact" and keyframe else []
            )
            if options.text == "redact" and i % vs.text_every == 0:
                text_hits[i] = [b for b in det.text.detect(rgb) if not b.allowed]
            if i % vs.text_every == 0 and (det.sensitive.available or i == 0):
                for sb in det.sensitive.detect(rgb):
                    report.sensitive_regions.append(SensitiveRegion(sb.box, sb.label, sb.score))
    except av.FFmpegError as exc:
        scrubbed.unlink(missing_ok=True)
        raise Refusal(META_RULE, f"the video cannot be decoded ({exc})") from None
    n = len(per_frame)
    report_to("detect", n, n)
    if n == 0:
        scrubbed.unlink(missing_ok=True)
        raise Refusal(META_RULE, "the video has no decodable frames")
    gap = max(vs.max_gap, 2 * vs.detect_every)
    tracks = link_tracks(per_frame, gap)
    masks = masks_per_frame(tracks, n, gap)
    report.faces = [
        Face(
            tuple(round(v) for v in tr.box_at(tr.first)),  # type: ignore[arg-type]
            round(max(f.score for f in tr.hits.values()), 3),
            "redacted" if options.faces == "redact" else "kept",
        )
        for tr in tracks
    ]
    seen_text: set[tuple[int, int, int, int]] = set()
    for boxes in text_hits.values():
        for b in boxes:
            if b.box not in seen_text:
                seen_text.add(b.box)
                report.text_regions.append(TextRegion(b.box, b.text, "redacted"))
    t1 = time.perf_counter()
    report.timings_ms["detect_ms"] = round((t1 - t0) * 1000)

    def regions_at(i: int) -> list[Region]:
        regs = [face_region(f) for f in masks[i]]
        # The raw detections of the nearest keyframes too, whatever the tracker linked:
        # in a crowd a greedy track can jump between neighbours and interpolate a mask
        # between two faces; a face's own box on the keyframes around it never does.
        k = vs.detect_every
        for j in range(max(0, i - k), min(n, i + k + 1)):
            regs += [face_region(f) for f in per_frame[j]]
        for start, boxes in text_hits.items():
            if start - vs.text_every <= i < start + vs.text_every:
                regs += [text_region(b) for b in boxes]
        regs += [r for m in manual if (r := m.at(i, times[i])) is not None]
        return regs

    out = _scratch(".mp4")
    try:
        _encode(scrubbed, out, shape, regions_at, options, vs, lambda i: report_to("encode", i, n))
        removed = clean_boxes(out)
    except (av.FFmpegError, OSError) as exc:
        out.unlink(missing_ok=True)
        scrubbed.unlink(missing_ok=True)
        raise Refusal(META_RULE, f"the redacted video could not be written ({exc})") from None
    finally:
        scrubbed.unlink(missing_ok=True)
    report.metadata_removed = merge_unique(
        report.metadata_removed, (f"Container:{r}" for r in removed)
    )
    t2 = time.perf_counter()
    report.timings_ms["encode_ms"] = round((t2 - t1) * 1000)
    verification = verify_video(
        out, options, det, lambda i: report_to("verify", i, n), regions_at=regions_at
    )
    report_to("done", n, n)
    report.verification = verification
    report.timings_ms["verify_ms"] = round((time.perf_counter() - t2) * 1000)
    outcome = FileOutcome(report, temp_path=out, ext=".mp4")
    if not verification.passed:
        rule_id = (
            FACE_RULE
            if verification.residual_faces
            else (TEXT_RULE if verification.residual_text else META_RULE)
        )
        report.refuse(
            reason(
                rule_id,
                f"still found in the output: {verification.residual_faces} frame(s) with a face, "
                f"{verification.residual_text} text region(s), "
                f"metadata {verification.residual_metadata[:5]}",
            ),
            "failed_verification",
        )
        return outcome
    report.status = "cleared"
    return outcome


def _encode(
    src: Path,
    dst: Path,
    shape: tuple[int, int],
    regions_at: Any,
    options: DeidOptions,
    vs: VideoSettings,
    on_frame: Callable[[int], None] | None = None,
) -> None:
    with (
        av.open(str(src)) as inp,
        av.open(str(dst), "w", format="mp4", options={"fflags": "+bitexact"}) as outp,
    ):
        vin = inp.streams.video[0]
        rate = vin.average_rate or Fraction(30, 1)
        vout = outp.add_stream("libx264", rate=rate)
        h, w = shape
        vout.width, vout.height = w - w % 2, h - h % 2
        vout.pix_fmt = "yuv420p"
        vout.options = {"crf": str(vs.crf), "preset": "veryfast"}
        ain = inp.streams.audio[0] if (options.audio == "keep" and inp.streams.audio) else None
        aout = outp.add_stream_from_template(ain) if ain is not None else None
        streams = [vin] + ([ain] if ain is not None else [])
        index = 0
        for packet in inp.demux(*streams):
            if packet.stream is ain and aout is not None:
                if packet.dts is None:
                    continue
                packet.stream = aout
                outp.mux(packet)
                continue
            for frame in packet.decode():
                if not isinstance(frame, av.VideoFrame):
                    continue
                if on_frame is not None:
                    on_frame(index)
                rgb: Pixels = upright(frame)
                regs = regions_at(index)
                if regs:
                    rgb = redact(rgb, regs, options.style)
                rgb = np.ascontiguousarray(rgb[: vout.height, : vout.width])
                new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                new.pts, new.time_base = frame.pts, frame.time_base
                for pkt in vout.encode(new):
                    outp.mux(pkt)
                index += 1
        for pkt in vout.encode():
            outp.mux(pkt)


def verify_video(
    path: Path,
    options: DeidOptions,
    det: Detectors,
    on_frame: Callable[[int], None] | None = None,
    regions_at: Callable[[int], list[Region]] | None = None,
) -> Verification:
    """Independent pass on EVERY output frame: other scale, lower threshold; plus ExifTool.

    With `regions_at`, a detection counts only when it lies mostly outside that frame's
    redacted regions (as for stills): a detector firing on a pixelated head inside its
    mask finds nothing that identifies anyone, and crowd footage then clears instead
    of failing on its own masks. Whether those regions really are redacted in the output
    is checked per frame (block-constant pixels), so the masks are not trusted."""
    residual_frames = 0
    residual_text = 0
    if options.faces == "redact":
        checker = det.faces.with_settings(
            replace(
                options.face_settings,
                threshold=options.verify_threshold,
                rotations=(0,),
                coarse_side=options.face_settings.coarse_side * 3 // 4,
                tile=VIDEO_TILE * 3 // 4,
            )
        )
        for i, _t, rgb in _frames(path):
            if on_frame is not None:
                on_frame(i)
            found = checker.detect(rgb)
            if regions_at is None:
                residual_frames += bool(found)
                continue
            h, w = rgb.shape[:2]
            regs = [r for r in regions_at(i) if r.box()[2] > 0]
            styles: list[Style] = [options.style] * len(regs)
            # H.264 with 4:2:0 chroma smears block edges more than a still codec.
            bad = set(not_redacted(rgb, regs, styles, tolerance=VIDEO_BLOCK_TOLERANCE))
            mask = union_mask([r for k, r in enumerate(regs) if k not in bad], h, w)
            if bad or any(_outside(f.box, mask) for f in found):
                residual_frames += 1
    tags = shared().read(path, "-ee")
    meta = residual_from_tags(tags)
    passed = not (residual_frames or residual_text or meta)
    return Verification(passed, residual_frames, residual_text, meta)
