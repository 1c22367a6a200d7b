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
