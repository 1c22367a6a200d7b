"""Motion, coverage by content identity, and the output checks of the video pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

from clearpost.engine.media import motion
from clearpost.engine.media.faces import CenterFaceDetector, FaceBox, PyramidSettings
from clearpost.engine.media.redact import Region, redact
from clearpost.engine.media.video_cover import Coverage, CoverSettings, Planned, SourceFrame
from clearpost.engine.media.video_verify import (
    Expected,
    FrameVerifier,
    packet_digest,
)

from .redact_fixtures import FACE_BOXES, corpus_rgb


def texture(h: int, w: int, seed: int = 1) -> np.ndarray:
    """Smooth random texture (blobs of a few pixels): trackable, never flat."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, 3), dtype=np.uint8)
    big = cv2.resize(small, (w + 4, h + 4), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[:h, :w])


def face(size: int) -> np.ndarray:
    x, y, w, h = FACE_BOXES["obama.jpg"]
    crop = corpus_rgb("obama.jpg")[max(0, y - 30) : y + h + 30, x - 30 : x + w + 30]
    return np.asarray(cv2.resize(crop, (size, int(size * 1.3))), np.uint8)


@pytest.mark.parametrize(("dx", "dy"), [(6, 1), (30, -12), (-17, 5), (0, 0), (90, 40)])
def test_motion_recovers_a_known_pan(dx: int, dy: int) -> None:
    canvas = texture(600, 1000)
    ref = np.ascontiguousarray(canvas[100:460, 200:840])
    cur = np.ascontiguousarray(canvas[100 + dy : 460 + dy, 200 + dx : 840 + dx])
    m = motion.estimate(motion.features(ref), motion.small_grey(cur), motion.identity())
    assert m is not None
    # Content moves against the camera: a reference pixel at x lands at x - dx.
    assert motion.integer_shift(m) == (-dx, -dy), m
    matched = motion.matched_blocks(ref, cur, m)
    # Exactly the blocks whose pixels (and their 3x3 neighbourhoods) were in view of
    # the reference match; the strips that entered with the pan do not.
    h, w = cur.shape[:2]
    seen = np.zeros((h, w), np.uint8)
    seen[max(0, -dy) : min(h, h - dy), max(0, -dx) : min(w, w - dx)] = 1
    inside = cv2.erode(seen, np.ones((3, 3), np.uint8)) > 0  # the 3x3 filter's reach
    assert (matched == motion.block_coverage(inside)).all()


def test_a_changed_region_fails_the_identity_check() -> None:
    canvas = texture(400, 700)
    ref = np.ascontiguousarray(canvas[0:360, 0:640])
    cur = np.ascontiguousarray(canvas[0:360, 8:648])
    cur[160:208, 320:368] = texture(48, 48, seed=9)  # other content, same kind of texture
    m = motion.estimate(motion.features(ref), motion.small_grey(cur), motion.identity())
    assert m is not None and motion.integer_shift(m) == (-8, 0)
    matched = motion.matched_blocks(ref, cur, m)
    assert not matched[10:13, 20:23].any()
    assert matched[2:8, 2:12].all() and matched[15:20, 25:35].all()


@dataclass
class RecordingFaces:
    """A stand-in detector that records where it searched and finds nothing."""

    calls: list[tuple[int, int]] = field(default_factory=list)

    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        self.calls.append(rgb.shape[:2])
        return []


def _static(n: int, changed: int | None = None) -> Iterator[SourceFrame]:
    scene = texture(240, 320)
    for i in range(n):
        img = scene.copy()
        if i == changed:
            img[100:140, 150:190] = texture(40, 40, seed=5)
        yield SourceFrame(i, i / 10, img)


def test_a_region_whose_identity_fails_is_searched_on_that_frame() -> None:
    rec = RecordingFaces()
    cover = Coverage(rec, None, CoverSettings(key_every=8, context_blocks=2))  # type: ignore[arg-type]
    planned = list(cover.run(_static(17, changed=4)))
    # A still scene: after frame 0 no frame needs a whole search; every 8th frame is a
    # checkpoint (verification searches around its masks there).
    assert [p.keyframe for p in planned] == [True] + [False] * 16
    assert [p.frame.index for p in planned if p.checkpoint] == [8, 16]
    searched = {p.frame.index: p.searched_px for p in planned if not p.keyframe}
    assert searched[4] > 0 and all(v == 0 for k, v in searched.items() if k != 4)
    # One whole keyframe and one window around the patch (its blocks + 2 on each side).
    sizes = [h * w for h, w in rec.calls]
    assert sizes[0] == 240 * 320 and len(sizes) == 2 and sizes[1] <= 112 * 112


