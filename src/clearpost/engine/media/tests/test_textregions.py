from __future__ import annotations

import numpy as np
import pytest

from clearpost.engine.media.detectors import text_region
from clearpost.engine.media.redact import union_mask
from clearpost.engine.media.textregions import RapidTextDetector, parse_allow_list

from .redact_fixtures import coverage, text_card


@pytest.fixture(scope="module")
def detector() -> RapidTextDetector:
    return RapidTextDetector(parse_allow_list(["Lakeside Aesthetics"]))


@pytest.mark.parametrize("angle", [0, 35, 90])
def test_wristband_text_regions_cover_every_line(detector: RapidTextDetector, angle: int) -> None:
    img, polys = text_card(["SMITH, JOHN  MRN 4481920", "DOB 03/14/1971"], angle, size=20)
    boxes = detector.detect(img)
    mask = union_mask([text_region(b) for b in boxes], *img.shape[:2])
    for poly in polys:
        assert coverage(mask, poly) >= 0.9, boxes


def test_allow_list_marks_only_fully_allowed_regions(detector: RapidTextDetector) -> None:
    img, _ = text_card(["Lakeside Aesthetics", "Jane Roe 555-0134"], 0, size=26)
    boxes = detector.detect(img)
    allowed = [b for b in boxes if b.allowed]
    assert allowed and all("jane" not in b.text.lower() for b in allowed)
    assert any(not b.allowed for b in boxes)


def test_blank_image_has_no_text(detector: RapidTextDetector) -> None:
    assert detector.detect(np.full((200, 300, 3), 240, np.uint8)) == []


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [
        (900, 420, 1.0),  # small: full resolution
        (2048, 1536, 1.0),  # short side at the limit: full resolution
        (3000, 2000, 0.768),  # in between: short side brought to 1536 px
        (4032, 3024, 0.508),  # 12 MP
        (12000, 8000, 0.5),  # never coarser than half: 10 px text stays findable
    ],
)
def test_scale_for_photo_sizes(width: int, height: int, scale: float) -> None:
    assert RapidTextDetector().scale_for(width, height) == pytest.approx(scale, abs=0.001)


def test_label_in_a_large_photo_is_found_at_half_resolution(detector: RapidTextDetector) -> None:
    """A 20 px label pasted into a 12 MP-sized photo is searched at half resolution and
    its boxes come back in the photo's own pixels, covering every line."""
    card, polys = text_card(["DOE, JANE  MRN 5521904", "DOB 03/14/1971"], 0, size=20)
    img = np.full((3024, 4032, 3), 200, np.uint8)
    img[::7, :, :] = 120  # texture, so nothing is skipped as flat
    y, x = 2100, 2900
    img[y : y + card.shape[0], x : x + card.shape[1]] = card
    assert detector.scale_for(4032, 3024) < 0.6
    boxes = detector.detect(img, recognize=False)
    mask = union_mask([text_region(b) for b in boxes], *img.shape[:2])
    for poly in polys:
        assert coverage(mask, poly + np.array([x, y], np.float32)) >= 0.9, boxes


def test_missing_detector_model_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from clearpost.engine.media import textregions

    monkeypatch.setattr(textregions, "_DET", "absent.onnx")
    with pytest.raises(textregions.TextDetectorUnavailableError, match="unavailable"):
        RapidTextDetector().detect(np.zeros((64, 64, 3), np.uint8))
