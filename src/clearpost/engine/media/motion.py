"""Camera motion between two frames, and which blocks of a frame are the same content.

Why: a video frame between two keyframes mostly shows content that a keyframe already
showed, moved by the camera. If a block of frame t equals (pixel by pixel, within a
codec tolerance) a block of a keyframe that the face and text detectors searched at
full recall, the detectors' verdict on that content carries over to frame t: nothing
in that block needs searching again. This module gives the two facts that argument
needs: the motion (an affine map from keyframe to frame, estimated on a downscaled
grey copy) and the per-block identity test on the full-resolution colour pixels
(mean absolute difference per pixel, never a difference of means: two different
textures can share a mean, they cannot share every pixel).

Motion estimation can fail (a cut, a flash, a featureless frame): then it returns None
and the caller searches the frame directly. A wrong motion is harmless for safety: the
identity test then fails on the blocks it got wrong and those blocks are searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]
Grey = npt.NDArray[np.uint8]
Affine = npt.NDArray[np.float64]  # 2x3, maps reference pixel coordinates to frame ones
BLOCK = 16
# Analysis scale for motion: half resolution keeps 720p features sharp enough for
# sub-pixel LK and costs a quarter of the pixels.
SMALL = 0.5
# Mean absolute difference per pixel and channel, in grey levels, below which a block is
# the same content, measured after a 3x3 box filter on both sides, and a bound on the
# raw difference too. H.264 re-quantises the same textured content differently from
# frame to frame (an I-frame against a B-frame: raw 11-13 on the bench's crowd pan, 2-4
# after the 3x3 filter); a block showing other content differs by 20-200 either way.
IDENTITY_MAD = 6.0
RAW_MAD = 16.0
MIN_INLIERS = 12


@dataclass(frozen=True, slots=True)
class Features:
    """A reference frame's grey copy at SMALL scale and its corners, computed once."""

    grey: Grey
    points: npt.NDArray[np.float32] | None


def small_grey(rgb: Pixels) -> Grey:
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    size = (max(1, round(w * SMALL)), max(1, round(h * SMALL)))
    return np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.uint8)


def features(rgb: Pixels) -> Features:
    grey = small_grey(rgb)
    pts = cv2.goodFeaturesToTrack(grey, maxCorners=200, qualityLevel=0.01, minDistance=10)
    return Features(grey, None if pts is None else np.asarray(pts, np.float32))


def identity() -> Affine:
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def compose(second: Affine, first: Affine) -> Affine:
    """The map `first` then `second`."""
    a = np.vstack([first, [0.0, 0.0, 1.0]])
    b = np.vstack([second, [0.0, 0.0, 1.0]])
    return np.asarray((b @ a)[:2], np.float64)


def invert(m: Affine) -> Affine:
    return np.asarray(cv2.invertAffineTransform(m), np.float64)


def _to_small(m: Affine) -> Affine:
    out = m.copy()
    out[:, 2] *= SMALL
    return out


def _to_full(m: Affine) -> Affine:
    out = np.asarray(m, np.float64).copy()
    out[:, 2] /= SMALL
    return out


def estimate(ref: Features, cur: Grey, guess: Affine | None = None) -> Affine | None:
    """The affine map (rotation, uniform scale, translation) from `ref` to `cur`, in
    full-resolution pixels, or None when it cannot be estimated with confidence.

    LK optical flow from the reference's corners (started at `guess`, so keyframes a
    second apart still converge), then a RANSAC fit. Too few corners or inliers: phase
    correlation (pure translation) as a fallback, accepted only with a clear peak."""
    if ref.grey.shape != cur.shape:  # the stream changed size: no motion to speak of
        return None
    pts = ref.points
    if pts is not None and len(pts) >= MIN_INLIERS:
        flags = 0
        start = pts.copy()
        if guess is not None:
            start = np.asarray(cv2.transform(pts, _to_small(guess)), np.float32)
            flags = cv2.OPTFLOW_USE_INITIAL_FLOW
        nxt, status, _err = cv2.calcOpticalFlowPyrLK(
            ref.grey, cur, pts, start, winSize=(15, 15), maxLevel=3, flags=flags
        )
        ok = status.ravel() == 1
        if int(ok.sum()) >= MIN_INLIERS:
            fit, inliers = cv2.estimateAffinePartial2D(
                pts[ok], nxt[ok], method=cv2.RANSAC, ransacReprojThreshold=1.0
            )
            if (
                fit is not None
                and inliers is not None
                and int(inliers.sum()) >= max(MIN_INLIERS, int(0.3 * ok.sum()))
            ):
                return _to_full(fit)
    (dx, dy), response = cv2.phaseCorrelate(ref.grey.astype(np.float32), cur.astype(np.float32))
    if response < 0.2:
        return None
    return _to_full(np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]]))


