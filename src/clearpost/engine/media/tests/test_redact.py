from __future__ import annotations

import numpy as np
import pytest

from clearpost.engine.media.redact import (
    GROW,
    MAX_BLOCKS,
    MIN_BLOCK_PX,
    Region,
    block_size,
    redact,
    region_mask,
    region_patch,
)


def _noise(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (120, 160, 3), dtype=np.uint8)


def test_mask_grows_at_least_1_3_times() -> None:
    assert GROW >= 1.3
    r = Region.from_box((40, 30, 20, 40), GROW)
    x, y, w, h = r.box()
    assert w >= 26 and h >= 52
    assert x <= 40 - 3 and y <= 30 - 6


@pytest.mark.parametrize("style", ["pixelate", "solid", "blur"])
def test_only_region_changes(style: str) -> None:
    img = _noise()
    region = Region.from_box((40, 30, 60, 50))
    out = redact(img, [region], style)  # type: ignore[arg-type]
    mask = region_mask(region, 120, 160)
    assert np.array_equal(out[~mask], img[~mask])
    assert not np.array_equal(out[mask], img[mask])


def test_solid_leaves_one_colour() -> None:
    out = redact(_noise(), [Region.from_box((10, 10, 50, 40))], "solid")
    assert len(np.unique(out[10:50, 10:60].reshape(-1, 3), axis=0)) == 1


def test_pixelate_has_few_blocks_across() -> None:
    out = redact(_noise(), [Region.from_box((0, 0, 120, 90))], "pixelate")
    row = out[45, 0:120]
    changes = int(np.any(row[1:] != row[:-1], axis=1).sum())
    assert changes + 1 <= MAX_BLOCKS


@pytest.mark.parametrize("style", ["pixelate", "blur"])
def test_irreversible_two_inputs_same_block_means_give_same_output(style: str) -> None:
    """Everything inside the region is a function of the block means only."""
    region = Region.from_box((0, 0, 119, 95))  # covers pixels 0..119 x 0..95
    a = _noise(1)
    block = block_size(96, 120)  # the grid redact() lays on this region
    b = a.copy()
    # Swap two pixels inside each block: block means stay, content differs.
    for by in range(0, 96, block):
        for bx in range(0, 120, block):
            b[by, bx], b[by + 1, bx + 1] = a[by + 1, bx + 1].copy(), a[by, bx].copy()
    assert not np.array_equal(a, b)
    out_a = redact(a, [region], style)  # type: ignore[arg-type]
    out_b = redact(b, [region], style)  # type: ignore[arg-type]
    assert np.array_equal(out_a[:96, :120], out_b[:96, :120])


def test_ellipse_and_polygon_masks() -> None:
    e = region_mask(Region.from_box((0, 0, 100, 60), shape="ellipse"), 60, 100)
    assert e[30, 50] and not e[0, 0]
    tri = region_mask(Region(((0, 0), (99, 0), (0, 59))), 60, 100)
    assert tri[5, 5] and not tri[55, 95]


def test_alpha_kept() -> None:
    img = np.dstack([_noise(), np.full((120, 160), 7, np.uint8)])
    out = redact(img, [Region.from_box((0, 0, 50, 50))], "solid")
    assert (out[:, :, 3] == 7).all()


@pytest.mark.parametrize(("face_px", "max_blocks"), [(12, 3), (16, 3), (24, 5), (33, 6), (120, 6)])
def test_small_faces_get_blocks_of_at_least_min_block_px(face_px: int, max_blocks: int) -> None:
    """A 12-33 px face is cut into few blocks of >= MIN_BLOCK_PX, never a tiny thumbnail."""
    region = Region.from_box((20, 20, face_px, face_px), GROW)
    out = redact(_noise(), [region], "pixelate")
    x0, y0, w, h = region.box()
    row = out[y0 + h // 2, x0 : x0 + w]
    runs = 1 + int(np.any(row[1:] != row[:-1], axis=1).sum())
    assert runs <= max_blocks
    assert block_size(h, w) >= MIN_BLOCK_PX


def test_region_patch_matches_full_mask() -> None:
    for region in (
        Region.from_box((-10, 5, 50, 40), GROW),
        Region(((5.0, 5.0), (90.0, 20.0), (60.0, 100.0)), "rect"),
        Region.from_box((100, 70, 80, 80), 1.0, "ellipse"),
    ):
        full = region_mask(region, 120, 160)
        y0, x0, sub = region_patch(region, 120, 160)
        rebuilt = np.zeros_like(full)
        rebuilt[y0 : y0 + sub.shape[0], x0 : x0 + sub.shape[1]] = sub
        assert np.array_equal(full, rebuilt)
