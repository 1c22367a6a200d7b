"""Lint a release TEMPLATE (the plain-language text a practice edits) before patients sign it.

A signed release can only be as good as its template: a missing revoke clause makes
every release signed on it defective (HIPAA-AUTH-DEFECT-INCOMPLETE). So each required
element and statement is a small, injectable `Check` carrying its rule ID, how it
detects the statement and why it matters. Detection is by phrase patterns and
synonyms, and by `{{placeholders}}` that the app fills from the release scope.

Why hand-written phrase patterns and not a library: no maintained library knows the
HIPAA 164.508 / ASPS / CRFA clause vocabulary; general NLP (spaCy, transformers) would
need models we cannot ship for this size of problem and would be harder to explain to a
privacy officer than a readable list of phrases. Readability uses `textstat`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from clearpost.engine.catalog import rule

__all__ = [
    "DEFAULT_CHECKS",
    "MAX_TEMPLATE_CHARS",
    "Check",
    "ForbiddenClause",
    "LintFinding",
    "LintResult",
    "Readability",
    "RequiredStatement",
    "Severity",
    "TemplateText",
    "lint_template",
]

MAX_TEMPLATE_CHARS = 200_000
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _fk_grade(text: str) -> float:
    """Flesch-Kincaid grade with syllables from Pyphen's bundled en_US hyphenation data.

    textstat counts English syllables with NLTK's CMU dictionary, which it *downloads* on
    first use; nothing may touch the network at run time. A private `textstatistics`
    with the locale spelled "en-US" makes textstat skip the CMU lookup (its language root
    is not "en") while Pyphen still resolves "en-US" to its en_US dictionary.
    Imported here because textstat loads NLTK (seconds): `check-consent` without
    `--lint-template` must not pay for it.
    """
    from textstat.textstat import textstatistics

    stats = textstatistics()
    stats.set_lang("en-US")
    return float(stats.flesch_kincaid_grade(text))


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class LintFinding:
    rule: str
    severity: Severity
    message: str
    excerpt: str = ""

    def __post_init__(self) -> None:
        rule(self.rule)

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True, slots=True)
class LintResult:
    usable: bool
    findings: list[LintFinding] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"usable": self.usable, "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class TemplateText:
    """The template prepared once for all checks.

    `prose` is the text with Markdown markup removed, placeholders replaced by a neutral
    marker and whitespace collapsed, so patterns need not care about line breaks; every
    pattern is matched case-insensitively and excerpts keep the author's casing.
    """

    raw: str
    prose: str
    placeholders: frozenset[str]
    third_party_remuneration: bool

    @classmethod
    def of(cls, text: str, *, third_party_remuneration: bool = False) -> TemplateText:
        # Placeholder names must not satisfy phrase patterns ({{revocation_link}} is not a
        # revoke statement), so the prose carries a neutral marker in their place.
        prose = PLACEHOLDER_RE.sub(" … ", text)
        prose = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", prose)  # [label](url) -> label
        prose = re.sub(r"[#*>`|]+|_{2,}", " ", prose)
        prose = " ".join(prose.split())
        names = frozenset(m.group(1).lower() for m in PLACEHOLDER_RE.finditer(text))
        return cls(text, prose, names, third_party_remuneration)


class Check(Protocol):
    """One thing a template must (or must not) say, with its rule and explanation."""

    @property
    def rule(self) -> str: ...

    @property
    def explanation(self) -> str: ...

    def run(self, template: TemplateText) -> list[LintFinding]: ...


def _excerpt(prose: str, start: int, end: int, width: int = 40) -> str:
    a = max(0, start - width)
    b = min(len(prose), end + width)
    return ("…" if a else "") + prose[a:b].strip() + ("…" if b < len(prose) else "")


@dataclass(frozen=True, slots=True)
class RequiredStatement:
    """Present when a listed placeholder appears, or when every phrase group matches.

    `groups` is a conjunction of alternatives: each group is a list of regexes of which
    one must match (e.g. "revoke" AND "in writing"); placeholders stand for text the app
    fills, so their presence satisfies the whole statement.
    """

    rule: str
    name: str
    explanation: str
    groups: tuple[tuple[str, ...], ...]
    placeholders: tuple[str, ...] = ()
    severity: Severity = Severity.BLOCKING
    only_when_remunerated: bool = False

    def run(self, template: TemplateText) -> list[LintFinding]:
        if self.only_when_remunerated and not template.third_party_remuneration:
            return []
        if any(p in template.placeholders for p in self.placeholders):
            return []
        if all(
            any(re.search(p, template.prose, re.IGNORECASE) for p in group) for group in self.groups
        ):
            return []
        hint = (
            f" (or the placeholder {', '.join('{{' + p + '}}' for p in self.placeholders)})"
            if self.placeholders
            else ""
        )
        return [
            LintFinding(
                self.rule,
                self.severity,
                f"Missing: {self.name}{hint}. {self.explanation}",
            )
        ]


@dataclass(frozen=True, slots=True)
class ForbiddenClause:
    """A clause that must not appear; every occurrence is reported with its excerpt."""

    rule: str
    name: str
    explanation: str
    patterns: tuple[str, ...]
    severity: Severity = Severity.BLOCKING

    def run(self, template: TemplateText) -> list[LintFinding]:
        out: list[LintFinding] = []
        for pattern in self.patterns:
            for m in re.finditer(pattern, template.prose, re.IGNORECASE):
                out.append(
                    LintFinding(
                        self.rule,
                        self.severity,
                        f"Remove: {self.name}. {self.explanation}",
                        _excerpt(template.prose, m.start(), m.end()),
                    )
                )
        return out


@dataclass(frozen=True, slots=True)
class Readability:
    """Flesch-Kincaid grade of the template's prose (placeholders read as one short word).

    Above `warn_above` is a warning (HHS plain-language practice is grade 8 or lower);
    above `block_above` the form is not usable: a grade-12+ text is not "plain language"
    under 164.508(c)(3) for the general public.
    """

    rule: str = "HIPAA-AUTH-PLAIN-LANGUAGE"
    explanation: str = "A release must be in plain language (164.508(c)(3))."
    warn_above: float = 8.0
    block_above: float = 12.0

    def grade(self, template: TemplateText) -> float:
        text = PLACEHOLDER_RE.sub("these", template.raw)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = re.sub(r"[#*_>`|]+", " ", text)
        text = re.sub(r"_{2,}", " ", text)
        # Headings and list items without a full stop would merge into one long sentence.
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        text = " ".join(ln if ln[-1] in ".!?:" else ln + "." for ln in lines)
        return float(_fk_grade(text))

    def run(self, template: TemplateText) -> list[LintFinding]:
        if not re.search(r"[a-z]", template.prose, re.IGNORECASE):
            return [LintFinding(self.rule, Severity.BLOCKING, "The template has no text.")]
        try:
            grade = self.grade(template)
        except Exception as exc:  # fail closed: an unmeasured text is not known to be plain
            return [
                LintFinding(
                    self.rule,
                    Severity.BLOCKING,
                    f"The reading grade could not be measured ({type(exc).__name__}); "
                    "ask the lead to check the textstat installation.",
                )
            ]
        if grade > self.block_above:
            sev = Severity.BLOCKING
        elif grade > self.warn_above:
            sev = Severity.WARNING
        else:
            return []
        return [
            LintFinding(
                self.rule,
                sev,
                f"Reading grade {grade:.1f} is above {self.warn_above:g}"
                + (
                    f" (over {self.block_above:g} is not usable)"
                    if sev is Severity.BLOCKING
                    else ""
                )
                + "; use shorter sentences and everyday words.",
            )
        ]


_PLATFORM_WORDS = r"\b(instagram|facebook|tiktok|youtube|linkedin|twitter|x\.com|our website|web ?site|social media)\b"

DEFAULT_CHECKS: tuple[Check, ...] = (
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-DESCRIPTION",
        "what will be used (photos, videos, words, which body areas)",
        "The patient must know exactly what information is used.",
        ((r"\b(photo|photograph|picture|image|video|recording|story|testimonial)s?\b",),),
        ("media_types", "body_regions"),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-DISCLOSER",
        "who will post (the practice, its doctors or agency)",
        "The release must name who may use and share the content.",
        (
            (
                r"\b(practice|clinic|office|surgeon|doctor|dr\.?|staff|agency|spa|cent(er|re)|"
                r"med(ical)?|aesthetics?|surgery|dermatology|group|llc|inc|pllc)\b"
                r"[^.]{0,60}\b(may|will|can|to)\b[^.]{0,40}\b(use|post|share|publish)",
                r"\bauthori[sz]e\b[^.]{0,80}\bto (use|disclose|post|share|publish)\b",
            ),
        ),
        ("practice_name",),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-RECIPIENT",
        "who will see it (the public, on which channels)",
        "The release must say who receives the content.",
        ((_PLATFORM_WORDS, r"\b(the public|anyone|everyone|public)\b"),),
        ("platforms",),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-PURPOSE",
        "what the content is for (marketing, education...)",
        "Each purpose must be described.",
        ((r"\b(purpose|marketing|advertis\w*|promot\w*|educat\w*)\b",),),
        ("purposes",),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-EXPIRY",
        "when the release ends (a date or event)",
        "A marketing release needs a real expiration date or event.",
        ((r"\b(expires?|expiration|expiry|ends? on|end date|lasts? until|valid until)\b",),),
        ("expiry",),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE",
        "a place for the signature and the date",
        "The release must be signed and dated.",
        ((r"\bsign(ature|ed)?\b",), (r"\bdate\b",)),
        ("signature",),
    ),
    RequiredStatement(
        "HIPAA-AUTH-ELEMENT-REP-AUTHORITY",
        "for a representative: their authority to sign for the patient",
        "When a parent, guardian or executor signs, the form must describe their authority.",
        (
            (
                r"\b(parent|guardian|representative|executor|on behalf of|for someone else|"
                r"for the patient|for another person)\b",
            ),
            (r"\b(authority|relationship|legal right|right to (act|sign)|legal power)\b",),
        ),
    ),
    RequiredStatement(
        "HIPAA-AUTH-STMT-REVOKE",
        "the right to revoke (take back) the release in writing",
        "The patient must be told they can revoke at any time.",
        ((r"\b(revoke|revocation|withdraw|cancel|take (it )?back|change your mind)\b",),),
    ),
    RequiredStatement(
        "HIPAA-AUTH-STMT-REVOKE",
        "how to revoke (a link, e-mail address or written request)",
        "Saying that a release can be revoked is not enough; say how (164.508(c)(2)(i)(A)).",
        (
            (
                r"https?://",
                r"[\w.+-]+@[\w-]+\.[\w.]+",
                r"\b(e-?mail|write to|letter|portal|link|in writing)\b",
            ),
        ),
        ("revocation_link", "revocation_email"),
    ),
    RequiredStatement(
        "HIPAA-AUTH-STMT-CONDITIONING",
        "that care never depends on signing",
        "Treatment or payment may not depend on signing (164.508(c)(2)(ii)); refusing "
        "must not affect care (ASPS-SM-CONSENT).",
        (
            (
                r"\b(care|treatment|payment|services?)\b[^.]{0,80}\b(not|never|no)\b"
                r"[^.]{0,40}\b(depend|condition|affect|change)",
                r"\b(not|never|don't|do not)\b[^.]{0,20}\b(have|need|required) to\b"
                r"[^.]{0,20}\bsign\b",
                r"\b(saying no|refus\w*|not signing)\b[^.]{0,60}\b(not|never|won't)\b"
                r"[^.]{0,30}\b(affect|change)",
            ),
        ),
    ),
    RequiredStatement(
        "HIPAA-AUTH-STMT-REDISCLOSURE",
        "that others may share what is posted, and it is then no longer protected",
        "Recipients can redisclose; privacy law may then no longer protect it.",
        (
            (
                r"\b(others|anyone|people|viewers|the public)\b[^.]{0,60}\b(share|copy|save|"
                r"download|screenshot|repost)",
                r"\bno longer (be )?protected\b",
            ),
        ),
    ),
    RequiredStatement(
        "HIPAA-AUTH-REMUNERATION",
        "that a third party pays the practice for this promotion",
        "When a company whose product is promoted pays, the release must say so "
        "(164.508(a)(3)(ii)).",
        (
            (r"\b(pays?|paid|payment|remuneration|money|funds?)\b",),
            (r"\b(company|companies|maker|manufacturer|third party|sponsor|brand)\b",),
        ),
        ("remuneration",),
        only_when_remunerated=True,
    ),
    RequiredStatement(
        "ASPS-SM-CONSENT",
        "that copies may never be fully removed once online",
        "Patients must know that posting is effectively permanent.",
        (
            (
                r"\b(never|not|cannot|can't|may not)\b[^.]{0,40}\b(be )?(fully |completely |"
                r"totally )?(removed?|deleted?|erased?|recall(ed)?|taken down)\b",
                r"\b(stay|remain)s? online\b",
                r"\bpermanent(ly)?\b",
            ),
        ),
    ),
    RequiredStatement(
        "ASPS-SM-CONSENT",
        "which platforms the content may appear on",
        "The social-media consent literature asks that each platform be named.",
        ((_PLATFORM_WORDS,),),
        ("platforms",),
    ),
    RequiredStatement(
        "ASPS-SM-CONSENT",
        "whether the patient can be recognised (face shown or hidden, name or not)",
        "Identifiable and de-identified use must be distinguished.",
        (
            (
                r"\b(de-?identified|identifiable|recogni[sz]\w*)\b",
                r"\bface\b[^.]{0,40}\b(hidden|shown|covered|masked|visible|blurred)\b",
            ),
        ),
        ("identifiability",),
    ),
    RequiredStatement(
        "ASPS-SM-CONSENT",
        "whether the patient is paid or gets anything for this",
        "Any compensation must be stated (and then disclosed in posts, FTC-MC-DISCLOSE).",
        (
            (
                r"\b(compensat\w*|discounts?|gifts?|rewards?)\b",
                r"\b(you|patients?)\b[^.]{0,40}\b(paid|money|free)\b",
            ),
        ),
        ("compensation",),
    ),
    ForbiddenClause(
        "CRFA-NO-GAG",
        "a clause restricting reviews",
        "A form contract may not restrict honest reviews, penalise reviewers or take rights "
        "in reviews (Consumer Review Fairness Act).",
        (
            r"\bnon-?disparage\w*",
            r"\bdisparag\w*",
            r"\b(not|never|refrain from)\b[^.]{0,60}\b(post|write|leave|publish|share)\b"
            r"[^.]{0,40}\breviews?\b",
            r"\breviews?\b[^.]{0,80}\b(copyright|intellectual property|assign\w*|owned by)\b",
            r"\b(penalt\w*|fine|fee|charge[ds]?)\b[^.]{0,60}\breviews?\b",
        ),
    ),
    ForbiddenClause(
        "HIPAA-AUTH-STMT-REVOKE",
        "a release that cannot be revoked",
        "The patient may revoke at any time in writing (164.508(b)(5)); 'irrevocable' "
        "contradicts the required revoke statement.",
        (
            r"\birrevocabl[ey]\b",
            r"\b(cannot|can't|can ?not|may not|will not be able to)\s+(be\s+)?"
            r"(revoked?|withdrawn|withdraw|cancel(led)?)\b",
        ),
    ),
    ForbiddenClause(
        "HIPAA-AUTH-ELEMENT-EXPIRY",
        "a release that never ends",
        "A marketing release needs a real end; 'never expires' or 'perpetual' is a defect.",
        (
            r"\b(release|authori[sz]ation|permission|consent|this form)\b[^.]{0,40}"
            r"\b(never (expires?|ends?)|(does not|doesn't|will not|won't) (expire|end)|"
            r"is (perpetual|permanent|indefinite)|lasts? forever|has no (end|expiration|expiry))",
            r"\bno (expiration|expiry|end) date\b",
            r"\b(in perpetuity|perpetual)\b",
        ),
    ),
    Readability(),
)


def lint_template(
    text: str,
    *,
    third_party_remuneration: bool = False,
    checks: Sequence[Check] = DEFAULT_CHECKS,
) -> LintResult:
    """Run every check; the template is usable only without a blocking finding."""
    if len(text) > MAX_TEMPLATE_CHARS:
        finding = LintFinding(
            "HIPAA-AUTH-PLAIN-LANGUAGE",
            Severity.BLOCKING,
            f"The template is {len(text)} characters, over the {MAX_TEMPLATE_CHARS} limit; "
            "a release patients can read is far shorter.",
        )
        return LintResult(False, [finding])
    template = TemplateText.of(text, third_party_remuneration=third_party_remuneration)
    findings = [f for c in checks for f in c.run(template)]
    return LintResult(not any(f.severity is Severity.BLOCKING for f in findings), findings)
