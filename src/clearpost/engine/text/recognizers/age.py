"""Ages over 89 (Safe Harbor C): "our 92-year-old patient" must become "90 or older".

Younger ages are not Safe Harbor identifiers, so "in her 40s" or "age 35" pass here.
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_OLD = r"(?:9\d|1[01]\d)"
_SPELLED = (
    r"(?:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one hundred(?: and \w+)?)"
)
_AGE = re.compile(
    rf"\b(?:{_OLD}|{_SPELLED})[- ]?(?:years?|yrs?|yo|y/o)(?:[- ]?old)?\b"
    rf"|\b(?:{_OLD}|{_SPELLED})[- ]years?[- ]young\b"
    rf"|\bage[sd]?\s*(?:of\s*)?{_OLD}\b"
    rf"|\b{_OLD}(?:st|nd|rd|th)\s+birthday\b"
    rf"|\bturn(?:ed|s|ing)?\s+{_OLD}\b"
    rf"|\b(?:nonagenarian|centenarian)\b",
    re.IGNORECASE,
)


class AgeRecognizer:
    name = "age"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        return [
            Finding(
                rule="HIPAA-DEID-DATES-AGE",
                category=Category.PHI_AGE,
                severity="block",
                start=m.start(),
                end=m.end(),
                text=m.group(),
                message="An age over 89 is a Safe Harbor identifier.",
                suggestion='Say "90 or older" instead.',
                recognizer=self.name,
            )
            for m in _AGE.finditer(ctx.text)
        ]
