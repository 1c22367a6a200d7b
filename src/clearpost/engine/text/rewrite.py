"""Safe wording: the generic non-confirming reply for blocked replies and DMs, and
captions with the PHI spans replaced.

The generic reply is the one OCR's settlements point to: thank, take it offline, and
neither confirm nor deny that the person is a patient.
"""

from __future__ import annotations

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
