"""Sensitive-content flags (sensitive.py in the parent package) as a detector unit:
reported for a person to review, never redacted and never blocking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearpost.engine.media.detectors.base import Finding, Scene, detectors_for
from clearpost.engine.media.report import SensitiveRegion
from clearpost.engine.media.sensitive import SensitiveDetector

if TYPE_CHECKING:
    from clearpost.engine.media.options import DeidOptions


class SensitiveFlags:
    name = "sensitive"

    def __init__(self, model: SensitiveDetector) -> None:
        self.model = model

    def find(self, scene: Scene) -> list[Finding]:
        return [
            Finding(
                "sensitive",
                s.box,
                "flagged",
                s.label,
                entry=SensitiveRegion(s.box, s.label, round(s.score, 3)),
                section="sensitive_regions",
            )
            for s in self.model.detect(scene.rgb)
        ]


def make(options: DeidOptions) -> SensitiveFlags:
    return SensitiveFlags(detectors_for(options).sensitive)
