from __future__ import annotations

import hashlib
import json
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from clearpost.engine.media.batch import collect_inputs, run_one
from clearpost.engine.media.deid import DeidOptions, deid_file
from clearpost.engine.media.faces import CenterFaceDetector, FaceBox
from clearpost.engine.media.video import link_tracks, masks_per_frame

from .redact_fixtures import FACE_BOXES, corpus_rgb


def _make_video(path: Path, frames: int = 12, audio: bool = True) -> None:
    x, y, w, h = FACE_BOXES["obama.jpg"]
    face = cv2.resize(
        corpus_rgb("obama.jpg")[max(0, y - 40) : y + h + 40, x - 40 : x + w + 40], (70, 100)
    )
    out = av.open(str(path), "w", format="mp4")
    out.metadata["title"] = "Jane Roe consult"
    v = out.add_stream("libx264", rate=10)
    v.width, v.height, v.pix_fmt = 320, 240, "yuv420p"
    a = out.add_stream("aac", rate=16000) if audio else None
    for i in range(frames):
        img = np.full((240, 320, 3), (205, 180, 160), np.uint8)
        px = 20 + i * 12
        img[60:160, px : px + 70] = face
        fr = av.VideoFrame.from_ndarray(img, format="rgb24")
        fr.pts = i
        for p in v.encode(fr):
            out.mux(p)
    for p in v.encode():
        out.mux(p)
    if a is not None:
        af = av.AudioFrame.from_ndarray(
            np.zeros((1, 16000), np.float32), format="fltp", layout="mono"
        )
        af.sample_rate, af.pts, af.time_base = 16000, 0, Fraction(1, 16000)
        for p in a.encode(af):
            out.mux(p)
        for p in a.encode():
            out.mux(p)
    out.close()


def _streams(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [s.type for s in c.streams]


@pytest.mark.parametrize("audio", ["strip", "keep"])
def test_video_faces_masked_in_every_frame(tmp_path: Path, audio: str) -> None:
    src = tmp_path / "Jane Roe.mp4"
    _make_video(src)
    report = run_one(
        deid_file, collect_inputs([src])[0], DeidOptions(audio=audio), tmp_path / "out"
    )
    assert report.status == "cleared", report.reason
    out = Path(report.output or "")
    assert out.suffix == ".mp4" and "Jane" not in out.name
    assert report.faces and report.verification and report.verification.residual_faces == 0
    assert ("audio" in _streams(out)) is (audio == "keep")
    assert report.sensitive_regions  # checked, or explicitly "unavailable"
    # Independent check: a lower threshold, whole frame, no tiles.
    det = CenterFaceDetector()
    with av.open(str(out)) as c:
        frames = [np.asarray(f.to_ndarray(format="rgb24"), np.uint8) for f in c.decode(video=0)]
    assert len(frames) == 12
    assert all(det.run_model(f, 0.3) == [] for f in frames)
    with av.open(str(out)) as c:
        assert "title" not in c.metadata


def test_tracker_fills_gaps_and_masks_only_grow() -> None:
    per_frame: list[list[FaceBox]] = [[FaceBox(10 + 2 * i, 10, 20 + i, 24, 0.9)] for i in range(8)]
    per_frame[3] = []  # missed once
    per_frame[4] = []  # and twice
    tracks = link_tracks(per_frame, max_gap=3)
    assert len(tracks) == 1
    masks = masks_per_frame(tracks, 10, max_gap=3)
    assert all(len(m) == 1 for m in masks)  # gaps, the frames after, all masked
    widths = {round(m[0].w) for m in masks}
    assert widths == {27}  # the largest box of the track, in every frame
    centre_2, centre_5 = 10 + 4 + 22 / 2, 10 + 10 + 25 / 2
    assert masks[3][0].x == pytest.approx(centre_2 + (centre_5 - centre_2) / 3 - 27 / 2)


def test_separate_faces_get_separate_tracks() -> None:
    per_frame = [[FaceBox(10, 10, 20, 20, 0.9), FaceBox(200, 10, 20, 20, 0.8)] for _ in range(4)]
    assert len(link_tracks(per_frame, 2)) == 2


def test_corrupt_video_refused(tmp_path: Path) -> None:
    src = tmp_path / "broken.mp4"
    _make_video(src, frames=4, audio=False)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 3])
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "refused" and report.output is None and report.reason


