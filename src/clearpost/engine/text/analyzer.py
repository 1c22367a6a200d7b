"""The engine: runs injected recognizers over one text, resolves overlapping PHI spans,
and turns findings into a decision, safe wording and (for comments) an action.

Recognizers come in through the constructor (Presidio-style) so a practice, a test or
a benchmark can add, remove or replace one without touching the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from clearpost.engine.text import inbound, lexicon, rewrite
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.learned import LearnedLayer
from clearpost.engine.text.model import (
    KINDS,
    PHI_CATEGORIES,
    Category,
    Finding,
    Kind,
    Result,
    decide,
)
from clearpost.engine.text.profile import DEFAULT_PROFILE, PracticeProfile
from clearpost.engine.text.recognizers import Recognizer
from clearpost.engine.text.recognizers.advertising import AdvertisingRecognizer
from clearpost.engine.text.recognizers.age import AgeRecognizer
from clearpost.engine.text.recognizers.confirmation import (
    ConfirmationRecognizer,
    caption_confirmation,
    reply_confirmation,
)
from clearpost.engine.text.recognizers.contact import ContactRecognizer
from clearpost.engine.text.recognizers.dates import DateRecognizer
from clearpost.engine.text.recognizers.handles import HandleRecognizer, HashtagNameRecognizer
from clearpost.engine.text.recognizers.ids import IdRecognizer
from clearpost.engine.text.recognizers.inbound import InboundRecognizer
from clearpost.engine.text.recognizers.location import LocationRecognizer
from clearpost.engine.text.recognizers.names import NameRecognizer
from clearpost.engine.text.recognizers.professionalism import (
    MedicalAdviceRecognizer,
    ProfessionalismRecognizer,
)

MAX_CHARS = 20_000

# When two PHI spans overlap, the longer wins; on a tie, the more specific category. An ID
# needs a label ("NHS number 943 476 5919"), so it beats the phone shape of the same digits.
_PRIORITY: dict[Category, int] = {
    Category.PHI_HANDLE: 0,
    Category.PHI_ID: 1,
    Category.PHI_CONTACT: 2,
    Category.PHI_LOCATION: 3,
    Category.PHI_DATE: 4,
    Category.PHI_AGE: 5,
    Category.PHI_NAME: 6,
}


_SPAMMER_OWN = frozenset({Category.PHI_CONTACT, Category.PHI_HANDLE})


class TextInputError(ValueError):
    """A text the checker will not analyse (too long, wrong kind), with what to do."""


def default_recognizers() -> list[Recognizer]:
    return [
        HandleRecognizer(),
        ContactRecognizer(),
        IdRecognizer(),
        LocationRecognizer(),
        DateRecognizer(),
        AgeRecognizer(),
        NameRecognizer(),
        HashtagNameRecognizer(),
        ConfirmationRecognizer(),
        AdvertisingRecognizer(),
        MedicalAdviceRecognizer(),
        ProfessionalismRecognizer(),
        InboundRecognizer(),
    ]


class Analyzer:
    def __init__(
        self,
        recognizers: Sequence[Recognizer] | None = None,
        profile: PracticeProfile = DEFAULT_PROFILE,
        max_chars: int = MAX_CHARS,
        learned: LearnedLayer | None = None,
    ) -> None:
        self.recognizers = list(recognizers) if recognizers is not None else default_recognizers()
        self.profile = profile
        self.max_chars = max_chars
        self.learned = learned

    def warm(self) -> None:
        lexicon.warm()
        if self.learned is not None:
            _ = self.learned.model

    def analyze(self, text: str, kind: str) -> Result:
        result = self._check(text, kind)
        k = cast(Kind, kind)  # _check has refused any other kind
        for candidate in rewrite.candidates(text, k, result.findings, self.profile):
            if self._check(candidate, k).decision != "block":
                result.suggested_text = candidate
                break
        return result

    def _check(self, text: str, kind: str) -> Result:
        """Findings, decision and (for comments) the action, without a suggested fix."""
        if kind not in KINDS:
            raise TextInputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        if len(text) > self.max_chars:
            raise TextInputError(
                f"text is {len(text):,} characters; the limit is {self.max_chars:,}. "
                "Split it into shorter texts."
            )
        k: Kind = kind
        ctx = TextContext(text=text, kind=k, profile=self.profile)
        raw: list[Finding] = []
        for rec in self.recognizers:
            if k in rec.kinds:
                raw.extend(rec.analyze(ctx))
        phi = _resolve([f for f in raw if f.category in PHI_CATEGORIES and not _own(ctx, f)])
        other = [f for f in raw if f.category not in PHI_CATEGORIES]
        if k == "comment" and any(f.category is Category.SPAM for f in other):
            # A spammer's own number or handle is advertising, not a patient's identifier.
            phi = [f for f in phi if f.category not in _SPAMMER_OWN]
        findings = phi + other
        if k in ("reply", "dm_reply") and not any(
            f.category is Category.PATIENT_CONFIRMATION for f in other
        ):
            conf = reply_confirmation(ctx, phi)
            if conf is not None:
                findings.append(conf)
        if k == "caption":
            ident = [f for f in phi if f.category is not Category.PHI_DATE]
            if ident:
                conf = caption_confirmation(ctx, ", ".join(f.text for f in ident))
                if conf is not None:
                    findings.append(conf)
        if self.learned is not None:
            # The learned layer only adds categories the rules did not find (learned.py).
            findings.extend(self.learned.findings(text, k, findings))
        findings.sort(key=lambda f: (f.start if f.start is not None else -1, f.category))
        result = Result(decision=decide(findings), findings=findings)
        if k == "comment":
            result.action, result.reply_template = inbound.recommend(findings, self.profile)
        return result


def _own(ctx: TextContext, f: Finding) -> bool:
    """A span inside the practice's own name, staff, address or contact is not PHI."""
    assert f.start is not None and f.end is not None
    for phrase in ctx.profile.own_phrases:
        pos = ctx.lower.find(phrase)
        while pos >= 0:
            if pos <= f.start and f.end <= pos + len(phrase):
                return True
            pos = ctx.lower.find(phrase, pos + 1)
    return False


def _resolve(findings: list[Finding]) -> list[Finding]:
    ordered = sorted(
        findings,
        key=lambda f: (-((f.end or 0) - (f.start or 0)), _PRIORITY[f.category], f.start or 0),
    )
    kept: list[Finding] = []
    for f in ordered:
        assert f.start is not None and f.end is not None
        if any(
            k.start is not None and k.end is not None and f.start < k.end and k.start < f.end
            for k in kept
        ):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: f.start or 0)


def default_analyzer(profile: PracticeProfile = DEFAULT_PROFILE, learned: bool = True) -> Analyzer:
    """The recognizers, plus the learned layer unless `learned=False` (rules alone)."""
    return Analyzer(default_recognizers(), profile, learned=LearnedLayer() if learned else None)
