"""The practice's own words as the allow-list for burned-in text (issue 7).

A photo of the clinic's sign or a logo on a gown is the practice's branding, not a
patient's information, so a text region is kept when everything the recogniser read
there is made of the practice's own words: its name, display and other names, the
allowed terms, websites and social handles from the practice profile. Anything else
(a wristband, a chart, a name the list does not hold) is still redacted: the engine
keeps a region only when its whole text segments into allow-listed words.

The terms travel with the report (`allow_list`) so the result page can say which
practice word allowed a region, and a later change to the profile is visible as a
different list on the next run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.engine.media.textregions import parse_allow_list

_WORD = re.compile(r"[\w']+", re.UNICODE)

SOURCES = (
    ("display_name", "practice name"),
    ("other_names", "other name of the practice"),
    ("allowed_terms", "allowed term"),
    ("websites", "website"),
    ("handles", "social handle"),
)


def practice_terms(practice: Practice) -> list[dict[str, str]]:
    """Each of the practice's own words with where it comes from (one query)."""
    terms = [{"term": practice.name, "source": "practice name"}]
    profile = PracticeProfile.objects.filter(practice=practice).first()
    if profile is not None:
        for field, source in SOURCES:
            value = getattr(profile, field) or []
            for raw in [value] if isinstance(value, str) else value:
                term = str(raw).strip()
                if term:
                    terms.append({"term": term, "source": source})
    seen: set[str] = set()
    unique = []
    for t in terms:
        if t["term"] and t["term"].lower() not in seen:
            seen.add(t["term"].lower())
            unique.append(t)
    return unique


def allow_words(terms: Iterable[Mapping[str, str]]) -> frozenset[str]:
    """The engine's allow-list (lower-case words) from the practice's terms."""
    return parse_allow_list(t["term"] for t in terms)


def why_allowed(text: str, terms: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The practice terms whose words appear in a kept region's text, for the page."""
    # The recogniser often drops spaces ("LakesideAesthetics"): match on the letters.
    read = "".join(_WORD.findall(text.lower())).replace("_", "")
    found = []
    for t in terms:
        words = parse_allow_list([str(t.get("term", ""))])
        if read and any(w in read for w in words):
            found.append({"term": str(t.get("term", "")), "source": str(t.get("source", ""))})
    return found
