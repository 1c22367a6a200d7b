"""Verification of a redacted still without a second full detection pass.

The output differs from what detection searched only inside the masks, so a second
detection over the whole output mostly re-finds what the first pass already saw (it
was 37 s of 48 s on a 12 MP crowd photo). Verification instead proves three things
about the OUTPUT bytes, each from the decoded output, none trusted from the code that
made it:

1. Outside the masks the output is the image that detection searched: 16x16 block
   means of the decoded output and of the pixels detection ran on differ by at most
   IDENTITY_TOL grey levels (codec rounding), blocks touching a mask excepted. Anything
   an encoder, a bug or a later stage put there fails the file.
2. Inside every mask the pixels are redacted (block-constant; see `not_redacted`).
3. Around every mask, and around every face candidate the first pass saw at any score
   down to the verification threshold, the detectors run again on the output at that
   lower threshold, in windows WINDOW times the region's size. A face that a mask
   only half covers, or a doubtful candidate that was left, is found there.

Together: a face in the output is either inside a mask (2: redacted), around one or
near a candidate (3: searched again), or elsewhere, where the output equals the input
(1) that the first pass searched at full recall. Any step that cannot run raises, and
the caller refuses the file: fail closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.redact import Region, Style, block_size, mask_bounds, region_patch

Pixels = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Box = tuple[int, int, int, int]  # x, y, w, h
Window = tuple[int, int, int, int]  # x0, y0, x1, y1
WINDOW = 3.0
MIN_WINDOW = 96
IDENTITY_BLOCK = 16
IDENTITY_TOL = 10.0
STRIP_BLOCKS = 16  # rows of blocks per strip in the identity check (256 px rows)


def windows(boxes: Sequence[Box], width: int, height: int, grow: float = WINDOW) -> list[Window]:
    """Search windows around `boxes` (grown `grow` times, at least MIN_WINDOW px),
    overlapping windows merged so no pixel is searched twice for nothing."""
    found: list[Window] = []
    for x, y, w, h in boxes:
        side_w, side_h = max(MIN_WINDOW, w * grow), max(MIN_WINDOW, h * grow)
        cx, cy = x + w / 2, y + h / 2
        x0, y0 = max(0, int(cx - side_w / 2)), max(0, int(cy - side_h / 2))
        x1, y1 = min(width, int(cx + side_w / 2) + 1), min(height, int(cy + side_h / 2) + 1)
        if x1 > x0 and y1 > y0:
            found.append((x0, y0, x1, y1))
    merged = True
    while merged:
        merged = False
        out: list[Window] = []
        for win in found:
            for i, other in enumerate(out):
                if (
                    win[0] < other[2]
                    and other[0] < win[2]
                    and win[1] < other[3]
                    and other[1] < win[3]
                ):
                    out[i] = (
                        min(win[0], other[0]),
                        min(win[1], other[1]),
                        max(win[2], other[2]),
                        max(win[3], other[3]),
                    )
                    merged = True
                    break
            else:
                out.append(win)
        found = out
    return found


def text_windows(boxes: Sequence[Box], width: int, height: int) -> list[Window]:
    """Windows around text boxes: one line height (at least 32 px) on every side, which
    holds the next glyphs of the line and the lines above and below; merged."""
    grown = []
    for x, y, w, h in boxes:
        m = max(32, h)
        grown.append((x - m, y - m, w + 2 * m, h + 2 * m))
    return windows(grown, width, height, grow=1.0)


def search_windows(
    rgb: Pixels, wins: Sequence[Window], detect: Callable[[Pixels], list[Box]]
) -> list[Box]:
    """Run `detect` on each window of `rgb`; boxes come back in image coordinates."""
    out: list[Box] = []
    for x0, y0, x1, y1 in wins:
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        out.extend((bx + x0, by + y0, bw, bh) for bx, by, bw, bh in detect(crop))
    return out


@dataclass(frozen=True, slots=True)
class BlockSums:
    """Per IDENTITY_BLOCK-square block, the sum of each colour channel (int64, exact),
    and the image's size: all the identity check needs of the pixels that were
    encoded, so the full image need not stay in memory until the output is checked."""

    sums: npt.NDArray[np.int64]  # (rows of blocks, columns of blocks, 3)
    height: int
    width: int


def _strip_rows(h: int) -> int:
    """Rows per strip: a multiple of the block, so strips cut no block in two."""
    return IDENTITY_BLOCK * STRIP_BLOCKS if h > IDENTITY_BLOCK * STRIP_BLOCKS else h


def _row_sums(strip: npt.NDArray[np.uint8], block: int) -> npt.NDArray[np.int64]:
    """Sums over each `block` rows of `strip` (the last group may be shorter), int64.

    `sum(dtype=...)` casts in small buffers; `np.add.reduceat(..., dtype=int64)` casts
    the whole input first (8 bytes per value: 270 MB for 1024 rows of a 90 MP photo)."""
    n, full = strip.shape[0], strip.shape[0] // block * block
    rest = strip.shape[1:]
    parts = [strip[:full].reshape(full // block, block, *rest).sum(axis=1, dtype=np.int64)]
    if full < n:
        parts.append(strip[full:].sum(axis=0, dtype=np.int64, keepdims=True))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def block_sums(pixels: Pixels) -> BlockSums:
    """Channel sums per block (partial blocks at the right and bottom edges included),
    computed per strip of rows so the work needs a strip's worth of memory, not a
    widened copy of the whole image."""
    h, w = pixels.shape[:2]
    b = IDENTITY_BLOCK
    cols = np.arange(0, w, b)
    out = np.zeros((-(-h // b), len(cols), 3), np.int64)
    step = _strip_rows(h)
    for y0 in range(0, h, step):
        by_rows = _row_sums(pixels[y0 : y0 + step, :, :3], b)
        out[y0 // b : y0 // b + len(by_rows)] = np.add.reduceat(by_rows, cols, axis=1)
    return BlockSums(out, h, w)


def _touched(mask: Mask) -> npt.NDArray[np.bool_]:
    """Blocks that any masked pixel touches, per strip (no int32 copy of the mask)."""
    h, w = mask.shape
    b = IDENTITY_BLOCK
    cols = np.arange(0, w, b)
    out = np.zeros((-(-h // b), len(cols)), bool)
    step = _strip_rows(h)
    for y0 in range(0, h, step):
        strip = mask[y0 : y0 + step]
        rows = np.arange(0, strip.shape[0], b)
        by_rows = np.logical_or.reduceat(strip, rows, axis=0)
        out[y0 // b : y0 // b + len(rows)] = np.logical_or.reduceat(by_rows, cols, axis=1)
    return out


def changed_outside(expected: Pixels | BlockSums, actual: Pixels, mask: Mask) -> float:
    """The largest difference, in grey levels, between IDENTITY_BLOCK-square block means
    of `expected` and `actual` (partial blocks at the right and bottom edges included),
    over blocks that no mask touches; a block next to a mask is left out too, since a
    codec smears a redacted edge into its neighbours.

    `expected` may be the pixels or their `block_sums` (the same figure either way: the
    sums are exact integers, so the mean of the differences equals the difference of
    the means)."""
    want = expected if isinstance(expected, BlockSums) else block_sums(expected)
    if (want.height, want.width) != actual.shape[:2]:
        return float("inf")
    h, w = actual.shape[:2]
    b = IDENTITY_BLOCK
    rows, cols = np.arange(0, h, b), np.arange(0, w, b)
    diff = want.sums - block_sums(actual).sums
    counts = np.outer(np.diff(np.append(rows, h)), np.diff(np.append(cols, w)))
    means = np.abs(diff / counts[..., None]).max(axis=2)
    near = cv2.dilate(_touched(mask).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    means[near] = 0
    return float(means.max()) if means.size else 0.0


def outside(box: Box, mask: Mask, inside: float = 0.5) -> bool:
    """A residue counts only outside what was already redacted: inside a redacted area
    the pixels are block means or a flat fill by construction, and a detector firing on
    a pixelated head shape there finds nothing that could identify anyone."""
    x, y, w, h = box
    sub = mask[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    return sub.size == 0 or float(sub.mean()) < inside


def not_redacted(
    rgb: Pixels,
    regions: list[Region],
    styles: list[Style],
    tolerance: float = 4.0,
    inset: int = 0,
    edge_tolerance: float | None = None,
) -> list[int]:
    """Indexes of regions whose pixels in the OUTPUT are not redacted.

    A redacted region is block-constant: every pixel equals the mean of its block (one
    block for `solid`, `block_size` blocks for `pixelate`; `blur` stays close to it).
    Pixels covered by a region applied later are left to that region's own check, so
    overlapping regions do not fail each other. The tolerance absorbs the output codec's
    rounding. Work is per region bounding box, never per whole image (the record of
    what later regions cover is kept per bounding box too).

    `inset` > 0 (video): a region over `tolerance` on whole blocks still passes when it
    is within `edge_tolerance` there and within `tolerance` on the pixels at least
    `inset` px inside their block and inside the mask. H.264 at 4:2:0
    puts its error at the steps between large contrasting blocks (the deblocking filter
    moves up to 3 px each side of an edge, chroma is shared by 2x2 pixels): a 2x2-block
    mask that is exactly redacted measures ~12 grey levels over the whole block on
    ffmpeg's test pattern but ~1 inside. An unredacted face differs from its block
    means inside the blocks as much as at their edges, so the interior check keeps the
    tight tolerance where the codec leaves it meaningful."""
    h, w = rgb.shape[:2]
    patches = [region_patch(r, h, w) for r in regions]
    later: list[tuple[int, int, Mask]] = []
    bad = []
    for i in range(len(regions) - 1, -1, -1):
        y0, x0, full = patches[i]
        if not full.any():
            continue
        ph, pw = full.shape
        covered = np.zeros_like(full)
        for ly, lx, other in later:
            _or_into(covered, y0, x0, other, ly, lx)
        own = full & ~covered
        later.append((y0, x0, full))
        sub = rgb[y0 : y0 + ph, x0 : x0 + pw]
        limit = max(12.0, tolerance) if styles[i] == "blur" else tolerance
        if not own.any():
            continue
        if inset <= 0:
            if _block_spread(sub, full, own) > limit:
                bad.append(i)
            continue
        # Within `limit` over whole blocks passes as it does without an inset; between
        # `limit` and `edge` only when the blocks' interiors are within `limit`.
        whole = _block_spread(sub, full, own)
        if whole <= limit:
            continue
        edge = limit if edge_tolerance is None else max(limit, edge_tolerance)
        inner = own & _interior(full, inset)
        if whole > edge or (inner.any() and _block_spread(sub, full, inner) > limit):
            bad.append(i)
    return sorted(bad)


def _interior(full: Mask, inset: int) -> Mask:
    """Pixels of `full` at least `inset` px from the mask's edge and from the edges of
    the pixelation blocks laid over its bounding box (as `_block_spread` lays them)."""
    y0, y1, x0, x1 = mask_bounds(full)
    block = block_size(y1 - y0, x1 - x0)
    k = 2 * inset + 1
    inner = cv2.erode(full.astype(np.uint8), np.ones((k, k), np.uint8), borderValue=0) > 0
    ys = (np.arange(full.shape[0]) - y0) % block
    xs = (np.arange(full.shape[1]) - x0) % block
    rows = (ys >= inset) & (ys < block - inset)
    cols = (xs >= inset) & (xs < block - inset)
    return inner & rows[:, None] & cols[None, :]


def _or_into(dst: Mask, dy: int, dx: int, src: Mask, sy: int, sx: int) -> None:
    """dst |= src where the two patches (at image offsets (dy, dx), (sy, sx)) overlap."""
    y0, x0 = max(dy, sy), max(dx, sx)
    y1 = min(dy + dst.shape[0], sy + src.shape[0])
    x1 = min(dx + dst.shape[1], sx + src.shape[1])
    if y1 > y0 and x1 > x0:
        dst[y0 - dy : y1 - dy, x0 - dx : x1 - dx] |= src[y0 - sy : y1 - sy, x0 - sx : x1 - sx]


_STRIP = 256  # rows of a block whose deviations are computed at once


def _block_spread(rgb: Pixels, full: Mask, own: Mask) -> float:
    """Mean absolute deviation of `own` pixels from their block's mean colour (the mean
    of the `own` pixels of that block), blocks laid as `pixelate` lays them over the
    bounding box of `full`. One C call per statistic per block (at most MAX_BLOCKS
    squared blocks; cv2.mean sums in double precision): a video frame checks ~30 masks
    twice, and numpy passes per block cost ~0.3 ms a mask."""
    y0, y1, x0, x1 = mask_bounds(full)
    block = block_size(y1 - y0, x1 - x0)
    sel8 = own.view(np.uint8)
    total, count = 0.0, 0
    for by in range(y0, y1, block):
        for bx in range(x0, x1, block):
            m = sel8[by : by + block, bx : bx + block]
            n = cv2.countNonZero(m)
            if not n:
                continue
            part = rgb[by : by + block, bx : bx + block, :3]
            mean = np.asarray(cv2.mean(part, m)[:3], np.float32)
            # Deviations in strips of rows: a mask over a whole 90 MP photo has blocks of
            # ~22 MP, whose float copy at once would be ~270 MB.
            for sy in range(0, part.shape[0], _STRIP):
                ms = m[sy : sy + _STRIP]
                k = cv2.countNonZero(ms)
                if k:
                    px = np.asarray(part[sy : sy + _STRIP], np.float32)
                    dev = cv2.mean(np.abs(px - mean), ms)
                    total += (dev[0] + dev[1] + dev[2]) / 3 * k
            count += n
    return total / max(1, count)
