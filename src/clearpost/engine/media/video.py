"""Video de-identification in one streaming pass, verified on the encoder's output.

decode -> cover (keyframes + content identity, `video_cover.py`) -> redact -> encode ->
decode the encoder's own packets -> verify (`video_verify.py`), with the decoder and
the coverage analysis on a second thread (numpy, cv2 and onnxruntime release the GIL)
and every buffer bounded: the read-ahead to the next keyframe, a queue of analysed
frames, and the encoder's delay. Memory does not grow with the clip's length.

Why not the full detector on every frame: ~1.7 CPU s per 720p frame (the pyramid in
three rotations) is 50 times real time; consecutive frames are mostly the same content
moved, so a frame is searched only where its content is new (see `video_cover`), and
every frame is still verified on the output bytes.

Audio is dropped by default (a voice is a biometric identifier, Safe Harbor (P));
`--audio keep` copies it unchanged, after the video packets.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.batch import FileOutcome, sha256_file
from clearpost.engine.media.containers.movie import clean_boxes
from clearpost.engine.media.detectors import detectors_for, face_region, text_region
from clearpost.engine.media.exiftool import shared
from clearpost.engine.media.faces import CenterFaceDetector, FaceBox
from clearpost.engine.media.options import DeidOptions
from clearpost.engine.media.redact import Region, Style, redact, union_mask
from clearpost.engine.media.regions import ManualRegion, manual_regions_for
from clearpost.engine.media.report import (
    Face,
    FileReport,
    Refusal,
    SensitiveRegion,
    TextRegion,
    Verification,
    reason,
)
from clearpost.engine.media.rules import FACE_RULE, META_RULE, TEXT_RULE
from clearpost.engine.media.scrub import scrub_file
from clearpost.engine.media.sensitive import SensitiveDetector
from clearpost.engine.media.textregions import TextBox
from clearpost.engine.media.verify import IDENTITY_TOL
from clearpost.engine.media.verify import outside as _outside
from clearpost.engine.media.verify_metadata import merge_unique, residual_from_tags
from clearpost.engine.media.video_cover import (
    Beside,
    Coverage,
    CoverSettings,
    Planned,
    SourceFrame,
    same_faces,
)
from clearpost.engine.media.video_verify import (
    Expected,
    FrameVerifier,
    file_packets_match,
    packet_digest,
)

Pixels = npt.NDArray[np.uint8]
Progress = Callable[[str, int, int], None]
_TMP_ROOT = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - RAM scratch
# Video frames keep 640 px tiles; the keyframe search also looks on frames turned by 90
# and 270 degrees: upright-only, a face turned 90 degrees was found by chance of tile
# context (score ~0.25) and, with the onnxruntime backend, its first turned frame was
# missed.
VIDEO_TILE = 640
# Video keeps CenterFace's native scale (faces from 20 px; stills enlarge for 14 px):
# masking down to the verification threshold already leaves none of the bench clip's
# 18 findable 12-19 px faces, and an enlarged level would double the upright search of
# every keyframe and window.
VIDEO_MIN_FACE = 20
_DONE = object()
# Rounds of the search beside the masks of a keyframe (`_beside_masks`): a new mask
# opens a window next to it, which can find the next candidate; two, as for stills.
ESCALATIONS = 2
# Passes over a video whose output check failed (none when it passes): a retry makes
# each failing frame a keyframe with the faces found beside its masks added (carried
# from there like any keyframe's faces), and switches to solid fills when the encoder
# did not keep a mask redacted. The output of a failed pass is discarded, never patched.
PASSES = 3


@dataclass(frozen=True, slots=True)
class VideoSettings:
    crf: int = 18
    # A keyframe (full search) at least every `key_seconds`; in between, frames are
    # covered by content identity with the keyframes before and after (video_cover).
    # The read-ahead holds this many seconds of frames.
    key_seconds: float = 2.0
    max_new: float = 0.3
    # Analysed frames waiting for the encoder thread.
    queue_frames: int = 8


def upright(frame: av.VideoFrame) -> Pixels:
    """The frame as displayed: phones store portrait video sideways with a display
    matrix; detectors need upright faces and the output carries no matrix."""
    rgb = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
    turn = round(float(frame.rotation or 0) / 90) % 4  # counter-clockwise quarter turns
    return np.ascontiguousarray(np.rot90(rgb, turn)) if turn else rgb


def _frames(path: Path) -> Iterator[SourceFrame]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for i, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else 0.0
            yield SourceFrame(i, t, upright(frame), frame.pts, frame.time_base)


def probe(path: Path) -> tuple[int, Fraction]:
    """Declared frame count (0 when the container does not say: the `total` of
    progress) and frame rate (30 when it does not say)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(30, 1)
            return max(0, int(stream.frames or 0)), Fraction(rate)
    except (av.FFmpegError, IndexError):
        return 0, Fraction(30, 1)


