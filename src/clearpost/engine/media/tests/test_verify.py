from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.engine.media import still as still_mod
from clearpost.engine.media.batch import collect_inputs, run_one
from clearpost.engine.media.deid import DeidOptions, deid_file
from clearpost.engine.media.detectors import face as face_unit
from clearpost.engine.media.encode import load_oriented
from clearpost.engine.media.faces import CenterFaceDetector
from clearpost.engine.media.redact import Region, union_mask
from clearpost.engine.media.verify import (
    IDENTITY_TOL,
    MIN_WINDOW,
    changed_outside,
    text_windows,
    windows,
)

from .redact_fixtures import face_scene


def _textured(h: int = 200, w: int = 300) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([], []),
        ([(100, 100, 10, 10)], [(57, 57, 154, 154)]),  # grown to MIN_WINDOW
        ([(0, 0, 40, 40)], [(0, 0, 81, 81)]),  # clipped at the edge
        ([(50, 50, 40, 40), (80, 60, 40, 40)], [(10, 10, 161, 141)]),  # overlapping: merged
        ([(10, 10, 20, 20), (250, 150, 20, 20)], [(0, 0, 69, 69), (212, 112, 300, 200)]),
    ],
)
def test_windows_grow_clip_and_merge(
    boxes: list[tuple[int, int, int, int]], expected: list[tuple[int, int, int, int]]
) -> None:
    assert windows(boxes, 300, 200) == expected
    for x0, y0, x1, y1 in windows(boxes, 300, 200):
        assert 0 <= x0 < x1 <= 300 and 0 <= y0 < y1 <= 200


def test_text_windows_add_a_line_height_around() -> None:
    (win,) = text_windows([(100, 50, 120, 20)], 400, 300)
    assert win[0] <= 100 - 32 and win[1] <= 50 - 32 and win[2] >= 252 and win[3] >= 102
    assert MIN_WINDOW > 0


def test_changed_outside_sees_changes_outside_masks_only() -> None:
    img = _textured()
    mask = union_mask([Region.from_box((100, 60, 60, 60))], 200, 300)
    inside = img.copy()
    inside[60:120, 100:160] = 0
    assert changed_outside(img, inside, mask) == 0.0
    noise = np.clip(img.astype(int) + 2, 0, 255).astype(np.uint8)  # codec rounding
    assert changed_outside(img, noise, mask) <= IDENTITY_TOL
    pasted = img.copy()
    pasted[10:40, 10:40] = 255  # something appeared where nothing was redacted
    assert changed_outside(img, pasted, mask) > IDENTITY_TOL
    edge = img.copy()
    edge[195:, 290:] = 255 - edge[195:, 290:]  # the strip past the last whole block
    assert changed_outside(img, edge, mask) > IDENTITY_TOL
    assert changed_outside(img, img[:100], mask) == float("inf")


def test_output_changed_outside_masks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug or encoder that alters pixels away from the masks fails closed."""
    img, _ = face_scene("obama.jpg", 120, 0)
    src = tmp_path / "scene.png"
    Image.fromarray(img).save(src)
    real = still_mod._encode

    def tampering(rgb: np.ndarray, fmt: str, options: DeidOptions, icc: bytes | None) -> bytes:
        bad = rgb.copy()
        bad[:40, :40] = 255 - bad[:40, :40]
        return real(bad, fmt, options, icc)  # type: ignore[arg-type]

    monkeypatch.setattr(still_mod, "_encode", tampering)
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "refused" and report.output is None
    assert report.reason and "outside the redacted areas" in report.reason


def test_verification_searches_around_a_half_covered_face(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Masks that cover only the lower part of a face (here every mask, escalations
    included): the window search around them finds the face and the file fails closed."""
    img, _ = face_scene("biden.jpg", 160, 0)
    src = tmp_path / "scene.png"
    Image.fromarray(img).save(src)
    real = face_unit.face_region

    def half(face: object) -> Region:
        r = real(face)  # type: ignore[arg-type]
        x, y, w, h = r.box()
        return Region.from_box((x, y + h * 0.6, w, h * 0.4))

    monkeypatch.setattr(face_unit, "face_region", half)
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "failed_verification" and report.output is None
    assert report.verification and report.verification.residual_faces >= 1


def test_cleared_output_has_no_face_for_a_full_detector(tmp_path: Path) -> None:
    """The windowed verification agrees with a full-image pass on a cleared output."""
    img, _ = face_scene("biden.jpg", 160, 0)
    src = tmp_path / "scene.png"
    Image.fromarray(img).save(src)
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), tmp_path / "out")
    assert report.status == "cleared", report.reason
    out, _ = load_oriented(Path(report.output or "").read_bytes())
    assert CenterFaceDetector().detect(out, threshold=0.2) == []
