"""Detector units of the still chain behind one protocol (base.py), and their registry.

A new detector is one new file here with a `make(options) -> Detector` and one line in
`UNITS`. The order of `UNITS` is the redaction order (manual regions, then faces, then
text; a region applied later wins where two overlap, and verification checks each
region only where no later one covers it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clearpost.engine.media.detectors import face, manual, sensitive, text
from clearpost.engine.media.detectors.base import (
    Box,
    Detector,
    Detectors,
    Finding,
    Scene,
    clip_box,
    detectors_for,
)
from clearpost.engine.media.detectors.face import face_region
from clearpost.engine.media.detectors.text import TEXT_GROW, text_region

if TYPE_CHECKING:
    from clearpost.engine.media.options import DeidOptions

UNITS: tuple[Callable[[DeidOptions], Detector], ...] = (
    manual.make,
    face.make,
    text.make,
    sensitive.make,
)


def default_units(options: DeidOptions) -> list[Detector]:
    """The registered units for these options (their models load once per process)."""
    return [make(options) for make in UNITS]


__all__ = [
    "TEXT_GROW",
    "UNITS",
    "Box",
    "Detector",
    "Detectors",
    "Finding",
    "Scene",
    "clip_box",
    "default_units",
    "detectors_for",
    "face_region",
    "text_region",
]
