"""Recognizers: small injectable units, one per concept, each returning explained findings.

Every recognizer has a `name`, the `kinds` of text it applies to, and
`analyze(ctx) -> list[Finding]`; the analyzer receives them through its constructor.
"""

from __future__ import annotations

from typing import Protocol

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Finding, Kind

ALL_KINDS: frozenset[Kind] = frozenset({"caption", "reply", "dm_reply", "comment"})
OUTBOUND: frozenset[Kind] = frozenset({"caption", "reply", "dm_reply"})
REPLIES: frozenset[Kind] = frozenset({"reply", "dm_reply"})


class Recognizer(Protocol):
    name: str
    kinds: frozenset[Kind]

    def analyze(self, ctx: TextContext) -> list[Finding]: ...
