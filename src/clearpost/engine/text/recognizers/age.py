"""Ages over 89 (Safe Harbor C): "our 92-year-old patient" must become "90 or older".

Younger ages are not Safe Harbor identifiers, so "in her 40s" or "age 35" pass here.
"""

from __future__ import annotations

import re

from clearpost.engine.text import lexicon
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
    rf"|\b{_OLD}(?:st|nd|rd|th)\s+(?:birthday|bday|b-day)\b"
    rf"|\bturn(?:ed|s|ing)?\s+{_OLD}\b"
    rf"|\b(?:nonagenarian|centenarian)\b",
    re.IGNORECASE,
)


# "At 91, she...", "I'm 92 and...", "grandpa is 97 and had...": a bare number after a
# person's "is/at/I'm", closed by punctuation or "and", reads as an age; "at 90 units",
# "$95" and "95%" do not. "Grandma Bea (93!!)": a number alone in brackets after a word.
_CUED = re.compile(
    r"(?:\b(?:at|aged|turning|turned|i['’]?m|i am|she['’]?s|he['’]?s|she is|he is)|\b(?:she|he|"
    r"who|grandma|grandpa|granny|nana|mom|mum|dad|mother|father|patient|client|husband|wife) "
    r"(?:is|was)"
    # "we have you down as 91 on your intake form": an age recorded on a form.
    r"|\b(?:down|listed|registered) as)"
    rf"\s+(?P<age>{_OLD})"
    r"(?=\s*(?:[,.!?;)]|$|and\b|&|\+|now\b|years?\b|yrs?\b|on (?:your|her|his|the) "
    r"(?:intake|form|chart|file|record|paperwork)))"
    rf"|[^\W\d_]\s\((?P<age2>{_OLD})(?=\s*!*\s*\))",
    re.IGNORECASE,
)


# "Bunny (...) is 94 and", "my nana june is 95 and": a name or a closing bracket before
# "is"; "lip flip is 95." is a price, so the word must be a name (any case) or capitalised.
_NAMED_IS = re.compile(
    rf"(?P<w>[^\W\d_]{{2,}}|\))\s+(?:is|was)\s+(?P<age>{_OLD})"
    r"(?=\s*(?:[,!?;)]|$|and\b|&|\+|now\b|years?\b|yrs?\b))",
    re.IGNORECASE,
)


def _named(text: str, word: str) -> bool:
    if word == ")":
        return True
    plain, ambiguous = lexicon.first_names()
    low = word.lower()
    mixed = not text.isupper() and not text.islower()
    return low in plain or low in ambiguous or (mixed and word[:1].isupper() and word[1:].islower())


def _spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _AGE.finditer(text)]
    for m in _NAMED_IS.finditer(text):
        if _named(text, m.group("w")) and not any(s <= m.start("age") < e for s, e in spans):
            spans.append((m.start("age"), m.end("age")))
    for m in _CUED.finditer(text):
        g = "age" if m.group("age") else "age2"
        if not any(s <= m.start(g) < e for s, e in spans):
            spans.append((m.start(g), m.end(g)))
    return sorted(spans)


class AgeRecognizer:
    name = "age"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        return [
            Finding(
                rule="HIPAA-DEID-DATES-AGE",
                category=Category.PHI_AGE,
                severity="block",
                start=start,
                end=end,
                text=ctx.text[start:end],
                message="An age over 89 is a Safe Harbor identifier.",
                suggestion='Say "90 or older" instead.',
                recognizer=self.name,
            )
            for start, end in _spans(ctx.text)
        ]
