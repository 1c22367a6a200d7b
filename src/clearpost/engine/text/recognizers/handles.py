"""Social handles and names hidden in hashtags (#sarahsjourney).

A patient's @handle identifies them as surely as a name (Safe Harbor (R), and a tag is
an endorsement under FTC 255.0). Handles of the practice, its clinicians and product
brands are not patients; without a profile we recognise business handles by their
parts ("dr", "aesthetics", "medspa").
"""

from __future__ import annotations

import re

from clearpost.engine.text import lexicon
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Category, Finding
from clearpost.engine.text.recognizers import ALL_KINDS

_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
_SOCIAL_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:instagram\.com|facebook\.com|fb\.com|tiktok\.com|"
    r"twitter\.com|x\.com|threads\.net|snapchat\.com/add|linkedin\.com/in)/@?[A-Za-z0-9_.]+",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"(?<![\w#])#([^\W_][\w]*)")
# What follows a name inside a hashtag when the tag is about that person.
_STORY_SUFFIXES = (
    "journey",
    "story",
    "transformation",
    "glowup",
    "glow",
    "results",
    "newlook",
    "new",
    "makeover",
    "bbl",
    "lips",
    "nose",
    "tummytuck",
    "lift",
    "recovery",
    "day",
    "before",
    "after",
    "wedding",
    "bride",
    "lipo",
    "boobs",
    "bodygoals",
)
_TAG_PREFIXES = ("team", "go", "love", "mrs", "miss", "ms", "mr", "our", "for", "praying", "")


class HandleRecognizer:
    name = "handles"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        findings: list[Finding] = []
        own = ctx.profile.own_handles
        for m in _HANDLE.finditer(ctx.text):
            handle = m.group(1).lower()
            if handle in own or handle in lexicon.BRAND_HANDLES or self._business(ctx, handle):
                continue
            findings.append(self._finding(ctx, m.start(), m.end()))
        for m in _SOCIAL_URL.finditer(ctx.text):
            tail = m.group().rsplit("/", 1)[-1].lstrip("@").lower()
            if tail in own or tail in lexicon.BRAND_HANDLES or self._business(ctx, tail):
                continue
            findings.append(self._finding(ctx, m.start(), m.end()))
        return findings

    @staticmethod
    def _business(ctx: TextContext, handle: str) -> bool:
        if any(part in handle for part in lexicon.BUSINESS_HANDLE_PARTS if len(part) > 2):
            return True
        if handle.startswith(("dr", "md")) or handle.endswith(("md", "_np", "_rn", "_pa")):
            return True
        return any(tok in handle for tok in ctx.profile.own_name_tokens if len(tok) > 4)

    def _finding(self, ctx: TextContext, start: int, end: int) -> Finding:
        return Finding(
            rule="HIPAA-DEID-CONTACT-IDS",
            category=Category.PHI_HANDLE,
            severity="block",
            start=start,
            end=end,
            text=ctx.text[start:end],
            message="Tagging or linking a person's account identifies them as a patient.",
            suggestion="Remove the tag unless the patient's authorization covers it.",
            recognizer=self.name,
        )


class HashtagNameRecognizer:
    """Names run together inside hashtags: #sarahsjourney, #teamjessica, #emmasnewnose."""

    name = "hashtag_names"
    kinds = ALL_KINDS

    def analyze(self, ctx: TextContext) -> list[Finding]:
        plain, ambiguous = lexicon.first_names()
        common = lexicon.common_words()
        findings: list[Finding] = []
        for m in _HASHTAG.finditer(ctx.text):
            body = m.group(1).lower()
            if body in common or body in lexicon.PROCEDURE_TERMS or body in ctx.profile.own_tokens:
                continue
            if self._has_name(body, plain, ambiguous, common, ctx.profile.own_tokens):
                findings.append(
                    Finding(
                        rule="HIPAA-DEID-SAFE-HARBOR-18",
                        category=Category.PHI_NAME,
                        severity="block",
                        start=m.start(),
                        end=m.end(),
                        text=m.group(),
                        message="This hashtag carries a person's name.",
                        suggestion="Use a hashtag without the patient's name.",
                        recognizer=self.name,
                    )
                )
        return findings

    @staticmethod
    def _has_name(
        body: str,
        plain: frozenset[str],
        ambiguous: frozenset[str],
        common: frozenset[str],
        own: frozenset[str],
    ) -> bool:
        for prefix in _TAG_PREFIXES:
            if not body.startswith(prefix):
                continue
            rest = body[len(prefix) :]
            for k in range(min(len(rest), 12), 2, -1):
                cand = rest[:k]
                if cand in own or cand in lexicon.PROCEDURE_TERMS:
                    continue
                tail = rest[k:]
                if tail.startswith("s") and (
                    tail[1:] == "" or tail[1:].startswith(_STORY_SUFFIXES)
                ):
                    tail_ok = True
                else:
                    tail_ok = tail == "" or tail.startswith(_STORY_SUFFIXES)
                if cand in plain and (prefix or tail_ok) and len(cand) >= 3:
                    if tail == "" and not prefix:
                        return cand not in common
                    return True
                if cand in ambiguous and tail_ok and (prefix or tail):
                    return True
        return False