def integer_shift(m: Affine, tol: float = 0.3) -> tuple[int, int] | None:
    """The map as a whole-pixel translation when it is one up to the fit's noise
    (rotation/scale under 1e-3, translation within `tol` px of whole pixels): then the
    warp copies pixels exactly instead of interpolating them. Snapping is safe: the
    identity test on the moved pixels decides, a wrong snap only matches fewer blocks."""
    if np.abs(m[:, :2] - np.eye(2)).max() > 1e-3:
        return None
    dx, dy = float(m[0, 2]), float(m[1, 2])
    if abs(dx - round(dx)) > tol or abs(dy - round(dy)) > tol:
        return None
    return round(dx), round(dy)


def warp(ref: Pixels, m: Affine, w: int, h: int) -> Pixels:
    """`ref` moved by `m` onto a w x h frame (black where it has no content: which
    pixels have content is `full_blocks`'s question, answered from the map)."""
    shift = integer_shift(m)
    if shift is not None:
        dx, dy = shift
        out = np.zeros((h, w, 3), np.uint8)
        rh, rw = ref.shape[:2]
        x0, y0 = max(0, dx), max(0, dy)
        x1, y1 = min(w, rw + dx), min(h, rh + dy)
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = ref[y0 - dy : y1 - dy, x0 - dx : x1 - dx, :3]
        return out
    src = np.ascontiguousarray(ref[:, :, :3])
    return np.asarray(
        cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT),
        np.uint8,
    )


