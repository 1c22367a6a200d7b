"""Bench inputs for `deid`, built at run time (nothing large is committed).

Sources: the public-domain portraits and the Pexels street photo in
/work/shared/corpus/faces (see its SOURCE.md) and scikit-image's public-domain NASA
astronaut. Faces are cut from those photos, scaled and pasted with a feathered edge
onto a textured background made from the street photo (so nothing is flat, and no
part of the image can be skipped as empty), so every face's box is known exactly.

- `crowd_photo`: 4032x3024 (12 MP), ~70 faces from 14 to 320 px.
- `small_faces_photo`: 2000x1500, ~40 faces from 12 to 33 px.
- `crowd_clip`: 1280x720, 30 fps, a pan over a crowd canvas; boxes known per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

CORPUS = Path("/work/shared/corpus/faces")
Pixels = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Face:
    rgb: Pixels  # the face with a margin around it
    box: tuple[int, int, int, int]  # the face inside `rgb`


def _faces() -> list[Face]:
    from skimage import data

    def load(name: str) -> Pixels:
        return np.asarray(Image.open(CORPUS / name).convert("RGB"), np.uint8)

    out = []
    for rgb, (x, y, w, h) in (
        (load("obama.jpg"), (350, 4, 293, 467)),
        (load("biden.jpg"), (398, 75, 367, 567)),
        (np.asarray(data.astronaut(), np.uint8), (177, 42, 98, 142)),
    ):
        m = 0.3
        x0, y0 = max(0, int(x - m * w)), max(0, int(y - m * h))
        x1, y1 = min(rgb.shape[1], int(x + w * (1 + m))), min(rgb.shape[0], int(y + h * (1 + m)))
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        out.append(Face(crop, (x - x0, y - y0, w, h)))
        out.append(Face(np.ascontiguousarray(crop[:, ::-1]), (x1 - x - w, y - y0, w, h)))
    return out


def texture(h: int, w: int, rng: np.random.Generator) -> Pixels:
    """The street photo scaled up, plus noise and lines: detail everywhere."""
    city = np.asarray(Image.open(CORPUS / "city.jpg").convert("RGB"), np.uint8)
    # Blur away the street photo's own (unlabelled) faces so every face is a placed one.
    city = np.asarray(cv2.GaussianBlur(city, (0, 0), 6), np.uint8)
    bg = np.asarray(cv2.resize(city, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)
    bg += rng.normal(0, 9, (h, w, 1)).astype(np.float32)
    out = np.clip(bg, 0, 255).astype(np.uint8)
    for _ in range(max(4, w // 200)):
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.line(out, p, q, colour, int(rng.integers(2, 9)))
    return out


def _paste(img: Pixels, face: Face, width: int, at: tuple[int, int]) -> Box | None:
    s = width / face.box[2]
    crop = cv2.resize(face.rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    ch, cw = crop.shape[:2]
    x, y = at
    if x < 0 or y < 0 or x + cw > img.shape[1] or y + ch > img.shape[0]:
        return None
    alpha = np.zeros((ch, cw), np.float32)
    cv2.ellipse(alpha, (cw // 2, ch // 2), (cw // 2, ch // 2), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, cw / 20))[..., None]
    reg = img[y : y + ch, x : x + cw].astype(np.float32)
    img[y : y + ch, x : x + cw] = (crop * alpha + reg * (1 - alpha)).astype(np.uint8)
    fx, fy, fw, fh = face.box
    return (x + fx * s, y + fy * s, fw * s, fh * s)


def _scatter(
    img: Pixels, widths: list[int], rng: np.random.Generator, tries: int = 200
) -> list[Box]:
    faces = _faces()
    taken = np.zeros(img.shape[:2], bool)
    boxes: list[Box] = []
    for i, width in enumerate(widths):
        face = faces[i % len(faces)]
        ch = int(face.rgb.shape[0] * width / face.box[2]) + 2
        cw = int(face.rgb.shape[1] * width / face.box[2]) + 2
        for _ in range(tries):
            x = int(rng.integers(0, max(1, img.shape[1] - cw)))
            y = int(rng.integers(0, max(1, img.shape[0] - ch)))
            if not taken[y : y + ch, x : x + cw].any():
                box = _paste(img, face, width, (x, y))
                if box is not None:
                    taken[y : y + ch, x : x + cw] = True
                    boxes.append(box)
                break
    return boxes


def crowd_photo(path: Path, seed: int = 12) -> list[Box]:
    rng = np.random.default_rng(seed)
    img = texture(3024, 4032, rng)
    widths = [320, 240, 180] + [int(w) for w in rng.integers(60, 160, 14)]
    widths += [int(w) for w in rng.integers(34, 60, 20)] + [
        int(w) for w in rng.integers(14, 34, 34)
    ]
    boxes = _scatter(img, widths, rng)
    Image.fromarray(img).save(path, quality=92)
    return boxes


def small_faces_photo(path: Path, seed: int = 7) -> list[Box]:
    rng = np.random.default_rng(seed)
    img = texture(1500, 2000, rng)
    boxes = _scatter(img, [int(w) for w in rng.integers(12, 34, 40)], rng)
    Image.fromarray(img).save(path, quality=92)
    return boxes


def crowd_clip(path: Path, seconds: float = 6.0, fps: int = 30, seed: int = 3) -> list[list[Box]]:
    """A 720p pan over a 2400x1200 crowd; returns each frame's face boxes."""
    rng = np.random.default_rng(seed)
    canvas = texture(1200, 2400, rng)
    widths = [int(w) for w in rng.integers(16, 34, 16)] + [
        int(w) for w in rng.integers(34, 120, 14)
    ]
    boxes = _scatter(canvas, widths, rng)
    n = int(seconds * fps)
    per_frame: list[list[Box]] = []
    out = av.open(str(path), "w", format="mp4")
    v = out.add_stream("libx264", rate=fps)
    v.width, v.height, v.pix_fmt = 1280, 720, "yuv420p"
    v.options = {"crf": "20", "preset": "veryfast"}
    for i in range(n):
        # A steady pan of 6 px per frame (180 px/s, a slow hand-held sweep), whatever
        # the clip's length, so short clips move like long ones.
        ox, oy = min(2400 - 1280, 6 * i), min(480, (4 * i) // 3)
        frame = np.ascontiguousarray(canvas[oy : oy + 720, ox : ox + 1280])
        per_frame.append(
            [
                (x - ox, y - oy, w, h)
                for x, y, w, h in boxes
                if x - ox >= 0 and y - oy >= 0 and x - ox + w <= 1280 and y - oy + h <= 720
            ]
        )
        vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
        vf.pts = i
        for p in v.encode(vf):
            out.mux(p)
    for p in v.encode():
        out.mux(p)
    out.close()
    return per_frame
