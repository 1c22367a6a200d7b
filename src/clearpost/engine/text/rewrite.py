"""Safe wording: the generic non-confirming reply for blocked replies and DMs, and
captions with the PHI spans replaced.

The generic reply is the one OCR's settlements point to: thank, take it offline, and
neither confirm nor deny that the person is a patient.

A suggestion is a one-click fix, so it must itself pass: removing a name from "Thanks
Sarah, your tummy tuck looks amazing!" still confirms someone's treatment. `candidates`
therefore offers fixes from the least to the most invasive (names replaced; sentences
that carried a blocking finding dropped; a neutral caption or the generic reply), and the
analyzer offers the first one that gets no block finding itself, or none at all.
"""

from __future__ import annotations

import re

from clearpost.engine.text.model import Category, Finding, Kind
from clearpost.engine.text.profile import PracticeProfile

PLACEHOLDERS: dict[Category, str] = {
    Category.PHI_NAME: "[name removed]",
    Category.PHI_DATE: "[date removed]",
    Category.PHI_CONTACT: "[contact removed]",
    Category.PHI_LOCATION: "[place removed]",
    Category.PHI_ID: "[number removed]",
    Category.PHI_HANDLE: "[tag removed]",
    Category.PHI_AGE: "90 or older",
}


# Short enough to show whole above Instagram's feed fold (125 characters).
GENERIC_CAPTION = (
    "Thank you to our wonderful community! Results vary; "
    "book a consultation to see what is right for you."
)

_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


def generic_reply(profile: PracticeProfile) -> str:
    contact = f" at {profile.phone}" if profile.phone else ""
    return (
        "Thank you for reaching out. To protect everyone's privacy we never discuss anyone's "
        f"care online. Please call our office{contact} so we can help you directly."
    )


def redact(text: str, findings: list[Finding]) -> str:
    """Replace every PHI span, right to left so earlier offsets stay valid."""
    out = text
    spans = sorted(
        (f for f in findings if f.category in PLACEHOLDERS and f.start is not None),
        key=lambda f: f.start or 0,
        reverse=True,
    )
    last_start = len(text) + 1
    for f in spans:
        assert f.start is not None and f.end is not None
        if f.end > last_start:
            continue
        out = out[: f.start] + PLACEHOLDERS[f.category] + out[f.end :]
        last_start = f.start
    return out


def suggest(text: str, kind: Kind, findings: list[Finding], profile: PracticeProfile) -> str | None:
    """A safer text to offer the author, or None when there is nothing to fix."""
    blocking = [f for f in findings if f.severity != "info"]
    if not blocking or kind == "comment":
        return None
    if kind in ("reply", "dm_reply"):
        return generic_reply(profile)
    if any(f.category in PLACEHOLDERS for f in blocking):
        return redact(text, blocking)
    return None


def drop_sentences(text: str, findings: list[Finding]) -> str | None:
    """The text without the sentences a blocking finding points into, or None when
    nothing (or nothing worth posting) would be left."""
    spans = [
        (f.start, f.end)
        for f in findings
        if f.severity == "block" and f.start is not None and f.end is not None
    ]
    kept: list[str] = []
    for m in _SENTENCE.finditer(text):
        if not m.group().strip():
            continue
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue
        kept.append(m.group().strip())
    out = " ".join(kept)
    if out == text.strip() or not re.search(r"[^\W\d_]{3}", out):
        return None
    return out


def candidates(
    text: str, kind: Kind, findings: list[Finding], profile: PracticeProfile
) -> list[str]:
    """Fixes to try in order, least invasive first; the analyzer keeps the first that
    passes its own check (so a fix never needs a second fix)."""
    first = suggest(text, kind, findings, profile)
    if first is None:
        return []
    out = [first]
    if kind == "caption":
        shorter = drop_sentences(text, findings)
        if shorter is not None:
            out.append(shorter)
        out.append(GENERIC_CAPTION)
    elif first != generic_reply(profile):
        out.append(generic_reply(profile))
    return list(dict.fromkeys(out))