def test_portrait_phone_video_is_turned_upright(tmp_path: Path) -> None:
    flat = tmp_path / "flat.mp4"
    _make_video(flat, frames=6, audio=False)
    src = tmp_path / "portrait.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-i",
            str(flat),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
            str(src),
        ],
        check=True,
    )
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "cleared", report.reason
    with av.open(report.output or "") as c:
        frame = next(c.decode(video=0))
        assert (frame.width, frame.height) == (240, 320)
        assert not frame.rotation


def test_video_progress_counts_frames_per_stage(tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    _make_video(src, audio=False)
    calls: list[tuple[str, int, int]] = []
    outcome = deid_file(src, DeidOptions(), progress=lambda s, d, t: calls.append((s, d, t)))
    assert outcome.report.status == "cleared", outcome.report.reason
    if outcome.temp_path is not None:
        outcome.temp_path.unlink()
    stages = [c[0] for c in calls]
    assert stages[0] == "scrub" and calls[-1] == ("done", 12, 12)
    for stage in ("detect", "encode", "verify"):
        done = [d for s, d, _t in calls if s == stage]
        assert done == sorted(done) and max(done) >= 11, (stage, done)
    assert all(t == 12 for s, _d, t in calls if s == "detect")
    # Stages come in order: all detection, then encoding, then verification.
    assert stages.index("verify") > stages.index("encode") > stages.index("detect")


def test_a_keyframed_region_follows_a_moving_mark(tmp_path: Path) -> None:
    """A striped mark moves 12 px a frame; a region keyframed at its first and last
    positions redacts it on every frame, and the stripes are untouched where it is not."""
    src = tmp_path / "mark.mp4"
    out = av.open(str(src), "w", format="mp4")
    v = out.add_stream("libx264", rate=10)
    v.width, v.height, v.pix_fmt = 320, 240, "yuv420p"
    v.options = {"crf": "12"}
    for i in range(12):
        img = np.full((240, 320, 3), (205, 180, 160), np.uint8)
        img[150:210, :, :] = 0
        img[150:210, ::8, :] = 255  # a static striped band as the control
        img[150:210, 1::8, :] = 255
        px = 20 + i * 12
        for s in range(0, 48, 8):  # the moving mark
            img[40:100, px + s : px + s + 4] = (220, 30, 160)
        fr = av.VideoFrame.from_ndarray(img, format="rgb24")
        fr.pts = i
        for p in v.encode(fr):
            out.mux(p)
    for p in v.encode():
        out.mux(p)
    out.close()
    regions = tmp_path / "regions.json"
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    keyframes = [{"t": 0.0, "box": [16, 36, 56, 68]}, {"t": 1.1, "box": [148, 36, 56, 68]}]
    regions.write_text(
        json.dumps({"version": 1, "files": {sha: {"regions": [{"keyframes": keyframes}]}}})
    )
    options = DeidOptions(faces="keep", text="keep", regions_path=regions)
    report = run_one(deid_file, collect_inputs([src])[0], options, tmp_path / "out")
    assert report.status == "cleared", report.reason

    def frames_of(path: Path) -> list[np.ndarray]:
        with av.open(str(path)) as c:
            return [np.asarray(f.to_ndarray(format="rgb24"), np.float32) for f in c.decode(video=0)]

    def detail(a: np.ndarray) -> float:
        return float(np.abs(np.diff(a, axis=1)).mean())

    before, after = frames_of(src), frames_of(Path(report.output or ""))
    assert len(after) == 12
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        mark = (slice(44, 96), slice(20 + i * 12, 64 + i * 12))  # wherever the mark is
        band = (slice(154, 206), slice(100, 200))
        assert detail(a[mark]) < detail(b[mark]) / 4, i
        assert detail(a[band]) > detail(b[band]) * 0.8, i
