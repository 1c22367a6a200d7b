"""Irreversible redaction of regions of an image.

Why these styles and no plain blur: a Gaussian blur of a face can be partly inverted
(deconvolution) and recognisers still match blurred faces at moderate strengths.
- `solid`: the region is filled with one flat colour; nothing remains.
- `pixelate`: the region is cut into at most `MAX_BLOCKS` blocks along its longer side,
  each at least `MIN_BLOCK_PX` pixels, and each block becomes its mean colour, so a whole
  face carries at most 2x2 colours: no longer a face layout for any detector we measured
  (fewer than a face recogniser's input needs, and the averaging discards the rest).
- `blur`: the pixelated result, then smoothed for looks. The information is bounded by
  the pixelation step, so blurring cannot bring anything back.
Masks cover at least 1.3 times the detected box (`GROW`), so hair line, ears and chin
edges that a tight box misses are covered too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

Style = Literal["pixelate", "solid", "blur"]
Shape = Literal["rect", "ellipse"]
STYLES: tuple[Style, ...] = ("pixelate", "solid", "blur")
GROW = 1.4  # >= 1.3 asked by the design, with margin for detector jitter
# At most 2 blocks along the mask's longer side. The per-band bench with masks on the
# true boxes (bench/deid_style.py, docs/media-redact.md) found 2 the setting no detector
# sees through (0 of 300 faces of 12-260 px found again by three independent detectors,
# zoomed or de-pixelated; 8 at 6 blocks, 1 at 3). Video verification measures the
# 2x2 blocks inside their edges, where H.264 leaves them flat (video_verify.py).
MAX_BLOCKS = 2
# Blocks are never smaller than this many pixels, whatever the face size (at 2 blocks it
# binds only for masks under 16 px); at 6 blocks a 4-6 px minimum let CenterFace find
# 2 of 60 16-19 px faces again, 8 px none (the same bench).
MIN_BLOCK_PX = 8
Mask = npt.NDArray[np.bool_]
Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Region:
    """A polygon to redact, in pixel coordinates; boxes are 4-point polygons."""

    points: tuple[tuple[float, float], ...]
    shape: Shape = "rect"

    @classmethod
    def from_box(cls, box: Sequence[float], grow: float = 1.0, shape: Shape = "rect") -> Region:
        x, y, w, h = (float(v) for v in box)
        cx, cy, gw, gh = x + w / 2, y + h / 2, w * grow, h * grow
        return cls(
            (
                (cx - gw / 2, cy - gh / 2),
                (cx + gw / 2, cy - gh / 2),
                (cx + gw / 2, cy + gh / 2),
                (cx - gw / 2, cy + gh / 2),
            ),
            shape,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return min(xs), min(ys), max(xs), max(ys)

    def box(self) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = self.bounds()
        return (round(x0), round(y0), round(x1 - x0), round(y1 - y0))


def region_patch(region: Region, height: int, width: int) -> tuple[int, int, Mask]:
    """The region's pixels as (y0, x0, mask) over its bounding box only, clipped to the
    image: per-region work then costs the region's area, not the image's."""
    bx0, by0, bx1, by1 = region.bounds()
    x0, y0 = max(0, int(np.floor(bx0)) - 1), max(0, int(np.floor(by0)) - 1)
    x1, y1 = min(width, int(np.ceil(bx1)) + 2), min(height, int(np.ceil(by1)) + 2)
    if x1 <= x0 or y1 <= y0:
        return 0, 0, np.zeros((0, 0), bool)
    canvas = np.zeros((y1 - y0, x1 - x0), np.uint8)
    if region.shape == "ellipse":
        center = (round((bx0 + bx1) / 2) - x0, round((by0 + by1) / 2) - y0)
        axes = (max(1, round((bx1 - bx0) / 2)), max(1, round((by1 - by0) / 2)))
        cv2.ellipse(canvas, center, axes, 0, 0, 360, 1, -1)
    else:
        pts = np.array([[round(x) - x0, round(y) - y0] for x, y in region.points], np.int32)
        cv2.fillPoly(canvas, [pts], 1)
    return y0, x0, canvas.astype(bool)


def region_mask(region: Region, height: int, width: int) -> Mask:
    """Pixels covered by the region (clipped to the image)."""
    out = np.zeros((height, width), bool)
    y0, x0, sub = region_patch(region, height, width)
    out[y0 : y0 + sub.shape[0], x0 : x0 + sub.shape[1]] = sub
    return out


def redact(image: Pixels, regions: Sequence[Region], style: Style = "pixelate") -> Pixels:
    """A copy of `image` with every region made unrecoverable. Alpha is kept as is."""
    return redact_in_place(image.copy(), regions, style)


def redact_in_place(out: Pixels, regions: Sequence[Region], style: Style = "pixelate") -> Pixels:
    """`redact` without the copy (returns `out`), for a caller that no longer needs the
    original pixels: a 90 MP still then never holds two 270 MB copies at once."""
    h, w = out.shape[:2]
    for region in regions:
        py, px, local = region_patch(region, h, w)
        if not local.any():
            continue
        y0, y1, x0, x1 = mask_bounds(local)
        y0, y1, x0, x1 = py + y0, py + y1, px + x0, px + x1
        sub = local[y0 - py : y1 - py, x0 - px : x1 - px]
        patch = out[y0:y1, x0:x1, :3]
        if style == "pixelate":
            _pixelate_into(patch, sub)
            continue
        if style == "solid":
            filled = np.empty_like(patch)
            filled[:] = (96, 96, 96)
        else:
            filled = _pixelate(patch)
            k = max(3, block_size(*patch.shape[:2]) | 1)
            filled = np.asarray(cv2.GaussianBlur(filled, (k, k), 0), np.uint8)
        np.copyto(patch, filled, where=sub[..., None])
    return out


def mask_bounds(mask: Mask) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of the True pixels of a non-empty mask, from its row and column
    projections (a fraction of the cost of `np.nonzero` over every pixel)."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def block_size(height: int, width: int) -> int:
    """Pixelation block side for a region of this bounding box: at most MAX_BLOCKS
    blocks along the longer side, and never under MIN_BLOCK_PX pixels."""
    return max(MIN_BLOCK_PX, -(-max(height, width) // MAX_BLOCKS))


def _block_means(patch: Pixels) -> tuple[int, npt.NDArray[np.uint8]]:
    """The block side and each block's exact mean colour (rows x cols x channels).

    The sums are exact (cv2.mean sums 8-bit values in double precision, exact far past
    any image size) and each mean is rounded half to even, as `ndarray.mean().round()`
    per block would. One C call per block (at most MAX_BLOCKS squared of them): a video
    frame redacts ~30 faces, and per-block numpy passes cost ~0.2 ms a face."""
    ph, pw = patch.shape[:2]
    block = block_size(ph, pw)
    rows, cols = range(0, ph, block), range(0, pw, block)
    channels = patch.shape[2]
    means = np.empty((len(rows), len(cols), channels), np.float64)
    for i, y in enumerate(rows):
        for j, x in enumerate(cols):
            means[i, j] = cv2.mean(patch[y : y + block, x : x + block])[:channels]
    return block, np.round(means).astype(patch.dtype)


def _pixelate(patch: Pixels) -> Pixels:
    """Exact mean colour per square block, at most MAX_BLOCKS blocks along the longer side.

    Blocks are exact (no interpolating resize) so every output pixel is provably a
    function of its block's mean alone (`_block_means`)."""
    ph, pw = patch.shape[:2]
    block, means = _block_means(patch)
    return np.ascontiguousarray(np.repeat(np.repeat(means, block, axis=0), block, axis=1)[:ph, :pw])


def _pixelate_into(patch: Pixels, sub: Mask) -> None:
    """`_pixelate` written straight into `patch` where `sub` is set: each block is filled
    with its mean, no full-size copy of the patch is made."""
    block, means = _block_means(patch)
    whole = bool(sub.all())
    for i, y in enumerate(range(0, patch.shape[0], block)):
        for j, x in enumerate(range(0, patch.shape[1], block)):
            dst = patch[y : y + block, x : x + block]
            if whole:
                dst[:] = means[i, j]
            else:
                np.copyto(dst, means[i, j], where=sub[y : y + block, x : x + block, None])


def union_mask(regions: Sequence[Region], height: int, width: int) -> Mask:
    mask = np.zeros((height, width), bool)
    for region in regions:
        y0, x0, sub = region_patch(region, height, width)
        mask[y0 : y0 + sub.shape[0], x0 : x0 + sub.shape[1]] |= sub
    return mask
