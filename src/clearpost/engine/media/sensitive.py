"""Flags for exposed breasts, buttocks and genitals (platform nudity policies, age-gating).

Why no detector is bundled: the only offline detector for these classes on PyPI with
weights inside the package is NudeNet, licensed AGPL-3.0. Shipping it inside ClearPost
(a network service) would put the whole product under the AGPL, so it is never a
dependency. If a deployment installs `nudenet` itself (accepting that licence), it is
used; otherwise every image gets one explicit "detection unavailable" entry covering
the whole frame, so the web app routes it to a person instead of treating silence as
"no nudity". The flag never blocks de-identification; censor bars are optional.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image

Pixels = npt.NDArray[np.uint8]
UNAVAILABLE = "sensitive-content detection unavailable (nudenet not installed)"
# NudeNet v3 class names that count as exposed intimate areas.
EXPOSED = {
    "FEMALE_BREAST_EXPOSED": "exposed breast",
    "BUTTOCKS_EXPOSED": "exposed buttocks",
    "FEMALE_GENITALIA_EXPOSED": "exposed genitals",
    "MALE_GENITALIA_EXPOSED": "exposed genitals",
    "ANUS_EXPOSED": "exposed genitals",
}


@dataclass(frozen=True, slots=True)
class SensitiveBox:
    box: tuple[int, int, int, int]
    label: str
    score: float


class SensitiveDetector(Protocol):
    available: bool

    def detect(self, rgb: Pixels) -> list[SensitiveBox]: ...


class UnavailableSensitiveDetector:
    """Says, for every image, that it could not look."""

    available = False

    def detect(self, rgb: Pixels) -> list[SensitiveBox]:
        h, w = rgb.shape[:2]
        return [SensitiveBox((0, 0, int(w), int(h)), UNAVAILABLE, 0.0)]


class NudeNetDetector:
    """Adapter for an operator-installed `nudenet` (AGPL-3.0; never a dependency)."""

    available = True

    def __init__(self, threshold: float = 0.4) -> None:
        # Imported by name: an optional, operator-installed package with no stubs.
        nudenet = importlib.import_module("nudenet")
        self._det: Any = nudenet.NudeDetector()
        self.threshold = threshold

    def detect(self, rgb: Pixels) -> list[SensitiveBox]:
        fd, name = tempfile.mkstemp(suffix=".png")
        os.close(fd)
        try:
            Image.fromarray(np.ascontiguousarray(rgb[:, :, :3])).save(name)
            raw = self._det.detect(name)
        finally:
            os.unlink(name)
        out = []
        for item in raw or []:
            label = EXPOSED.get(str(item.get("class")))
            score = float(item.get("score", 0.0))
            if label and score >= self.threshold:
                x, y, w, h = (int(v) for v in item["box"])
                out.append(SensitiveBox((x, y, w, h), label, score))
        return out


def default_sensitive_detector() -> SensitiveDetector:
    if importlib.util.find_spec("nudenet") is not None:
        try:
            return NudeNetDetector()
        except Exception:  # a broken optional install must not break de-identification
            return UnavailableSensitiveDetector()
    return UnavailableSensitiveDetector()
