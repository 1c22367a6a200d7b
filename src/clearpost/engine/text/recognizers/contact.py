"""Phone and fax numbers and e-mail addresses (Safe Harbor D, E, F).

The practice's own number and address are not PHI: the profile names them, and without
one an invitation to call ("call us at", "our number") marks the practice's own.
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"
    r"|(?<![\w+])(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d)"
    r"|(?<![\w+])(?:\+44\s?|0)(?:20|1\d{2,3})\s?\d{3,4}\s?\d{3,4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?!\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PRACTICE_CUE = re.compile(
    r"(?:(?:call|text|reach|phone|contact|dial|ring|e-?mail|message|write to)\s+"
    r"(?:us|our (?:office|team|front desk|concierge|practice manager|office manager)|the office)"
    r"|\bour (?:office|number|phone|line|front desk|team|email|inbox|main line|office manager)"
    r"(?: number)?(?: is)?|\b(?:office|front desk|concierge)(?: line| number)?:?)"
    r"\s*(?:at|on|:|-)?\s*$",
    re.IGNORECASE,
)
_JOINED = re.compile(
    r"(?:[\w.+-]+@[\w.-]+\.[A-Za-z]{2,}|\+?[\d() .-]{7,18}\d)\s*(?:,|or|and|/)\s*$"
)
_ROLE_MAILBOX = re.compile(
    r"^(?:info|hello|hi|contact|office|appointments?|booking|bookings|frontdesk|front\.desk|"
    r"concierge|reception|team|admin|care|support|privacy|marketing)@",
    re.IGNORECASE,
)


class ContactRecognizer:
    name = "contact"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        for m in _PHONE.finditer(ctx.text):
            if ctx.profile.is_own_phone(m.group()) or self._practice(ctx, m.start()):
                continue
            findings.append(self._finding(ctx, m.start(), m.end(), "A phone number"))
        for m in _EMAIL.finditer(ctx.text):
            value = m.group()
            if ctx.profile.is_own_email(value) or _ROLE_MAILBOX.match(value):
                continue
            domain = value.rsplit("@", 1)[-1].lower()
            if ctx.profile.website and domain in ctx.profile.website.lower():
                continue
            if self._practice(ctx, m.start()):
                continue
            findings.append(self._finding(ctx, m.start(), m.end(), "An e-mail address"))
        return findings

    @staticmethod
    def _practice(ctx: TextContext, start: int) -> bool:
        """An invitation to contact the practice right before the value, or before an
        earlier practice contact joined by "or"/"and" ("email us at a@x.com or b@x.com")."""
        before = ctx.text[max(0, start - 30) : start]
        if _PRACTICE_CUE.search(before):
            return True
        joined = _JOINED.search(ctx.text[max(0, start - 120) : start])
        if joined is None:
            return False
        first = start - len(joined.group(0))
        return bool(_PRACTICE_CUE.search(ctx.text[max(0, first - 30) : first]))

    def _finding(self, ctx: TextContext, start: int, end: int, what: str) -> Finding:
        return Finding(
            rule="HIPAA-DEID-CONTACT-IDS",
            category=Category.PHI_CONTACT,
            severity="block",
            start=start,
            end=end,
            text=ctx.text[start:end],
            message=f"{what} that is not the practice's own identifies a person.",
            suggestion="Remove it; share personal contact details only in a secure channel.",
            recognizer=self.name,
        )