def frame_count(path: Path) -> int:
    return probe(path)[0]


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress wanted."""


def _scratch(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="cp-deid-", dir=_TMP_ROOT)
    os.close(fd)
    return Path(name)


class _Producer(threading.Thread):
    """Decodes and analyses on its own thread; hands `Planned` frames over a bounded
    queue. An exception is handed over too and re-raised by the consumer."""

    def __init__(self, source: Iterator[SourceFrame], cover: Coverage, size: int) -> None:
        super().__init__(name="cp-video-cover", daemon=True)
        self.source, self.cover = source, cover
        self.out: queue.Queue[object] = queue.Queue(maxsize=size)
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            for planned in self.cover.run(self.source):
                while not self.stop.is_set():
                    try:
                        self.out.put(planned, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
            self.out.put(_DONE)
        except BaseException as exc:
            self.out.put(exc)

    def items(self) -> Iterator[Planned]:
        while True:
            item = self.out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Planned)
            yield item


@dataclass
class _Found:
    """What the report lists: one face per identity. Each known face is followed from
    frame to frame by the carried boxes (the camera's motion), so the same face seen
    again on the next keyframe is not listed twice."""

    faces: list[tuple[FaceBox, float, FaceBox]]  # first box, best score, box now
    texts: dict[tuple[int, int, int, int], TextBox]

    def add(self, planned: Planned) -> None:
        carried = [f for f in planned.faces if f.explanation == "carried"]
        match = same_faces([now for _f, _s, now in self.faces], carried)
        for k, row in enumerate(match):
            if row.any():
                first, score, _now = self.faces[k]
                self.faces[k] = (first, score, carried[int(row.argmax())])
        for f in planned.found_here:
            hits = same_faces([f], [now for _f, _s, now in self.faces])[0]
            if hits.any():
                k = int(hits.argmax())  # the first known face it matches
                first, score, _now = self.faces[k]
                self.faces[k] = (first, max(score, f.score), f)
            else:
                self.faces.append((f, f.score, f))
        for b in planned.texts:
            if b.explanation != "carried" and b.box not in self.texts:
                self.texts[b.box] = b

    def report(self, action: str) -> list[Face]:
        return [Face(f.box, round(score, 3), action) for f, score, _now in self.faces]


def deid_video(
    path: Path,
    options: DeidOptions,
    settings: VideoSettings | None = None,
    *,
    progress: Progress | None = None,
) -> FileOutcome:
    """The per-file function for videos (called by `deid_file`).

    `progress(stage, done, total)` counts frames: "detect" as each frame leaves the
    analysis (it is then also redacted and sent to the encoder, and verified a few
    frames later: the stages overlap in one pass); "encode" when the encoder is flushed
    and "verify" as the last frames are verified; `total` is the declared frame count
    (0 if unknown) until the end. A retry (see PASSES) counts its frames as "redo"."""
    report_to = progress or _quiet
    vs = settings or VideoSettings()
    report_to("scrub", 0, 0)
    base = scrub_file(path, options.scrub)
    report = base.report
    if report.status != "cleared" or base.temp_path is None:
        report_to("done", 0, 0)
        return base
    scrubbed = base.temp_path
    known: dict[int, list[FaceBox]] = {}
    style = options.style
    passes = 0
    try:
        while True:
            passes += 1
            out = _scratch(".mp4")
            try:
                done = _run(
                    scrubbed,
                    out,
                    path,
                    replace(options, style=style),
                    vs,
                    report,
                    report_to if passes == 1 else _again(report_to),
                    known,
                )
            except Refusal:
                out.unlink(missing_ok=True)
                raise
            verification = done.verification
            retry = bool(done.found or done.unredacted_frames)
            if verification.passed or verification.residual_metadata or not retry:
                break
            if passes == PASSES:
                break  # fails closed below, with what the last pass found
            out.unlink(missing_ok=True)
            for i, faces in done.found.items():
                known.setdefault(i, []).extend(faces)
            if done.unredacted_frames:
                style = "solid"
    finally:
        scrubbed.unlink(missing_ok=True)
    frames = report.timings_ms.get("video_frames", 0)
    report_to("done", frames, frames)
    report.timings_ms["video_passes"] = passes
    report.timings_ms["video_solid_fill"] = int(style != options.style)
    report.verification = verification
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


@dataclass(frozen=True, slots=True)
class _Pass:
    """One pass's verification, and what a retry would need (`FrameVerifier`)."""

    verification: Verification
    found: dict[int, list[FaceBox]]
    unredacted_frames: int


def _again(report_to: Progress) -> Progress:
    """A retry's progress: its frames count as "redo", not as a second "detect"."""

    def relay(stage: str, done: int, total: int) -> None:
        report_to("redo" if stage == "detect" else stage, done, total)

    return relay


def _run(
    scrubbed: Path,
    out: Path,
    path: Path,
    options: DeidOptions,
    vs: VideoSettings,
    report: FileReport,
    report_to: Progress,
    known: dict[int, list[FaceBox]],
) -> _Pass:
    report.sensitive_regions = []
    declared, rate = probe(scrubbed)
    t0 = time.perf_counter()
    det = detectors_for(options)
    # Masks everything down to the verification threshold: a video cannot re-search a
    # doubtful candidate on its output and fill it without encoding again.
    video_faces = det.faces.with_settings(
        replace(
            options.face_settings,
            tile=VIDEO_TILE,
            min_face=max(options.face_settings.min_face, VIDEO_MIN_FACE),
            threshold=min(options.verify_threshold, options.face_settings.threshold),
        )
    )
    recognize = bool(det.text.allow_words)

    def find_text(rgb: Pixels) -> list[TextBox]:
        return [b for b in det.text.detect(rgb, recognize=recognize) if not b.allowed]

    manual = manual_regions_for(options, sha256_file(path), str(path))
    checker = None
    if options.faces == "redact":
        # Windows on the output, upright: the keyframe search already ran all rotations
        # at the same threshold on the same content (see docs/media-redact.md).
        checker = det.faces.with_settings(
            replace(options.face_settings, rotations=(0,))
        ).second_opinion()
    cover = Coverage(
        video_faces if options.faces == "redact" else None,
        find_text if options.text == "redact" else None,
        CoverSettings(key_every=max(2, round(vs.key_seconds * float(rate))), max_new=vs.max_new),
        known,
        _beside_masks(checker, options.style, options.verify_threshold, manual)
        if checker
        else None,
    )
    verifier = FrameVerifier(options.style, checker, options.verify_threshold, IDENTITY_TOL)
    producer = _Producer(_frames(scrubbed), cover, vs.queue_frames)
    found = _Found([], {})
    try:
        producer.start()
        digests, n = _encode(
            scrubbed,
            out,
            producer,
            manual,
            options,
            vs,
            rate,
            verifier,
            found,
            det.sensitive,
            report,
            declared,
            report_to,
        )
        removed = clean_boxes(out)
    except av.FFmpegError as exc:
        raise Refusal(META_RULE, f"the video cannot be decoded or written ({exc})") from None
    except OSError as exc:
        raise Refusal(META_RULE, f"the redacted video could not be written ({exc})") from None
    finally:
        producer.stop.set()
        producer.join(timeout=30)
    if n == 0:
        raise Refusal(META_RULE, "the video has no decodable frames")
    if verifier.frames != n:
        raise Refusal(
            META_RULE, f"the encoder returned {verifier.frames} of {n} frames; not trusted"
        )
    if verifier.identity_drift > IDENTITY_TOL:
        raise Refusal(
            META_RULE,
            f"the output differs from the checked video outside the redacted areas "
            f"(by {verifier.identity_drift:.0f} grey levels); not trusted",
        )
    if not file_packets_match(out, digests):
        raise Refusal(META_RULE, "the written file does not hold the verified frames")
    report.metadata_removed = merge_unique(
        report.metadata_removed, (f"Container:{r}" for r in removed)
    )
    report.faces = found.report("redacted" if options.faces == "redact" else "kept")
    report.text_regions = [TextRegion(b.box, b.text, "redacted") for b in found.texts.values()]
    meta = residual_from_tags(shared().read(out, "-ee"))
    report_to("verify", n, n)
    timings = report.timings_ms
    timings["total_ms"] = round((time.perf_counter() - t0) * 1000)
    timings["video_frames"] = n
    timings["video_keyframes"] = cover.keyframes
    timings["video_searched_permille"] = round(1000 * cover.searched_px / max(1, cover.frame_px))
    timings["video_readahead_frames"] = cover.peak_buffer
    residual = len(verifier.residual_frames)
    return _Pass(
        Verification(not (residual or meta), residual, 0, meta),
        verifier.found,
        verifier.unredacted_frames,
    )


def _encode(
    src: Path,
    dst: Path,
    producer: _Producer,
    manual: tuple[ManualRegion, ...],
    options: DeidOptions,
    vs: VideoSettings,
    rate: Fraction,
    verifier: FrameVerifier,
    found: _Found,
    sensitive: SensitiveDetector,
    report: FileReport,
    declared: int,
    report_to: Progress,
) -> tuple[list[bytes], int]:
    """Redact, encode, decode the encoder's packets and verify each frame; returns the
    packets' digests and the frame count."""
    digests: list[bytes] = []
    pending: deque[Expected] = deque()
    n = 0
    with av.open(str(dst), "w", format="mp4", options={"fflags": "+bitexact"}) as outp:
        vout = outp.add_stream("libx264", rate=rate)
        vout.pix_fmt = "yuv420p"
        vout.options = {"crf": str(vs.crf), "preset": "veryfast"}
        # x264's frame threads: ~25 % less time inside `encode` on this thread (the
        # frames it is waiting on are done by x264's own threads) for the same bytes per
        # frame; x264 stays deterministic, and the packet check below is per packet.
        vout.codec_context.thread_type = "FRAME"
        inp = av.open(str(src)) if options.audio == "keep" else None
        ain = inp.streams.audio[0] if (inp is not None and inp.streams.audio) else None
        aout = outp.add_stream_from_template(ain) if ain is not None else None
        decoder: Any = None  # an H.264 decoder for the encoder's own packets
        opened = False

        def verify(frame: av.VideoFrame) -> None:
            if not pending:
                raise Refusal(META_RULE, "the encoder returned more frames than it was given")
            verifier.check(pending.popleft(), np.asarray(frame.to_ndarray(format="rgb24")))

        def mux(packets: list[Any]) -> None:
            nonlocal decoder
            for pkt in packets:
                if decoder is None:
                    decoder = av.CodecContext.create("h264", "r")
                    decoder.extradata = vout.codec_context.extradata
                data = bytes(pkt)
                if data:
                    digests.append(packet_digest(data, annexb=True))
                for frame in decoder.decode(pkt):
                    verify(frame)
                outp.mux(pkt)

        for planned in producer.items():
            i = planned.frame.index
            report_to("detect", i, declared)
            rgb = planned.frame.rgb
            h, w = rgb.shape[:2]
            if not opened:
                vout.width, vout.height = w - w % 2, h - h % 2
                opened = True
            found.add(planned)
            if planned.keyframe and (sensitive.available or i == 0):
                for sb in sensitive.detect(rgb):
                    report.sensitive_regions.append(SensitiveRegion(sb.box, sb.label, sb.score))
            regs = _regions(planned, manual)
            shown = redact(rgb, regs, options.style) if regs else rgb
            shown = np.ascontiguousarray(shown[: vout.height, : vout.width])
            around_faces = (
                regs
                if (planned.keyframe or planned.checkpoint)
                else [face_region(f) for f in planned.found_here]
            )
            pending.append(Expected(i, shown, regs, [r.box() for r in around_faces]))
            new = av.VideoFrame.from_ndarray(shown, format="rgb24")
            if planned.frame.pts is not None:
                new.pts = planned.frame.pts
                new.time_base = planned.frame.time_base  # type: ignore[assignment]
            mux(vout.encode(new))
            n += 1
        mux(vout.encode())
        report_to("encode", n, n)
        if decoder is not None:
            for frame in decoder.decode(None):
                verify(frame)
                report_to("verify", verifier.frames, n)
        if inp is not None:
            with inp:
                if ain is not None and aout is not None:
                    for packet in inp.demux(ain):
                        if packet.dts is None:
                            continue
                        packet.stream = aout
                        outp.mux(packet)
    return digests, n


def _beside_masks(
    checker: CenterFaceDetector,
    style: Style,
    threshold: float,
    manual: tuple[ManualRegion, ...],
) -> Beside:
    """The keyframe search's last step, as for stills: the keyframe, redacted, is
    searched in zoomed windows around every mask at the verification threshold (the
    windows the output check will search); a face found there outside the masks joins
    the keyframe's faces (ESCALATIONS rounds: a new mask opens a window next to it).
    Zoomed windows see what the pyramid missed next to a mask (a 0.28 face beside a
    carried mask on the bench clip's last keyframe).

    Why in the coverage and not just before encoding: a face the keyframe search missed
    is missed on every frame carried from that keyframe too. Filling it on the keyframe
    alone (as this step did until 2026-12-05) left it visible on the frames between,
    and those frames are not searched around their masks: a test now pins that down."""

    def beside(frame: SourceFrame, faces: list[FaceBox], texts: list[TextBox]) -> list[FaceBox]:
        rgb = frame.rgb
        h, w = rgb.shape[:2]
        regs = [face_region(f) for f in faces] + [text_region(b) for b in texts]
        regs += [r for m in manual if (r := m.at(frame.index, frame.time)) is not None]
        if not regs:
            return []
        shown = redact(rgb, regs, style)
        added: list[FaceBox] = []
        for _round in range(ESCALATIONS):
            mask = union_mask(regs, h, w)
            found = checker.detect_around(shown, [r.box() for r in regs], threshold)
            more = [replace(f, explanation="beside a mask") for f in found if _outside(f.box, mask)]
            if not more:
                break
            added += more
            new = [face_region(f) for f in more]
            regs += new
            shown = redact(shown, new, style)
        return added

    return beside


def _regions(planned: Planned, manual: tuple[ManualRegion, ...]) -> list[Region]:
    regs = [face_region(f) for f in planned.faces]
    regs += [text_region(b) for b in planned.texts]
    i, t = planned.frame.index, planned.frame.time
    regs += [r for m in manual if (r := m.at(i, t)) is not None]
    return regs
