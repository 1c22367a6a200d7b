"""Burned-in text (wristbands, whiteboards, labels, screens) with RapidOCR.

Why RapidOCR (PP-OCRv4 through onnxruntime): its models ship inside the PyPI package and
its DB text detector finds small and rotated text that Tesseract missed on this machine
kind. Why redact every region whatever the recogniser read: recognition of a name on a
curved wristband is much weaker than detection of "there is text here"; a region is
removed unless its whole recognised text is on the practice's allow-list (optional).

Large photos are cut into overlapping tiles so that the detector, which works at
about 736 px on the short side, never shrinks small text out of existence. Tiles fit
the image exactly (fewer pixels than fixed tiles plus an edge-aligned last one) and a
flat tile (every channel within a few grey levels) is skipped: it cannot hold text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.faces import is_flat, tile_spans

Pixels = npt.NDArray[np.uint8]
_WORD = re.compile(r"[\w']+", re.UNICODE)


class TextDetectorUnavailableError(RuntimeError):
    """The OCR engine cannot be loaded; callers must fail closed."""


@dataclass(frozen=True, slots=True)
class TextBox:
    """A text region as a 4-point polygon in image pixels, with what was read there."""

    points: tuple[tuple[float, float], ...]
    text: str
    score: float
    allowed: bool = False
    explanation: str = "RapidOCR PP-OCRv4 detector"

    @property
    def box(self) -> tuple[int, int, int, int]:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return (round(min(xs)), round(min(ys)), round(max(xs) - min(xs)), round(max(ys) - min(ys)))


@dataclass
class RapidTextDetector:
    """Finds every text region; `allow_words` (lower-case) may exempt practice branding."""

    allow_words: frozenset[str] = frozenset()
    tile: int = 1472
    overlap: int = 192
    box_thresh: float = 0.3  # RapidOCR's 0.5 drops faint or steeply turned lines
    flat_span: int = 6
    _engine: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR

                self._engine = RapidOCR(print_verbose=False)
            except Exception as exc:
                raise TextDetectorUnavailableError(
                    f"text detector unavailable ({type(exc).__name__}: {exc}); "
                    "install rapidocr-onnxruntime==1.4.4"
                ) from exc
        return self._engine

    def detect(self, rgb: Pixels, *, recognize: bool = True) -> list[TextBox]:
        engine = self._load()
        h, w = rgb.shape[:2]
        boxes: list[TextBox] = []
        for x0, y0, x1, y1 in _tiles(w, h, self.tile, self.overlap):
            if is_flat(rgb[y0:y1, x0:x1, :3], self.flat_span):
                continue
            part = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3][:, :, ::-1])  # RapidOCR wants BGR
            with self._lock:
                if recognize:
                    # text_score 0: keep every detected region, however badly it was
                    # read (rotated text reads poorly but must still be redacted).
                    result, _ = engine(part, text_score=0.0, box_thresh=self.box_thresh)
                else:
                    result, _ = engine(
                        part, use_cls=False, use_rec=False, box_thresh=self.box_thresh
                    )
            for item in result or []:
                if recognize:
                    pts, text, score = item[0], str(item[1]), float(item[2])
                else:
                    pts, text, score = item, "", 1.0
                shifted = tuple((float(p[0]) + x0, float(p[1]) + y0) for p in pts)
                boxes.append(TextBox(shifted, text, score, self._allowed(text)))
        return _dedupe(boxes)

    def _allowed(self, text: str) -> bool:
        """True when the text is made only of allow-listed words. The recogniser often
        drops spaces ("LakesideAesthetics"), so the letters are segmented against the
        list instead of split on spaces; anything left over keeps the region redacted."""
        letters = "".join(m.lower() for m in _WORD.findall(text)).replace("_", "")
        if not self.allow_words or not letters:
            return False
        ok = [True] + [False] * len(letters)
        for end in range(1, len(letters) + 1):
            ok[end] = any(
                ok[start] and letters[start:end] in self.allow_words for start in range(end)
            )
        return ok[-1]


def parse_allow_list(words: Iterable[str]) -> frozenset[str]:
    return frozenset(m.lower() for word in words for m in _WORD.findall(word))


def _tiles(w: int, h: int, tile: int, overlap: int) -> list[tuple[int, int, int, int]]:
    if min(w, h) <= tile and max(w, h) <= tile * 2:
        return [(0, 0, w, h)]
    return [
        (x0, y0, x1, y1)
        for y0, y1 in tile_spans(h, tile, overlap)
        for x0, x1 in tile_spans(w, tile, overlap)
    ]


def _dedupe(boxes: Sequence[TextBox]) -> list[TextBox]:
    """Tiles overlap: drop a region whose polygon lies inside another's (the same text
    seen by two tiles). Polygons, not bounding boxes: the bounding boxes of parallel
    diagonal lines overlap although the lines do not."""
    kept: list[TextBox] = []
    for b in sorted(boxes, key=lambda t: -_poly_area(t.points)):
        if any(_poly_inside(b.points, k.points) for k in kept):
            continue
        kept.append(b)
    return kept


def _poly(points: Sequence[tuple[float, float]]) -> npt.NDArray[np.float32]:
    pts = np.array(points, np.float32)
    return np.asarray(cv2.convexHull(pts), np.float32)


def _poly_area(points: Sequence[tuple[float, float]]) -> float:
    return float(cv2.contourArea(_poly(points)))


def _poly_inside(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> bool:
    area = _poly_area(a)
    if area <= 0:
        return True
    inter, _ = cv2.intersectConvexConvex(_poly(a), _poly(b))
    return float(inter) / area > 0.8
