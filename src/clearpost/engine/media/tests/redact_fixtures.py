"""Small test images built from the shipped corpus faces (copied, never modified)."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from clearpost.testdata import corpus_path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# Face boxes (x, y, w, h) in the corpus files, found once by CenterFace and checked by eye.
FACE_BOXES = {"obama.jpg": (350, 4, 293, 467), "biden.jpg": (398, 75, 367, 567)}


@cache
def corpus_rgb(name: str) -> npt.NDArray[np.uint8]:
    return np.asarray(Image.open(corpus_path(f"faces/{name}")).convert("RGB"), np.uint8)


def face_scene(
    name: str,
    size: int,
    angle: float,
    canvas: tuple[int, int] = (480, 640),
    at: tuple[int, int] = (120, 100),
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """A skin-toned canvas with one face `size` px wide turned by `angle` degrees.

    Returns the image and the face's 4-point polygon (ground truth)."""
    src = corpus_rgb(name)
    x, y, w, h = FACE_BOXES[name]
    m = 0.5
    x0, y0 = max(0, int(x - m * w)), max(0, int(y - m * h))
    x1, y1 = min(src.shape[1], int(x + w + m * w)), min(src.shape[0], int(y + h + m * h))
    s = size / w
    crop = cv2.resize(src[y0:y1, x0:x1], None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    fx, fy, fw, fh = (x - x0) * s, (y - y0) * s, w * s, h * s
    ch, cw = crop.shape[:2]
    rot = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
    nw, nh = int(ch * sin + cw * cos) + 2, int(ch * cos + cw * sin) + 2
    rot[0, 2] += nw / 2 - cw / 2
    rot[1, 2] += nh / 2 - ch / 2
    turned = cv2.warpAffine(crop, rot, (nw, nh))
    alpha = cv2.warpAffine(np.full((ch, cw), 255, np.uint8), rot, (nw, nh))[..., None] / 255.0
    img = np.zeros((*canvas, 3), np.uint8)
    img[:] = (214, 178, 150)
    px, py = at
    nh, nw = min(nh, canvas[0] - py), min(nw, canvas[1] - px)
    region = img[py : py + nh, px : px + nw]
    img[py : py + nh, px : px + nw] = (
        turned[:nh, :nw] * alpha[:nh, :nw] + region * (1 - alpha[:nh, :nw])
    ).astype(np.uint8)
    poly = np.array([[fx, fy], [fx + fw, fy], [fx + fw, fy + fh], [fx, fy + fh]], np.float32)
    poly = np.c_[poly, np.ones(4)] @ rot.T + [px, py]
    return img, poly.astype(np.float32)


def coverage(mask: npt.NDArray[np.bool_], poly: npt.NDArray[np.float32]) -> float:
    """Share of the ground-truth polygon's pixels inside `mask`."""
    gt = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(gt, [poly.astype(np.int32)], 1)
    inside = gt.astype(bool)
    return float((inside & mask).sum() / max(1, inside.sum()))


def text_card(
    lines: list[str], angle: float = 0.0, size: int = 22, canvas: tuple[int, int] = (300, 640)
) -> tuple[npt.NDArray[np.uint8], list[npt.NDArray[np.float32]]]:
    """A label with dark text, turned by `angle`; returns image and each line's polygon."""
    font = ImageFont.truetype(FONT, size)
    img = Image.new("RGB", (canvas[1], canvas[0]), (236, 232, 224))
    draw = ImageDraw.Draw(img)
    polys = []
    y = 40
    for line in lines:
        x0, y0, x1, y1 = draw.textbbox((40, y), line, font=font)
        draw.text((40, y), line, fill=(20, 20, 30), font=font)
        polys.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32))
        y += size * 2
    arr = np.asarray(img, np.uint8)
    if angle:
        h, w = arr.shape[:2]
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
        nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
        rot[0, 2] += nw / 2 - w / 2
        rot[1, 2] += nh / 2 - h / 2
        arr = np.asarray(cv2.warpAffine(arr, rot, (nw, nh), borderValue=(200, 190, 180)), np.uint8)
        polys = [(np.c_[p, np.ones(4)] @ rot.T).astype(np.float32) for p in polys]
    return np.ascontiguousarray(arr), polys
