"""Burned-in text (wristbands, whiteboards, labels, screens) with RapidOCR.

Why RapidOCR (PP-OCRv4 through onnxruntime): its models ship inside the PyPI package and
its DB text detector finds small and rotated text that Tesseract missed on this machine
kind. Why redact every region whatever the recogniser read: recognition of a name on a
curved wristband is much weaker than detection of "there is text here"; a region is
removed unless its whole recognised text is on the practice's allow-list (optional).

Why our own choice of scale: the text detector costs about 2.3x CenterFace per pixel
and was the largest step of `deid` on a 12 MP photo (an int8 version was tried and
fired on text-free pixels: scripts/quantize_models.py). `deid` never lets RapidOCR upscale (its default blows every
input up to 736 px on the short side, which made small verification windows cost as
much as a tile), and searches a large photo at a reduced scale: at most `full_side` px
on the short side, never under half resolution. Measured here (docs/media-redact.md,
"Speed"): at full resolution the detector finds text from 7 px (font em size) up, at
half resolution from 10 px up, so on any photo text of 10 px and more is searched, and
on a photo of up to `full_side` px on the short side, from 7 px.

Large photos are cut into overlapping tiles so the detector never shrinks small text
out of existence. Tiles fit
the image exactly (fewer pixels than fixed tiles plus an edge-aligned last one) and a
flat tile (every channel within a few grey levels) is skipped: it cannot hold text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.faces import is_flat, tile_spans
from clearpost.engine.media.ortsession import run_options, session_options
from clearpost.engine.media.threads import parallel_map
from clearpost.engine.media.verify import windows

Pixels = npt.NDArray[np.uint8]
_DET = "ch_PP-OCRv4_det_infer.onnx"
HINT_MARGIN = 128
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
    # A 12 MP photo searched at half resolution (2016x1512) is one call, not four
    # overlapping tiles (a quarter more pixels).
    tile: int = 1536
    overlap: int = 192
    full_side: int = 1536  # images up to this short side are searched at full resolution
    min_scale: float = 0.5  # never coarser: text from 10 px up stays findable
    box_thresh: float = 0.3  # RapidOCR's 0.5 drops faint or steeply turned lines
    pixel_thresh: float = 0.3  # a pixel is text when the probability map says so
    hint_thresh: float = 0.02  # at reduced scale, anything above is searched at full scale
    flat_span: int = 6
    # Per thread: a detector session and (only when reading) a RapidOCR engine. Sessions
    # run on one thread each (threads.py says why).
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def _load(self) -> Any:
        """This thread's text detector: an onnxruntime session for RapidOCR's PP-OCRv4
        detection model, run by us. Why not RapidOCR's own call: it normalised with
        several numpy passes and ran its session with settings that cost ~3x the CPU
        of a plain one-thread session on a 12 MP photo; its DB post-processing is
        reused as is."""
        session = getattr(self._local, "session", None)
        if session is None:
            try:
                import onnxruntime as ort
                import rapidocr_onnxruntime
                from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

                model = Path(rapidocr_onnxruntime.__file__).resolve().parent / "models" / _DET
                options = session_options(1)
                session = ort.InferenceSession(
                    str(model), options, providers=["CPUExecutionProvider"]
                )
                self._local.post = DBPostProcess(
                    thresh=self.pixel_thresh,
                    box_thresh=self.box_thresh,
                    max_candidates=1000,
                    unclip_ratio=1.6,
                    use_dilation=True,
                    score_mode="fast",
                )
            except Exception as exc:
                raise TextDetectorUnavailableError(
                    f"text detector unavailable ({type(exc).__name__}: {str(exc)[:200]}); "
                    "install rapidocr-onnxruntime==1.4.4"
                ) from None
            self._local.session = session
        return session

    def _reader(self) -> Any:
        """This thread's RapidOCR engine, for reading (direction + recognition) only."""
        engine = getattr(self._local, "engine", None)
        if engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR

                engine = RapidOCR(
                    print_verbose=False,
                    cls_intra_op_num_threads=1,
                    cls_inter_op_num_threads=1,
                    rec_intra_op_num_threads=1,
                    rec_inter_op_num_threads=1,
                )
            except Exception as exc:
                raise TextDetectorUnavailableError(
                    f"text reader unavailable ({type(exc).__name__}: {str(exc)[:200]}); "
                    "install rapidocr-onnxruntime==1.4.4"
                ) from None
            self._local.engine = engine
        return engine

    def _boxes(self, bgr: Pixels) -> tuple[list[npt.NDArray[np.float32]], npt.NDArray[np.float32]]:
        """Text quadrilaterals in one tile (BGR), in tile pixels, and the detector's
        text probability per pixel. The tile is padded (not resized) to a multiple of
        32, so the detector sees it at exactly this scale."""
        session = self._load()
        h, w = bgr.shape[:2]
        ph, pw = max(32, -(-h // 32) * 32), max(32, -(-w // 32) * 32)
        # (x / 255 - 0.5) / 0.5, as PP-OCR was trained; padding is 0 (mid grey).
        blob = np.zeros((1, 3, ph, pw), np.float32)
        blob[0, :, :h, :w] = cv2.dnn.blobFromImage(bgr, 2 / 255, (w, h), (127.5, 127.5, 127.5))[0]
        pred = session.run(None, {session.get_inputs()[0].name: blob}, run_options(shrink=True))[0]
        quads, _scores = self._local.post(pred, (ph, pw))
        out = []
        for quad in quads:
            q = np.asarray(quad, np.float32)
            q[:, 0] = np.clip(q[:, 0], 0, w - 1)
            q[:, 1] = np.clip(q[:, 1], 0, h - 1)
            if np.linalg.norm(q[0] - q[1]) > 3 and np.linalg.norm(q[0] - q[3]) > 3:
                out.append(q)
        return out, np.asarray(pred[0, 0, :h, :w], np.float32)

    def scale_for(self, width: int, height: int) -> float:
        """The scale the detector searches an image of this size at (see module doc)."""
        return max(self.min_scale, min(1.0, self.full_side / max(1, min(width, height))))

    def detect(self, rgb: Pixels, *, recognize: bool = True) -> list[TextBox]:
        """Every text region of `rgb`, in its pixels.

        A large photo is searched at `scale_for` (half resolution for 12 MP); wherever
        that search sees any hint of text (probability over `hint_thresh`, far below
        the 0.3 that makes a region), a window around the hint is searched again at full
        resolution. Measured on PHI cards in a 12 MP photo: half resolution alone found
        0.895 of the tokens (small and turned lines were the misses), full resolution
        0.994; see docs/media-redact.md, "Speed"."""
        self._load()  # fail closed even when every tile is flat
        full_h, full_w = rgb.shape[:2]
        scale = self.scale_for(full_w, full_h)
        if scale >= 1.0:
            return _dedupe(self._search(rgb[:, :, :3], recognize, 1.0)[0])
        size = (max(1, round(full_w * scale)), max(1, round(full_h * scale)))
        small = np.asarray(cv2.resize(rgb[:, :, :3], size, interpolation=cv2.INTER_AREA), np.uint8)
        boxes, hints = self._search(small, recognize, full_w / size[0], full_h / size[1])
        # A hint is often one word of a line: the window reaches HINT_MARGIN px beyond it
        # on every side, so the rest of the line and the lines around it are read too.
        m = HINT_MARGIN
        grown = [(x - m, y - m, w + 2 * m, h + 2 * m) for x, y, w, h in hints]
        for x0, y0, x1, y1 in windows(grown, full_w, full_h, grow=1.0):
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
            for b in self._search(crop, recognize, 1.0)[0]:
                pts = tuple((px + x0, py + y0) for px, py in b.points)
                boxes.append(TextBox(pts, b.text, b.score, b.allowed, b.explanation))
        return _dedupe(boxes)

    def _search(
        self, img: Pixels, recognize: bool, sx: float, sy: float = 0.0
    ) -> tuple[list[TextBox], list[tuple[int, int, int, int]]]:
        """Text boxes in `img` (tiled) mapped to the caller's pixels by (sx, sy), and the
        boxes (x, y, w, h, caller's pixels) of every hint of text."""
        sy = sy or sx
        h, w = img.shape[:2]

        def run_tile(
            tile: tuple[int, int, int, int],
        ) -> tuple[list[TextBox], list[tuple[int, int, int, int]]]:
            x0, y0, x1, y1 = tile
            if is_flat(img[y0:y1, x0:x1], self.flat_span):
                return [], []
            part = np.ascontiguousarray(img[y0:y1, x0:x1][:, :, ::-1])  # BGR, as trained
            quads, prob = self._boxes(part)
            reads: list[tuple[str, float]] = [("", 1.0)] * len(quads)
            if recognize and quads:
                # Every detected region is kept however badly it was read (rotated text
                # reads poorly but must still be redacted); reading only serves the
                # allow-list.
                engine = self._reader()
                crops = engine.get_crop_img_list(part, quads)
                crops, _, _ = engine.text_cls(crops)
                reads = [(str(t), float(sc)) for t, sc in engine.text_rec(crops)[0]]
            found = [
                TextBox(
                    tuple(((float(px) + x0) * sx, (float(py) + y0) * sy) for px, py in q),
                    text,
                    score,
                    self._allowed(text),
                )
                for q, (text, score) in zip(quads, reads, strict=True)
            ]
            hints: list[tuple[int, int, int, int]] = []
            if sx != 1.0 or sy != 1.0:
                hot = (prob > self.hint_thresh).astype(np.uint8)
                n, _labels, stats, _c = cv2.connectedComponentsWithStats(hot, connectivity=8)
                for bx, by, bw, bh, _area in stats[1:n].tolist():
                    hints.append(
                        (
                            int((bx + x0) * sx),
                            int((by + y0) * sy),
                            int(bw * sx) + 1,
                            int(bh * sy) + 1,
                        )
                    )
            return found, hints

        boxes: list[TextBox] = []
        hints: list[tuple[int, int, int, int]] = []
        for found, hinted in parallel_map(run_tile, _tiles(w, h, self.tile, self.overlap)):
            boxes += found
            hints += hinted
        return boxes, hints

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
