from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.engine.media import faces as faces_mod
from clearpost.engine.media import still as still_mod
from clearpost.engine.media.batch import collect_inputs, run_one
from clearpost.engine.media.deid import DeidOptions, deid_file
from clearpost.engine.media.detectors import base as detectors_base
from clearpost.engine.media.encode import load_oriented
from clearpost.engine.media.report import FileReport
from clearpost.testdata import corpus_path

from .redact_fixtures import FACE_BOXES, face_scene, text_card


def _run(path: Path, out: Path, options: DeidOptions) -> FileReport:
    item = collect_inputs([path])[0]
    return run_one(deid_file, item, options, out)


@pytest.fixture()
def obama(tmp_path: Path) -> Path:
    dst = tmp_path / "Jane Patient.jpg"
    shutil.copy(corpus_path("faces/obama.jpg"), dst)
    return dst


def _exiftool_tags(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-u", str(path)], capture_output=True, check=True
    )
    tags: dict[str, object] = json.loads(out.stdout)[0]
    return tags


def test_corpus_photo_face_redacted_metadata_gone(obama: Path, tmp_path: Path) -> None:
    original = obama.read_bytes()
    report = _run(obama, tmp_path / "out", DeidOptions())
    assert report.status == "cleared", report.reason
    assert obama.read_bytes() == original  # input never modified
    assert report.output and "Jane" not in report.output
    assert len(report.faces) == 1 and report.faces[0].action == "redacted"
    assert report.verification and report.verification.passed
    assert report.provenance.edited and report.provenance.camera
    out = Path(report.output)
    tags = _exiftool_tags(out)
    assert not any(k.startswith(("IFD0:", "GPS:", "XMP", "ExifIFD:", "Photoshop:")) for k in tags)
    before, _ = load_oriented(original)
    after, _ = load_oriented(out.read_bytes())
    x, y, w, h = FACE_BOXES["obama.jpg"]
    diff = np.abs(
        before[y : y + h, x : x + w].astype(int) - after[y : y + h, x : x + w].astype(int)
    )
    assert diff.mean() > 20
    assert report.timings_ms["total"] > 0


def test_faces_keep_still_scrubs(obama: Path, tmp_path: Path) -> None:
    report = _run(obama, tmp_path / "out", DeidOptions(faces="keep"))
    assert report.status == "cleared", report.reason
    assert report.faces and all(f.action == "kept" for f in report.faces)
    assert report.metadata_removed


def test_nothing_to_redact_keeps_pixels_identical(tmp_path: Path) -> None:
    src = tmp_path / "plain.png"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(100, 140, (120, 160, 3), dtype=np.uint8)).save(src)
    report = _run(src, tmp_path / "out", DeidOptions())
    assert report.status == "cleared", report.reason
    assert report.faces == [] and report.text_regions == []
    a, _ = load_oriented(src.read_bytes())
    b, _ = load_oriented(Path(report.output or "").read_bytes())
    assert np.array_equal(a, b)
    assert report.sensitive_regions  # says explicitly whether nudity could be checked


def test_text_and_manual_regions_redacted(tmp_path: Path) -> None:
    img, polys = text_card(["MRN 4481920", "SMITH JOHN"], 0, size=24, canvas=(240, 420))
    img = img.copy()
    img[150:200, 300:360] = np.random.default_rng(5).integers(
        0, 256, (50, 60, 3), dtype=np.uint8
    )  # a "tattoo"
    src = tmp_path / "label.png"
    Image.fromarray(img).save(src)
    regions = tmp_path / "regions.json"
    regions.write_text(
        json.dumps(
            {
                "version": 1,
                "files": {str(src): {"regions": [{"box": [300, 150, 60, 50], "label": "tattoo"}]}},
            }
        )
    )
    report = _run(src, tmp_path / "out", DeidOptions(regions_path=regions))
    assert report.status == "cleared", report.reason
    assert len([t for t in report.text_regions if t.action == "redacted"]) >= 2
    out, _ = load_oriented(Path(report.output or "").read_bytes())
    assert not np.array_equal(out[150:200, 300:360], img[150:200, 300:360])
    for poly in polys:
        x0, y0 = poly.min(axis=0).astype(int)
        x1, y1 = poly.max(axis=0).astype(int)
        # dark glyph pixels are gone
        assert (out[y0:y1, x0:x1].min(axis=2) < 60).sum() == 0


def test_missing_face_model_refuses(
    obama: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faces_mod, "default_model_path", lambda: None)
    monkeypatch.setattr(detectors_base, "_DETECTORS", {})
    report = _run(obama, tmp_path / "out", DeidOptions())
    assert report.status == "refused" and report.output is None
    assert (
        report.reason
        and report.reason.startswith("HIPAA-DEID-FULL-FACE")
        and "deface" in report.reason
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_residual_face_fails_verification_without_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    img, _ = face_scene("biden.jpg", 150, 0)
    src = tmp_path / "scene.png"
    Image.fromarray(img).save(src)
    monkeypatch.setattr(still_mod, "redact", lambda image, regions, style="pixelate": image.copy())
    report = _run(src, tmp_path / "out", DeidOptions())
    assert report.status == "failed_verification"
    assert report.verification and report.verification.residual_faces >= 1
    assert report.output is None and report.reason and "face" in report.reason
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_orientation_corrected_before_detection(tmp_path: Path) -> None:
    img, _ = face_scene("obama.jpg", 140, 0)
    turned = np.ascontiguousarray(np.rot90(img, 1))  # stored sideways
    src = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 8  # display rotated 90 CW back to upright
    Image.fromarray(turned).save(src, exif=exif.tobytes(), quality=95)
    report = _run(src, tmp_path / "out", DeidOptions())
    assert report.status == "cleared", report.reason
    assert (report.width, report.height) == (640, 480)
    assert len(report.faces) == 1


def test_animated_gif_leaves_as_checked_first_frame(tmp_path: Path) -> None:
    img, _ = face_scene("obama.jpg", 120, 0)
    blank = Image.fromarray(np.full_like(img, 200))
    src = tmp_path / "anim.gif"
    blank.save(src, save_all=True, append_images=[Image.fromarray(img)], duration=100)
    report = _run(src, tmp_path / "out", DeidOptions())
    assert report.status == "cleared", report.reason
    out = Path(report.output or "")
    assert out.suffix == ".png"
    with Image.open(out) as im:
        assert getattr(im, "n_frames", 1) == 1
    assert any("first of 2 frames" in m for m in report.metadata_removed)


def test_progress_reports_each_still_step_in_order(obama: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    outcome = deid_file(
        obama, DeidOptions(), progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    assert outcome.report.status == "cleared", outcome.report.reason
    assert calls == [
        ("scrub", 0, 4),
        ("detect", 1, 4),
        ("redact", 2, 4),
        ("verify", 3, 4),
        ("done", 4, 4),
    ]
