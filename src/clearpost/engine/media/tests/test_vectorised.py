"""The vectorised redaction and checks give what the per-block loops they replaced
gave: the reference loops below are the former implementations, verbatim in effect."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from clearpost.engine.media.redact import Region, _pixelate, block_size, redact, region_patch
from clearpost.engine.media.verify import (
    IDENTITY_BLOCK,
    _block_spread,
    block_sums,
    changed_outside,
    not_redacted,
)

Pixels = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


def _pixelate_loop(patch: Pixels) -> Pixels:
    ph, pw = patch.shape[:2]
    block = block_size(ph, pw)
    out = np.empty_like(patch)
    for by in range(-(-ph // block)):
        for bx in range(-(-pw // block)):
            ys, xs = slice(by * block, (by + 1) * block), slice(bx * block, (bx + 1) * block)
            out[ys, xs] = patch[ys, xs].reshape(-1, patch.shape[2]).mean(axis=0).round()
    return out


def _spread_loop(rgb: Pixels, full: Mask, own: Mask) -> float:
    ys, xs = np.nonzero(full)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    block = block_size(y1 - y0, x1 - x0)
    total, count = 0.0, 0
    for by in range(y0, y1, block):
        for bx in range(x0, x1, block):
            sel = own[by : by + block, bx : bx + block]
            if not sel.any():
                continue
            px = rgb[by : by + block, bx : bx + block, :3][sel].astype(np.float32)
            total += float(np.abs(px - px.mean(axis=0)).sum() / 3)
            count += len(px)
    return total / max(1, count)


def _changed_outside_loop(expected: Pixels, actual: Pixels, mask: Mask) -> float:
    h, w = expected.shape[:2]
    b = IDENTITY_BLOCK
    rows, cols = np.arange(0, h, b), np.arange(0, w, b)
    diff = expected[..., :3].astype(np.int32) - actual[..., :3].astype(np.int32)
    sums = np.add.reduceat(np.add.reduceat(diff, rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.append(rows, h)), np.diff(np.append(cols, w)))
    means = np.abs(sums / counts[..., None]).max(axis=2)
    touched = np.add.reduceat(np.add.reduceat(mask.astype(np.int32), rows, axis=0), cols, axis=1)
    near = cv2.dilate((touched > 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    means[near] = 0
    return float(means.max()) if means.size else 0.0


def _not_redacted_loop(rgb: Pixels, regions: list[Region], tolerance: float = 4.0) -> list[int]:
    h, w = rgb.shape[:2]
    later = np.zeros((h, w), bool)
    bad = []
    for i in range(len(regions) - 1, -1, -1):
        y0, x0, full = region_patch(regions[i], h, w)
        if not full.any():
            continue
        ph, pw = full.shape
        own = full & ~later[y0 : y0 + ph, x0 : x0 + pw]
        later[y0 : y0 + ph, x0 : x0 + pw] |= full
        if own.any() and _spread_loop(rgb[y0 : y0 + ph, x0 : x0 + pw], full, own) > tolerance:
            bad.append(i)
    return sorted(bad)


@pytest.mark.parametrize(
    ("h", "w"), [(1, 1), (7, 9), (8, 8), (13, 200), (48, 47), (97, 61), (240, 320), (601, 37)]
)
def test_pixelate_matches_the_block_loop_byte_for_byte(h: int, w: int) -> None:
    rng = np.random.default_rng(h * 1000 + w)
    patch = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    assert np.array_equal(_pixelate(patch), _pixelate_loop(patch))
    half = np.full((h, w, 3), 128, np.uint8)
    half[::2] += 1  # means landing on .5: rounding half to even, as before
    assert np.array_equal(_pixelate(half), _pixelate_loop(half))


def _scene(seed: int) -> tuple[Pixels, list[Region]]:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (300, 420, 3), dtype=np.uint8)
    regions = []
    for _ in range(8):
        x, y = float(rng.integers(-20, 400)), float(rng.integers(-20, 280))
        bw, bh = float(rng.integers(6, 150)), float(rng.integers(6, 150))
        if rng.random() < 0.3:
            regions.append(Region.from_box((x, y, bw, bh), 1.0, "ellipse"))
        else:
            regions.append(Region.from_box((x, y, bw, bh), 1.0, "rect"))
    return img, regions


@pytest.mark.parametrize("seed", range(6))
def test_region_checks_match_the_former_loops(seed: int) -> None:
    img, regions = _scene(seed)
    done = redact(img, regions[: len(regions) // 2])  # half redacted, half not
    styles = ["pixelate"] * len(regions)
    assert not_redacted(done, regions, styles) == _not_redacted_loop(done, regions)  # type: ignore[arg-type]
    h, w = img.shape[:2]
    for r in regions:
        y0, x0, full = region_patch(r, h, w)
        if full.any():
            sub = done[y0 : y0 + full.shape[0], x0 : x0 + full.shape[1]]
            own = full.copy()
            own[: own.shape[0] // 3] = False  # part covered by a later region
            if own.any():
                got, want = _block_spread(sub, full, own), _spread_loop(sub, full, own)
                assert got == pytest.approx(want, rel=1e-4, abs=1e-4)


def test_spread_of_blocks_taller_than_a_strip_matches_the_loop() -> None:
    """Blocks over 256 rows are measured in strips (bounded memory on a 90 MP photo):
    the same figure as the loop, with an ellipse mask and a part covered later."""
    rng = np.random.default_rng(9)
    rgb = rng.integers(0, 256, (900, 700, 3), dtype=np.uint8)
    _y0, _x0, full = region_patch(Region.from_box((10, 10, 650, 860), shape="ellipse"), 900, 700)
    own = full.copy()
    own[: own.shape[0] // 5] = False
    sub = rgb[: full.shape[0], : full.shape[1]]
    assert block_size(*full.shape) > 256
    assert _block_spread(sub, full, own) == pytest.approx(_spread_loop(sub, full, own), rel=1e-4)


@pytest.mark.parametrize("seed", range(4))
def test_identity_check_matches_the_int32_version(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(17, 700)), int(rng.integers(17, 500))
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-30, 31, (h, w, 3)), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), bool)
    mask[h // 3 : h // 2, w // 4 : w // 2] = True
    want = _changed_outside_loop(a, b, mask)
    assert changed_outside(a, b, mask) == want
    assert changed_outside(block_sums(a), b, mask) == want
