"""One pass over the text that every recognizer shares, so a caption is tokenised once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clearpost.engine.text.model import Kind
from clearpost.engine.text.profile import PracticeProfile

_TOKEN = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    lower: str


@dataclass(slots=True)
class TextContext:
    text: str
    kind: Kind
    profile: PracticeProfile
    lower: str = ""
    tokens: list[Token] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lower = self.text.lower()
        self.tokens = [
            Token(m.start(), m.end(), m.group(), m.group().lower())
            for m in _TOKEN.finditer(self.text)
        ]

    def before(self, start: int, width: int = 40) -> str:
        return self.lower[max(0, start - width) : start]

    def after(self, end: int, width: int = 40) -> str:
        return self.lower[end : end + width]