def test_a_changed_last_frame_is_a_keyframe() -> None:
    rec = RecordingFaces()
    cover = Coverage(rec, None, CoverSettings(key_every=8, context_blocks=2))  # type: ignore[arg-type]
    planned = list(cover.run(_static(9, changed=8)))
    assert [p.keyframe for p in planned] == [True] + [False] * 7 + [True]
    assert [h * w for h, w in rec.calls] == [240 * 320] * 2


def test_a_face_entering_between_keyframes_is_searched_and_masked() -> None:
    scene = texture(360, 640)
    person = face(60)
    fh, fw = person.shape[:2]

    def frames() -> Iterator[SourceFrame]:
        for i in range(10):
            img = scene.copy()
            if 3 <= i <= 6:  # on screen between the keyframes 0 and 9 only
                x = 200 + 10 * i
                img[120 : 120 + fh, x : x + fw] = person
            yield SourceFrame(i, i / 10, img)

    det = CenterFaceDetector(PyramidSettings(threshold=0.2, tile=640))
    planned = list(Coverage(det, None, CoverSettings(key_every=9)).run(frames()))
    assert not planned[0].faces and not planned[9].faces
    for p in planned[3:7]:
        assert not p.keyframe and p.found_here, p.frame.index
        x = 200 + 10 * p.frame.index
        assert any(_covers(f, (x + 8, 128, fw - 16, fh - 16)) for f in p.faces), p.frame.index


