"""Faces (CenterFace, faces.py) as a detector unit, and how a face becomes a mask.

One pass down to the verification threshold: faces at the detection threshold are
redacted (or kept with `--faces keep`); those between the two thresholds are doubtful
and searched again on the output (verify.py). A missing model refuses the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearpost.engine.media.detectors.base import Finding, Scene, clip_box, detectors_for
from clearpost.engine.media.faces import CenterFaceDetector, DetectorUnavailableError, FaceBox
from clearpost.engine.media.redact import GROW, Region
from clearpost.engine.media.report import Face, Refusal
from clearpost.engine.media.rules import FACE_RULE

if TYPE_CHECKING:
    from clearpost.engine.media.options import DeidOptions


def face_region(face: FaceBox) -> Region:
    """The mask of a face: its box grown GROW times (redact.py says why)."""
    return Region.from_box((face.x, face.y, face.w, face.h), GROW, "rect")


class FaceFinder:
    name = "faces"

    def __init__(self, model: CenterFaceDetector) -> None:
        self.model = model

    def find(self, scene: Scene) -> list[Finding]:
        options = scene.options
        threshold = self.model.settings.threshold
        low = min(options.verify_threshold, threshold)
        try:
            found = self.model.detect(scene.rgb, threshold=low)
        except DetectorUnavailableError as exc:
            raise Refusal(FACE_RULE, f"faces cannot be checked: {exc}") from None
        w, h = scene.size
        action = "redacted" if options.faces == "redact" else "kept"
        out = []
        for f in found:
            if f.score < threshold:
                why = f"face candidate, score {f.score:.3f} under {threshold}: searched again"
                out.append(Finding("face", f.box, "doubtful", why))
                continue
            out.append(
                Finding(
                    "face",
                    f.box,
                    action,
                    f"{f.explanation} face, score {f.score:.3f} >= {threshold}",
                    region=face_region(f) if action == "redacted" else None,
                    entry=Face(clip_box(f.box, w, h), round(f.score, 3), action),
                    section="faces",
                )
            )
        return out


def make(options: DeidOptions) -> FaceFinder:
    return FaceFinder(detectors_for(options).faces)
