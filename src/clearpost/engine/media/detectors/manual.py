"""Manual regions (`--regions FILE.json`) as a detector unit: a person found them.

First in `UNITS` so manual regions come first in the redaction order, as before."""

from __future__ import annotations

from clearpost.engine.media.detectors.base import Finding, Scene
from clearpost.engine.media.regions import manual_regions_for


class ManualRegions:
    name = "manual"

    def find(self, scene: Scene) -> list[Finding]:
        out = []
        for m in manual_regions_for(scene.options, scene.input_sha256, scene.shown):
            region = m.at(0, 0.0)  # a still is frame 0 at 0 s
            if region is not None:
                why = f"manual region {m.label!r}" if m.label else "manual region"
                out.append(Finding("manual", region.box(), "redacted", why, region=region))
        return out


def make(options: object) -> ManualRegions:
    return ManualRegions()