def _covers(f: FaceBox, box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    gx, gy, gw, gh = f.x - 0.2 * f.w, f.y - 0.2 * f.h, 1.4 * f.w, 1.4 * f.h  # GROW 1.4
    return gx <= x and gy <= y and gx + gw >= x + w and gy + gh >= y + h


def test_read_ahead_bounds_memory() -> None:
    """However long the clip, at most `key_every` frames wait for the next keyframe."""
    pulled = 0

    def frames() -> Iterator[SourceFrame]:
        nonlocal pulled
        scene = texture(120, 160)
        for i in range(200):
            pulled += 1
            yield SourceFrame(i, i / 30, np.roll(scene, i, axis=1))

    cover = Coverage(RecordingFaces(), None, CoverSettings(key_every=10))  # type: ignore[arg-type]
    lag = 0
    out: list[Planned] = []
    for p in cover.run(frames()):
        out.append(p)
        lag = max(lag, pulled - len(out))
    assert len(out) == 200 and [p.frame.index for p in out] == list(range(200))
    assert cover.peak_buffer == 10 and lag <= 10


def test_packet_digest_ignores_only_the_framing() -> None:
    nals = [b"\x67\x42\x00\x1e", b"\x68\xce\x3c\x80", b"\x65\x88\x84\x00\x21"]
    annexb = b"".join(b"\x00\x00\x00\x01" + n for n in nals)
    avcc = b"".join(len(n).to_bytes(4, "big") + n for n in nals)
    assert packet_digest(annexb, annexb=True) == packet_digest(avcc, annexb=False)
    assert packet_digest(annexb, True) != packet_digest(annexb[:-1] + b"\x22", True)
    # A length prefix that reads like a start code (0x00000199) is still a length.
    long = b"\x41" * 0x199
    avcc_long = len(long).to_bytes(4, "big") + long
    assert avcc_long[:3] == b"\x00\x00\x01"
    assert packet_digest(avcc_long, False) == packet_digest(b"\x00\x00\x00\x01" + long, True)


def test_an_unredacted_or_moved_region_is_a_residue() -> None:
    scene = texture(240, 320)
    scene[60:150, 100:170] = face(70)[:90]
    region = Region.from_box((100, 60, 70, 90))
    done = redact(scene, [region])
    checker = CenterFaceDetector(PyramidSettings(rotations=(0,)))
    cases = [
        (done, [region], True),  # redacted where it should be
        (scene, [region], False),  # the encoder (or a bug) left the face
        (done, [Region.from_box((20, 20, 40, 40))], False),  # mask elsewhere: identity fails
    ]
    for out, regs, ok in cases:
        v = FrameVerifier("pixelate", checker, 0.2, 10.0)
        v.check(Expected(0, done, regs, [r.box() for r in regs]), out)
        assert (v.residual_frames == []) is ok


def test_same_faces_matrix_equals_the_pairwise_test() -> None:
    from clearpost.engine.media.faces import FaceBox, box_iou
    from clearpost.engine.media.video_cover import same_faces

    def same_face(a: FaceBox, b: FaceBox) -> bool:
        """The definition, one pair at a time."""
        dx = (a.x + a.w / 2) - (b.x + b.w / 2)
        dy = (a.y + a.h / 2) - (b.y + b.h / 2)
        return box_iou(a, b) > 0.2 or (dx * dx + dy * dy) ** 0.5 < 0.5 * max(a.w, a.h, b.w, b.h)

    rng = np.random.default_rng(4)
    boxes = []
    for _ in range(40):
        x, y = (float(v) for v in rng.integers(0, 300, 2))
        w, h = (float(v) for v in rng.integers(0, 60, 2))
        boxes.append(FaceBox(x, y, w, h, 0.5))
    a, b = boxes[:25], boxes[15:]
    got = same_faces(a, b)
    want = np.array([[same_face(x, y) for y in b] for x in a])
    assert got.shape == (25, 25) and np.array_equal(got, want) and want.any() and not want.all()
    assert same_faces([], b).shape == (0, 25) and same_faces(a, []).shape == (25, 0)


def _matched_blocks_by_mask_warp(ref: np.ndarray, cur: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The former definition, written out: warp the reference and a mask of ones over
    the whole frame, erode the mask by the filter's pixel, compare per block."""
    h, w = cur.shape[:2]
    shift = motion.integer_shift(m)
    if shift is not None:
        m = np.array([[1, 0, shift[0]], [0, 1, shift[1]]], float)
    moved = cv2.warpAffine(ref, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    ones = np.full(ref.shape[:2], 255, np.uint8)
    valid = cv2.warpAffine(ones, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0) == 255
    raw = motion.block_means(cv2.absdiff(moved, cur)).mean(axis=2)
    smooth = cv2.absdiff(cv2.blur(moved, (3, 3)), cv2.blur(cur, (3, 3)))
    mad = motion.block_means(smooth).mean(axis=2)
    inside = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    full = motion.block_means(inside.astype(np.float32)) >= 1.0 - 1e-6
    return np.asarray((mad <= motion.IDENTITY_MAD) & (raw <= motion.RAW_MAD) & full, bool)


@pytest.mark.parametrize(
    "m",
    [
        [[1, 0, 6], [0, 1, -3]],  # whole pixels: an exact copy
        [[1, 0, 5.8], [0, 1, 2.2]],  # snapped to whole pixels
        [[1, 0, -7.4], [0, 1, 3.6]],  # sub-pixel
        [[0.999, -0.02, 9.3], [0.02, 0.999, -4.1]],  # a slight turn
        [[1.03, 0, -20.5], [0, 1.03, -11.2]],  # a zoom
    ],
)
@pytest.mark.parametrize("h", [360, 352])  # partial blocks at the bottom, or none
def test_matched_blocks_equal_the_mask_warp_definition(m: list[list[float]], h: int) -> None:
    """Validity from the map instead of a warped mask, and a second reference asked
    only about some blocks: the same answer as warping everything (validity may only be
    stricter, never looser, where cv2's 1/32 px rounding reaches the reference's edge)."""
    ref = texture(h, 640, seed=4)
    aff = np.asarray(m, float)
    cur = np.asarray(cv2.warpAffine(ref, aff, (640, h), borderValue=0), np.uint8)
    cur[100:140, 200:260] = 255 - cur[100:140, 200:260]  # content that changed
    expected = _matched_blocks_by_mask_warp(ref, cur, aff)
    got = motion.matched_blocks(ref, cur, aff)
    assert not (got & ~expected).any()  # never looser
    assert (expected & ~got).sum() <= expected.shape[1] + expected.shape[0]  # an edge at most
    assert expected.sum() > 0.5 * expected.size and not got[7, 13]
    only = (3, 17, 5, 33)  # rows 3-16, columns 5-32, away from the frame's edges
    part = motion.matched_blocks(ref, cur, aff, only=only)
    assert (part[3:17, 5:33] == got[3:17, 5:33]).all()
    assert not part[:3].any() and not part[17:].any() and not part[:, 33:].any()
    edge = motion.matched_blocks(ref, cur, aff, only=(18, 23, 30, 40))  # the bottom right
    assert (edge[18:, 30:] == got[18:, 30:]).all()
    if h % 16 == 0 and m[0][:2] == [1, 0] and m[1][:2] == [0, 1]:
        assert (got == expected).all()  # translations on whole blocks: exactly the same
