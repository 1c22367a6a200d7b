"""Dates tied to a patient, in the formats people write: "March 3rd", "3/14/24",
"2024-03-14", "14 March", "last Saturday", "yesterday".

Safe Harbor keeps only the year (164.514(b)(2)(i)(C)); captions should say "3 months
post-op" instead. Dates in the practice's own promotions ("offer ends Friday, March
14") are not about a patient, so a promotional context nearby suppresses the finding.
"""

from __future__ import annotations

import re

from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_FULL = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH_ES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre)"
)
_WEEKDAY_ES = r"(?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)"
_ORD = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)"
_NOT_COUNTED = (
    r"(?!\s*(?:[a-z]+\s+)?(?:round|time|session|treatment|syringe|vial|unit|visit|floor|place|"
    r"attempt|try|day|week|month|year|one|grade|cycle|dose|layer)s?\b)"
)
_HOLIDAY = (
    r"(?:valentine['’]?s day|christmas(?: eve| day)?|new year['’]?s(?: eve| day)?|"
    r"thanksgiving|halloween|easter(?: sunday)?|mother['’]?s day|father['’]?s day|"
    r"memorial day|labor day|independence day|(?:the )?4th of july|bonfire night|boxing day)\b"
)
# "this Monday" / "next Friday" are dates of a visit only when care is in the sentence
# ("surgery is this Monday"); "need some hope this Monday" is not.
_UPCOMING = re.compile(rf"\b(?:this|next|this coming)\s+{_WEEKDAY}(?:['’]s)?\b", re.IGNORECASE)
# A reply or DM naming the day of someone's visit: "see u Tuesday for ur consult", "when u
# check in friday".
_BOOKED_DAY = re.compile(
    rf"\b(?:see (?:u|you|ya)|check(?:ing)? in|come in|coming in|booked(?: in)?(?: for)?)\s+"
    rf"(?:on\s+)?(?P<d>{_WEEKDAY})\b",
    re.IGNORECASE,
)
_WEEKDAY_AT = re.compile(rf"{_WEEKDAY}\b", re.IGNORECASE)
_CARE_NEAR = re.compile(
    r"\b(?:your|ur|her|his|my|she|he|surgery|procedure|appt|appointment|consult|consultation|"
    r"follow[- ]?up|post[- ]?op|rhinoplasty|facelift|tummy tuck|lipo|liposuction|bbl|"
    r"augmentation|blepharoplasty|came in|coming in)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    "|".join(
        [
            rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(?:19|20)\d\d\b)?",
            rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?:19|20)\d\d\b)?",
            r"\b(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:[12]\d|3[01]|0[1-9])\b",
            r"(?<![\d/])(?:0?[1-9]|1[0-2])[/.](?:[12]\d|3[01]|0?[1-9])(?:[/.](?:19|"
            r"20)?\d\d)?(?![\d/])",
            rf"\b(?:last|this past|on)\s+{_WEEKDAY}(?:['’]s)?\b",
            # Day-first with a year ("14/03/2025"): unambiguous once the day is over 12.
            r"(?<![\d/])(?:1[3-9]|2\d|3[01])[/.](?:0?[1-9]|1[0-2])[/.](?:19|20)?\d\d(?![\d/])",
            # "Monday the 14th", "moved to the 9th", "on the 3rd for her consult"; not
            # "the 3rd round" or "the 2nd time".
            rf"\b{_WEEKDAY}\s+(?:the\s+)?{_ORD}\b",
            rf"\b(?:on|by|to|until|till|since|before|after|from)\s+the\s+{_ORD}\b"
            rf"{_NOT_COUNTED}",
            # Spanish: "el jueves 12 de junio", "5 de marzo de 2025".
            rf"\b(?:{_WEEKDAY_ES}\s+)?(?:[12]\d|3[01]|0?[1-9])\s+de\s+{_MONTH_ES}\b"
            r"(?:\s+de\s+(?:19|20)\d\d\b)?",
            # Holidays are date elements too: "by Valentine's Day she had her new nose".
            rf"\b(?:on|by|before|after|since|over)\s+(?:the\s+)?{_HOLIDAY}",
            rf"\b(?:in|since|last|this past|early|late|mid-?)\s+{_MONTH_FULL}\b",
            r"\byesterday\b",
        ]
    ),
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:book(?:ing)?|special|specials|sale|offer|event|open house|join us|rsvp|hours|"
    r"closed|open|opens|reopens?|reopening|ends?|until|through|thru|deadline|webinar|holiday|launch|register|sign up|"
    r"promo|deal|giveaway|contest|enter|spots?|availability|available|schedule|"
    r"doors|class|seminar|starting|starts|begins?|live q&a|q&a|openings?|slots?)\b",
    re.IGNORECASE,
)
_NOT_DATE = re.compile(r"^(?:24/7|1/2)$")
_TIME_OR_MEASURE = re.compile(
    r"\s*(?:am|pm|a\.m\.|p\.m\.|hrs?|hours?|kg|kilos?|kilograms?|lbs?|pounds?|stone|ml|cc|"
    r"l\b|litres?|liters?|cm|mm|inch(?:es)?|units?|%|x\b|times)",
    re.IGNORECASE,
)
# "10/10 recommend", "would give it 9/10": a score out of ten, not a date.
_SCORE = re.compile(r"^(?:10|[1-9])/10$")
_SCORE_CONTEXT = re.compile(
    r"^\s*(?:!+\s*)?(?:recommend|would|stars?|experience|rating|all the way|for sure|"
    r"overall|service|$)|(?:rate|rating|give (?:it|them|her|him|you)|solid|easy)\s*$"
)


