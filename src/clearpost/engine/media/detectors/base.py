"""The one protocol every detector of the still chain implements, and the loaded models.

Modelled on Presidio's recognizers: small units injected into the engine, each result
explaining itself. A unit looks at the upright image (`Scene`) and returns `Finding`s:
what it found, whether it is redacted, kept, allowed or only flagged, and why in one
line. The detect stage (still.py) turns findings into regions and report entries
without knowing which unit made them, so a new detector is one new file in this
package and one line in `UNITS` (`detectors/__init__.py`).

A unit that cannot look raises `Refusal` with its rule (fail closed): a missing face
model refuses the file; only the sensitive-content unit reports "unavailable" instead,
by design (sensitive.py in the parent package says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from clearpost.engine.media.faces import CenterFaceDetector
from clearpost.engine.media.redact import Region
from clearpost.engine.media.report import Face, SensitiveRegion, TextRegion
from clearpost.engine.media.sensitive import SensitiveDetector, default_sensitive_detector
from clearpost.engine.media.textregions import RapidTextDetector

if TYPE_CHECKING:
    from clearpost.engine.media.options import DeidOptions

Pixels = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x, y, w, h
ReportEntry = Face | TextRegion | SensitiveRegion


@dataclass(frozen=True, slots=True)
class Scene:
    """What a detector may look at: the upright image and whose file it is."""

    rgb: Pixels
    options: DeidOptions
    input_sha256: str
    shown: str  # the input path as given (manual regions may be keyed by it)

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.rgb.shape[:2]
        return int(w), int(h)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a detector found, explaining itself.

    `kind` says what verification searches around it ("face", "text", "manual");
    `action` is "redacted" (then `region` is what gets redacted), "kept", "allowed",
    "flagged" (reported only) or "doubtful" (not redacted, but searched again on the
    output at the verification threshold); `entry` goes to the report list named
    `section` ("faces", "text_regions", "sensitive_regions"), if any."""

    kind: str
    box: Box
    action: str
    why: str
    region: Region | None = None
    entry: ReportEntry | None = None
    section: str = ""


class Detector(Protocol):
    """A unit of the detect stage. `name` keys its timing (`<name>_ms`) in the report."""

    name: str

    def find(self, scene: Scene) -> list[Finding]: ...


@dataclass
class Detectors:
    """The loaded models of one worker process (they load once per process); video.py
    and the verification stage use them directly, the still chain through units."""

    faces: CenterFaceDetector
    text: RapidTextDetector
    sensitive: SensitiveDetector


_DETECTORS: dict[tuple[object, ...], Detectors] = {}


def detectors_for(options: DeidOptions) -> Detectors:
    key = (options.face_settings, options.allow_words)
    if key not in _DETECTORS:
        _DETECTORS[key] = Detectors(
            CenterFaceDetector(options.face_settings),
            RapidTextDetector(options.allow_words),
            default_sensitive_detector(),
        )
    return _DETECTORS[key]


def clip_box(box: Box, w: int, h: int) -> Box:
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(w, box[0] + box[2]), min(h, box[1] + box[3])
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))
