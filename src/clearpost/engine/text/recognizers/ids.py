"""Record, account, insurance and other numbers (Safe Harbor G-M, R).

Numbers only count when they read as identifiers: an SSN shape, or a value right after
a label such as "MRN", "member ID" or "account #". A bare "500 units" is not an ID.
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_LABELLED = re.compile(
    r"\b(?:mrn|medical record(?: number| no\.?| #)?|record(?: number| no\.?| #)|"
    r"chart(?: number| no\.?| #)|"
    r"patient (?:id|number|no\.?|#)|account(?: number| no\.?| #)?|acct\.?(?: #| no\.?)?|"
    r"member(?: id| number| no\.?| #)|policy(?: number| no\.?| #)?|"
    r"insurance(?: id| number| no\.?| #| policy)?|"
    # Booking and order references identify one person's visit or purchase.
    r"confirmation(?: code| number| no\.?| #)|booking(?: ref(?:erence)?| code| number| #)|"
    r"reference(?: code| number| no\.?| #)|ref(?: no\.?| #)|order(?: number| no\.?| #)|"
    r"subscriber(?: id| number)|group(?: number| no\.?| #)|claim(?: number| no\.?| #)?|"
    r"invoice(?: number| no\.?| #)?|ssn|social security(?: number)?|license(?: number| no\.?| #)|"
    r"licence(?: number| no\.?| #)|plate(?: number)?|serial(?: number| no\.?| #)?|"
    r"nhs(?: number| no\.?)?|hospital(?: number| no\.?| #| id)|"
    r"rx(?: number| no\.?| #)?|prescription(?: number| no\.?| #)|"
    r"id(?: number| no\.?| #))"
    # The value may be written in spaced or dashed groups: "XJH 882 104 557", "6019 1842 ...".
    r"(?:\s+(?:is|was|to|as)\s+|\s*(?:is|was|:|#|=|-)\s*|\s+)(?P<value>(?:(?!(?:that|this|from|since|for|with|and|was|is|of|the|in|on|year|"
    r"yr|from|by)\b)[A-Za-z]{1,4}[-\s]?)?\d[\dA-Za-z-]*"
    r"(?:[ -]\d[\dA-Za-z-]*){0,5}(?<=\d))",
    re.IGNORECASE,
)
_MEMBER_CODE = re.compile(r"\b[A-Za-z]{2,3}\d{7,12}\b")
# "card ending 4421", "last four digits 4421": partial account numbers still identify.
_CARD_TAIL = re.compile(
    r"\b(?:card|account|acct|visa|mastercard|amex)\s+(?:ending|ending in|ends in|that ends in)\s+"
    r"(?P<value>\d{4})\b|\blast (?:4|four)(?: digits)?(?: of [\w ]{1,20})?\s*(?:is|are|:)?\s*"
    r"(?P<value2>\d{4})\b",
    re.IGNORECASE,
)


class IdRecognizer:
    name = "ids"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        spans: list[tuple[int, int]] = []
        for m in _SSN.finditer(ctx.text):
            spans.append((m.start(), m.end()))
        for m in _LABELLED.finditer(ctx.text):
            if sum(ch.isdigit() for ch in m.group("value")) >= 4:
                spans.append((m.start("value"), m.end("value")))
        for m in _MEMBER_CODE.finditer(ctx.text):
            spans.append((m.start(), m.end()))
        for m in _CARD_TAIL.finditer(ctx.text):
            group = "value" if m.group("value") else "value2"
            spans.append((m.start(group), m.end(group)))
        seen: set[tuple[int, int]] = set()
        findings: list[Finding] = []
        for start, end in sorted(spans):
            if (start, end) in seen or any(s <= start and end <= e for s, e in seen):
                continue
            seen.add((start, end))
            findings.append(
                Finding(
                    rule="HIPAA-DEID-CONTACT-IDS",
                    category=Category.PHI_ID,
                    severity="block",
                    start=start,
                    end=end,
                    text=ctx.text[start:end],
                    message="A record, account, insurance or other identifying number.",
                    suggestion="Never post or send identifying numbers outside the secure record.",
                    recognizer=self.name,
                )
            )
        return findings
