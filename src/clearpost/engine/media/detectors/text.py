"""Burned-in text (RapidOCR, textregions.py) as a detector unit, and its mask.

Every detected region is redacted whatever it says, unless the allow-list exempts all
of it; recognition runs only when there is an allow-list (without one, reading decides
nothing). OCR missing refuses the file when text is to be redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearpost.engine.media.detectors.base import Finding, Scene, clip_box, detectors_for
from clearpost.engine.media.redact import Region
from clearpost.engine.media.report import Refusal, TextRegion
from clearpost.engine.media.rules import TEXT_RULE
from clearpost.engine.media.textregions import (
    RapidTextDetector,
    TextBox,
    TextDetectorUnavailableError,
)

if TYPE_CHECKING:
    from clearpost.engine.media.options import DeidOptions

TEXT_GROW = 1.15


def text_region(box: TextBox) -> Region:
    """The mask of a text box: its polygon grown TEXT_GROW times about its centre."""
    cx = sum(p[0] for p in box.points) / len(box.points)
    cy = sum(p[1] for p in box.points) / len(box.points)
    return Region(
        tuple((cx + (x - cx) * TEXT_GROW, cy + (y - cy) * TEXT_GROW) for x, y in box.points)
    )


class TextFinder:
    name = "text"

    def __init__(self, model: RapidTextDetector) -> None:
        self.model = model

    def find(self, scene: Scene) -> list[Finding]:
        options = scene.options
        try:
            texts = self.model.detect(scene.rgb, recognize=bool(self.model.allow_words))
        except TextDetectorUnavailableError as exc:
            if options.text == "redact":
                raise Refusal(TEXT_RULE, f"burned-in text cannot be checked: {exc}") from None
            return []
        w, h = scene.size
        out = []
        for tb in texts:
            if tb.allowed:
                act, why = "allowed", f"text {tb.text!r}: every word is on the allow-list"
            elif options.text == "redact":
                act, why = "redacted", f"{tb.explanation} text region, score {tb.score:.3f}"
            else:
                act, why = "kept", "text region kept (--text keep)"
            out.append(
                Finding(
                    "text",
                    tb.box,
                    act,
                    why,
                    region=text_region(tb) if act == "redacted" else None,
                    entry=TextRegion(clip_box(tb.box, w, h), tb.text, act),
                    section="text_regions",
                )
            )
        return out


def make(options: DeidOptions) -> TextFinder:
    return TextFinder(detectors_for(options).text)
