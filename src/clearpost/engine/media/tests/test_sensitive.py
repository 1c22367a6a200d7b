from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import numpy as np
import pytest

from clearpost.engine.media import sensitive


class _FakeNude:
    def detect(self, path: str) -> list[dict[str, Any]]:
        return [
            {"class": "FEMALE_BREAST_EXPOSED", "score": 0.9, "box": [1, 2, 30, 40]},
            {"class": "FACE_FEMALE", "score": 0.99, "box": [0, 0, 5, 5]},
            {"class": "BUTTOCKS_EXPOSED", "score": 0.2, "box": [5, 5, 5, 5]},
        ]


def test_unavailable_detector_says_so_for_the_whole_frame() -> None:
    (flag,) = sensitive.UnavailableSensitiveDetector().detect(np.zeros((40, 60, 3), np.uint8))
    assert flag.box == (0, 0, 60, 40) and "unavailable" in flag.label and flag.score == 0.0


@pytest.mark.parametrize("installed", [True, False])
def test_default_uses_nudenet_only_when_installed(
    monkeypatch: pytest.MonkeyPatch, installed: bool
) -> None:
    if installed:
        fake = types.ModuleType("nudenet")
        fake.NudeDetector = _FakeNude  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "nudenet", fake)
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    else:
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    det = sensitive.default_sensitive_detector()
    assert det.available is installed
    found = det.detect(np.zeros((50, 50, 3), np.uint8))
    if installed:
        assert [(f.label, f.box) for f in found] == [("exposed breast", (1, 2, 30, 40))]
    else:
        assert "unavailable" in found[0].label
