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
2. Inside every mask the pixels are redacted (block-constant; see `deid.not_redacted`).
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

import cv2
import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Box = tuple[int, int, int, int]  # x, y, w, h
Window = tuple[int, int, int, int]  # x0, y0, x1, y1
WINDOW = 3.0
MIN_WINDOW = 96
IDENTITY_BLOCK = 16
IDENTITY_TOL = 10.0


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


def changed_outside(expected: Pixels, actual: Pixels, mask: Mask) -> float:
    """The largest difference, in grey levels, between IDENTITY_BLOCK-square block means
    of `expected` and `actual` (partial blocks at the right and bottom edges included),
    over blocks that no mask touches; a block next to a mask is left out too, since a
    codec smears a redacted edge into its neighbours."""
    if expected.shape[:2] != actual.shape[:2]:
        return float("inf")
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
