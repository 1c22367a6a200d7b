"""Irreversibility of the default redaction, per face size from 12 px up.

Why: a redacted face may keep only what its block means carry. Two different real faces
whose block means are made equal must give byte-identical redactions (nothing else of
either face survives), and a redacted face carries at most one colour per block, at
most MAX_BLOCKS x MAX_BLOCKS colours in all: no thumbnail of the face for a recogniser
(docs/media-redact.md, "Redaction styles", chooses the block sizes from the bench).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from clearpost.engine.media.redact import (
    GROW,
    MAX_BLOCKS,
    MIN_BLOCK_PX,
    Region,
    block_size,
    redact,
    region_mask,
)

from .redact_fixtures import face_scene

SIZES = [12, 13, 15, 16, 19, 20, 27, 33, 34, 60, 95, 96, 160, 240]
Pixels = npt.NDArray[np.uint8]


def _scene(name: str, size: int) -> tuple[Pixels, Region]:
    """One real face `size` px wide on a canvas, and its mask (the face box grown)."""
    canvas = (int(size * 3.4) + 40, int(size * 2.4) + 40)
    img, poly = face_scene(name, size, 0.0, canvas=canvas, at=(20, 20))
    x0, y0 = poly.min(axis=0)
    x1, y1 = poly.max(axis=0)
    return img, Region.from_box((x0, y0, x1 - x0, y1 - y0), GROW)


def _grid(region: Region, shape: tuple[int, ...]) -> tuple[int, int, int, int, int]:
    """(x0, y0, x1, y1, block) of the mask's pixelation grid, as redact() lays it."""
    ys, xs = np.nonzero(region_mask(region, shape[0], shape[1]))
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    return x0, y0, x1, y1, block_size(y1 - y0, x1 - x0)


def _same_block_means(a: Pixels, b: Pixels, grid: tuple[int, int, int, int, int]) -> Pixels:
    """`b` with, in every block of the grid, `a`'s pixel values placed in `b`'s order
    (per channel): `b`'s face shapes the block, `a`'s values give it `a`'s exact mean."""
    x0, y0, x1, y1, blk = grid
    out = b.copy()
    for by in range(y0, y1, blk):
        for bx in range(x0, x1, blk):
            ys, xs = slice(by, min(by + blk, y1)), slice(bx, min(bx + blk, x1))
            for c in range(3):
                values = np.sort(a[ys, xs, c], axis=None)
                target = out[ys, xs, c]
                ranks = np.argsort(target, axis=None, kind="stable")
                flat = target.reshape(-1).copy()
                flat[ranks] = values
                out[ys, xs, c] = flat.reshape(target.shape)
    return out


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("style", ["pixelate", "blur"])
def test_two_faces_with_equal_block_means_redact_identically(size: int, style: str) -> None:
    a, region = _scene("obama.jpg", size)
    other, _ = _scene("biden.jpg", size)
    grid = _grid(region, a.shape)
    b = _same_block_means(a, other, grid)
    mask = region_mask(region, *a.shape[:2])
    # The two faces differ inside the mask (Biden's layout, not Obama's) ...
    assert int(np.abs(a[mask].astype(int) - b[mask]).sum()) > 0
    assert np.mean(a[mask] != b[mask]) > 0.3
    out_a = redact(a, [region], style)  # type: ignore[arg-type]
    out_b = redact(b, [region], style)  # type: ignore[arg-type]
    # ... and nothing of that difference survives the redaction.
    assert np.array_equal(out_a[mask], out_b[mask])


@pytest.mark.parametrize("size", SIZES)
def test_redacted_face_has_at_most_one_colour_per_block(size: int) -> None:
    img, region = _scene("obama.jpg", size)
    x0, y0, x1, y1, blk = _grid(region, img.shape)
    out = redact(img, [region], "pixelate")
    mask = region_mask(region, *img.shape[:2])
    colours = len(np.unique(out[mask].reshape(-1, 3), axis=0))
    across, down = -(-(x1 - x0) // blk), -(-(y1 - y0) // blk)
    assert blk >= MIN_BLOCK_PX
    assert max(across, down) <= MAX_BLOCKS
    assert colours <= across * down <= MAX_BLOCKS * MAX_BLOCKS
    # Each block is one colour (the bound above is not met by chance).
    for by in range(y0, y1, blk):
        for bx in range(x0, x1, blk):
            block = out[by : min(by + blk, y1), bx : min(bx + blk, x1)].reshape(-1, 3)
            assert (block == block[0]).all()