def block_means(values: npt.NDArray[Any], exact: bool = False) -> npt.NDArray[np.float32]:
    """Mean of each BLOCK-square block per channel (partial blocks at the right and
    bottom edges: the mean of the pixels they have). cv2's area resize of a frame padded
    to whole blocks computes exactly these means at a fraction of numpy's cost.
    `exact`: never the rounded 8-bit shortcut (a part of a frame must be measured as
    the whole frame is)."""
    h, w = values.shape[:2]
    ph, pw = -(-h // BLOCK) * BLOCK, -(-w // BLOCK) * BLOCK
    if values.dtype == np.uint8 and (ph, pw) == (h, w) and not exact:
        # Whole blocks of 8-bit values: the area resize rounds each mean to an integer
        # (half a grey level), at a tenth of the cost of converting the frame to float.
        small = cv2.resize(values, (w // BLOCK, h // BLOCK), interpolation=cv2.INTER_AREA)
        return np.asarray(small, np.float32)
    src = np.asarray(values, np.float32)
    if (ph, pw) != (h, w):
        src = np.asarray(
            cv2.copyMakeBorder(src, 0, ph - h, 0, pw - w, cv2.BORDER_CONSTANT, value=0),
            np.float32,
        )
    means = np.asarray(
        cv2.resize(src, (pw // BLOCK, ph // BLOCK), interpolation=cv2.INTER_AREA), np.float32
    )
    if (ph, pw) != (h, w):
        rows = np.minimum(BLOCK, h - np.arange(0, h, BLOCK)).astype(np.float32)
        cols = np.minimum(BLOCK, w - np.arange(0, w, BLOCK)).astype(np.float32)
        scale = BLOCK * BLOCK / np.outer(rows, cols)
        means = np.asarray(means * (scale if means.ndim == 2 else scale[..., None]), np.float32)
    return np.asarray(means, np.float32)


def full_blocks(m: Affine, ref_w: int, ref_h: int, w: int, h: int) -> npt.NDArray[np.bool_]:
    """Blocks of a w x h frame whose every pixel, and its 3x3 neighbours (the box
    filter's reach), comes from inside a ref_w x ref_h reference moved by `m`, sampled
    with all four bilinear neighbours inside it.

    Computed from the map, not by warping a mask: `m` is affine and the reference's
    valid area convex, so a block's rectangle (grown by the filter's pixel, clipped to
    the frame) is inside when its four corners map inside [0, ref_w-1] x [0, ref_h-1].
    Exact arithmetic is at least as strict as warping a mask of ones with cv2's 1/32 px
    fixed point (a test compares both); it saves a whole-frame warp, an erosion and a
    float block sum per comparison."""
    rows, cols = -(-h // BLOCK), -(-w // BLOCK)
    x0 = np.maximum(np.arange(cols) * BLOCK - 1, 0).astype(np.float64)
    x1 = np.minimum(np.arange(cols) * BLOCK + BLOCK, w - 1).astype(np.float64)
    y0 = np.maximum(np.arange(rows) * BLOCK - 1, 0).astype(np.float64)
    y1 = np.minimum(np.arange(rows) * BLOCK + BLOCK, h - 1).astype(np.float64)
    inv = cv2.invertAffineTransform(np.asarray(m, np.float64))
    ok = np.ones((rows, cols), bool)
    for xs in (x0, x1):
        for ys in (y0, y1):
            sx = inv[0, 0] * xs[None, :] + inv[0, 1] * ys[:, None] + inv[0, 2]
            sy = inv[1, 0] * xs[None, :] + inv[1, 1] * ys[:, None] + inv[1, 2]
            ok &= (sx >= 0) & (sx <= ref_w - 1) & (sy >= 0) & (sy <= ref_h - 1)
    return ok


def matched_blocks(
    ref: Pixels,
    cur: Pixels,
    m: Affine,
    tol: float = IDENTITY_MAD,
    raw_tol: float = RAW_MAD,
    only: tuple[int, int, int, int] | None = None,
) -> npt.NDArray[np.bool_]:
    """Blocks of `cur` whose every pixel is the reference's content moved by `m`:
    mean absolute difference per pixel and channel at most `tol` after a 3x3 box
    filter of both (codec noise is pixel-scale; a face is not) and at most `raw_tol`
    without it, and no pixel of the block outside the moved reference.

    `only` = (row0, row1, col0, col1), in blocks: compare just those blocks (the rest
    are False), warping only their pixels plus the one-pixel rim the filter reads, so
    the result there is the whole-frame one. `video_cover` asks a second reference only
    about the blocks the first did not match (in a pan, a corner of the frame)."""
    h, w = cur.shape[:2]
    rows, cols = -(-h // BLOCK), -(-w // BLOCK)
    r0, r1, c0, c1 = only if only is not None else (0, rows, 0, cols)
    out = np.zeros((rows, cols), bool)
    if r1 <= r0 or c1 <= c0:
        return out
    # The pixels of those blocks, with the filter's one-pixel rim where the frame has it.
    bx0, by0 = c0 * BLOCK, r0 * BLOCK
    bx1, by1 = min(w, c1 * BLOCK), min(h, r1 * BLOCK)
    px0, py0 = max(0, bx0 - 1), max(0, by0 - 1)
    px1, py1 = min(w, bx1 + 1), min(h, by1 + 1)
    shifted = np.array(m, np.float64, copy=True)
    shifted[0, 2] -= px0
    shifted[1, 2] -= py0
    moved = warp(ref, shifted, px1 - px0, py1 - py0)
    now = np.ascontiguousarray(cur[py0:py1, px0:px1, :3])
    inner = (slice(by0 - py0, by1 - py0), slice(bx0 - px0, bx1 - px0))
    # Whole-block frames take block_means' rounded 8-bit path; others the exact one,
    # for every part of the frame alike.
    exact = bool(h % BLOCK or w % BLOCK)
    diff = np.ascontiguousarray(cv2.absdiff(moved, now)[inner])
    raw = block_means(diff, exact).mean(axis=2)
    smooth = cv2.absdiff(cv2.blur(moved, (3, 3)), cv2.blur(now, (3, 3)))
    mad = block_means(np.ascontiguousarray(smooth[inner]), exact).mean(axis=2)
    rh, rw = ref.shape[:2]
    shift = integer_shift(m)  # the map `warp` applied (snapped to whole pixels or not)
    applied = m if shift is None else np.array([[1, 0, shift[0]], [0, 1, shift[1]]], float)
    full = full_blocks(applied, rw, rh, w, h)[r0:r1, c0:c1]
    out[r0:r1, c0:c1] = (mad <= tol) & (raw <= raw_tol) & full
    return out


def block_coverage(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Blocks lying wholly inside `mask` (redacted pixels need no identity)."""
    return np.asarray(block_means(mask.astype(np.float32)) >= 1.0 - 1e-6, bool)