class DateRecognizer:
    name = "dates"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        matches = list(_DATE.finditer(ctx.text))
        for u in _UPCOMING.finditer(ctx.text):
            if _CARE_NEAR.search(self._sentence(ctx.text, u.start(), u.end())):
                matches.append(u)
        if ctx.kind in ("reply", "dm_reply"):
            for b in _BOOKED_DAY.finditer(ctx.text):
                day = _WEEKDAY_AT.match(ctx.text, b.start("d"))
                if day is not None:
                    matches.append(day)
        taken: list[tuple[int, int]] = []
        promo: dict[str, bool] = {}
        for m in sorted(matches, key=lambda x: (x.start(), -x.end())):
            if any(s <= m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            value = m.group()
            if _SCORE.match(value) and (
                _SCORE_CONTEXT.search(ctx.lower[m.end() : m.end() + 20])
                or _SCORE_CONTEXT.search(ctx.lower[max(0, m.start() - 20) : m.start()])
            ):
                continue
            if _NOT_DATE.match(value) or re.search(
                r"\s*(?:off|%)", ctx.text[m.end() : m.end() + 5]
            ):
                continue
            if "." in value and _TIME_OR_MEASURE.match(ctx.text, m.end()):
                continue  # "6.30pm" is a time, "3.2 kilograms" a weight
            if (
                "/" in value
                and "." not in value
                and value.count("/") == 1
                and self._fraction(ctx, m.end())
            ):
                continue
            sentence = self._sentence(ctx.text, m.start(), m.end())
            # Many dates in one long sentence share it: search it for promotion words once.
            if sentence not in promo:
                promo[sentence] = bool(_PROMO.search(sentence))
            if promo[sentence]:
                continue
            findings.append(
                Finding(
                    rule="HIPAA-DEID-DATES-AGE",
                    category=Category.PHI_DATE,
                    severity="block",
                    start=m.start(),
                    end=m.end(),
                    text=value,
                    message=(
                        "A date tied to a patient (visit, surgery, event) is a Safe Harbor "
                        "identifier."
                    ),
                    suggestion='Give the interval instead, e.g. "3 months post-op".',
                    recognizer=self.name,
                )
            )
        return findings

    @staticmethod
    def _fraction(ctx: TextContext, end: int) -> bool:
        return bool(re.match(r"\s*(?:cup|tsp|tbsp|price|of|inch|mile)", ctx.lower[end : end + 8]))

    @staticmethod
    def _sentence(text: str, start: int, end: int) -> str:
        left = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start))
        rights = [
            p for p in (text.find(".", end), text.find("!", end), text.find("?", end)) if p >= 0
        ]
        right = min(rights) if rights else len(text)
        return text[left + 1 : right]
