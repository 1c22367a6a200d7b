"""What a caller asks of `clearpost deid` for one file, and how it hears of progress.

Its own module because the still chain, the detectors and video.py all read it: when
it lived in deid.py, video.py imported deid.py and deid.py imported video.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clearpost.engine.media.faces import PyramidSettings
from clearpost.engine.media.redact import Style
from clearpost.engine.media.scrub import ScrubOptions

# progress(stage, done, total): a caller (the web media library) shows how far a file is.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: nobody is watching."""


@dataclass(frozen=True, slots=True)
class DeidOptions:
    faces: str = "redact"  # "redact" | "keep"
    text: str = "redact"  # "redact" | "keep"
    audio: str = "strip"  # "strip" | "keep"
    style: Style = "pixelate"
    regions_path: Path | None = None
    allow_words: frozenset[str] = frozenset()
    face_settings: PyramidSettings = field(default_factory=PyramidSettings)
    verify_threshold: float = 0.2
    scrub: ScrubOptions = field(default_factory=ScrubOptions)
    quality: int = 95
