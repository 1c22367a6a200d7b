"""Does a signed authorization cover a proposed use? (contract: check-consent.md)

Every reason that applies is reported, in a fixed order, so that staff fix a release in
one pass instead of discovering defects one at a time. Each reason names its rule ID
through `catalog.rule()`, so a typo in an ID fails the tests instead of citing nothing.
Decisions the contract leaves open are written down in docs/consent.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clearpost.engine.catalog import rule
from clearpost.engine.consent.model import (
    Authorization,
    BodyRegion,
    Identifiability,
    MalformedInput,
    NameShown,
    Relationship,
    Use,
)
from clearpost.engine.consent.templates import MEDIA_WORDS, PLATFORM_WORDS

__all__ = [
    "ADULT_AGE",
    "EXPIRES_SOON_WINDOW",
    "PLACEHOLDER_EVENTS",
    "Reason",
    "Result",
    "age_on",
    "check",
    "expiry_instant",
    "is_placeholder_event",
    "practice_zone",
]

ADULT_AGE = 18
EXPIRES_SOON_WINDOW = timedelta(days=30)

# Normalised (lower case, letters only) expiration events that mean "never expires".
# "until revoked" is here too: revocation is always possible, so it sets no end.
PLACEHOLDER_EVENTS = frozenset(
    {
        "none",
        "never",
        "perpetual",
        "perpetuity",
        "inperpetuity",
        "indefinite",
        "indefinitely",
        "forever",
        "na",
        "no",
        "noexpiration",
        "noexpiry",
        "noexpirationdate",
        "doesnotexpire",
        "willnotexpire",
        "neverexpires",
        "untilrevoked",
        "permanent",
    }
)

_NAME_RANK = {NameShown.NONE: 0, NameShown.FIRST_NAME: 1, NameShown.FULL_NAME: 2}
_NOT_LETTERS = re.compile(r"[^a-z]+")


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding: a fixed code, the rule it rests on, and what a manager should do."""

    code: str
    rule: str
    message: str
    blocking: bool

    def __post_init__(self) -> None:
        rule(self.rule)  # raises UnknownRuleError on an ID that is not in the catalog

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "rule": self.rule, "message": self.message}


@dataclass(frozen=True, slots=True)
class Result:
    covered: bool
    reasons: list[Reason] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"covered": self.covered, "reasons": [r.to_json() for r in self.reasons]}


def practice_zone(name: str) -> ZoneInfo:
    """The practice's time zone; an unknown name is malformed input, never UTC by accident."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: name too long for a path
        raise MalformedInput(
            "practice_tz", f"{name!r} is not a known IANA time zone (e.g. America/New_York)"
        ) from None


def is_placeholder_event(event: str | None) -> bool:
    """True when an expiration event is empty or only says "no expiration" in some words."""
    if event is None:
        return True
    key = _NOT_LETTERS.sub("", event.lower())
    return key == "" or key in PLACEHOLDER_EVENTS


def expiry_instant(expires_on: date, zone: ZoneInfo) -> datetime:
    """First instant after the expiry day: the release covers uses strictly before it."""
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=zone)


def age_on(birth: date, day: date) -> int:
    """Completed years on `day`, counted by birthday.

    A 29 February birthday is reached on 1 March in common years (the later of the two
    conventions, so a leapling stays a minor one day longer: the fail-closed choice).
    """
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _when(instant: datetime, zone: ZoneInfo, tz_name: str) -> str:
    """An instant as the practice's wall clock, which is what staff compare with."""
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M:%S} {tz_name}"


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _all_blank(values: tuple[str, ...]) -> bool:
    return all(not v.strip() for v in values)


def _norm(value: str) -> str:
    return " ".join(value.lower().split())


def _words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def check(authorization: Authorization, use: Use, *, practice_tz: str = "UTC") -> Result:
    """Decide whether `authorization` covers `use`; `covered` only without a blocking reason."""
    zone = practice_zone(practice_tz)
    reasons: list[Reason] = []
    reasons += _validity(authorization, use, zone, practice_tz)
    reasons += _scope(authorization, use)
    reasons += _advice(authorization, use, zone, practice_tz)
    return Result(covered=not any(r.blocking for r in reasons), reasons=reasons)


def _validity(a: Authorization, use: Use, zone: ZoneInfo, tz_name: str) -> list[Reason]:
    out: list[Reason] = []
    signer = a.signer
    el = a.elements

    def block(code: str, rule_id: str, message: str) -> None:
        out.append(Reason(code, rule_id, message, blocking=True))

    if signer.signed_at is None:
        block(
            "NOT_SIGNED",
            "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE",
            "The release has not been signed; ask the patient (or their representative) "
            "to sign and date it before anything is posted.",
        )
    elif _blank(signer.name):
        block(
            "NOT_SIGNED",
            "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE",
            "The release has a signing time but no signer name; record who signed it, "
            "or have it signed again.",
        )
    if signer.signed_at is not None and use.at < signer.signed_at:
        block(
            "USE_BEFORE_SIGNATURE",
            "HIPAA-AUTH-REQUIRED",
            f"The post is dated {_when(use.at, zone, tz_name)}, before the release was "
            f"signed ({_when(signer.signed_at, zone, tz_name)}); a release only covers posts "
            "after signing.",
        )
    if el.expires_on is not None:
        end = expiry_instant(el.expires_on, zone)
        if use.at >= end:
            block(
                "EXPIRED",
                "HIPAA-AUTH-DEFECT-EXPIRED",
                f"The release expired on {el.expires_on.isoformat()} (end of day, {tz_name}); "
                "ask the patient to sign a new one.",
            )
    elif is_placeholder_event(el.expiration_event):
        said = "" if _blank(el.expiration_event) else f' (it says "{el.expiration_event}")'
        block(
            "NO_EXPIRATION",
            "HIPAA-AUTH-ELEMENT-EXPIRY",
            f"The release has no expiration date or event{said}; a marketing release must "
            "end on a date or event. Ask the patient to sign one that does.",
        )
    if a.revoked_at is not None and use.at >= a.revoked_at:
        block(
            "REVOKED",
            "HIPAA-AUTH-DEFECT-REVOKED",
            f"The patient revoked this release on {_when(a.revoked_at, zone, tz_name)}; it "
            "cannot be used for this post. Take down or cancel every post that relies on it.",
        )
    if _blank(el.information_description):
        block(
            "MISSING_DESCRIPTION",
            "HIPAA-AUTH-ELEMENT-DESCRIPTION",
            "The release does not describe which photos, videos or details may be used; "
            "have a complete release signed.",
        )
    if _all_blank(el.disclosers):
        block(
            "MISSING_DISCLOSER",
            "HIPAA-AUTH-ELEMENT-DISCLOSER",
            "The release does not name who may post (the practice, its doctors, its agency); "
            "have a complete release signed.",
        )
    if _blank(el.recipients):
        block(
            "MISSING_RECIPIENT",
            "HIPAA-AUTH-ELEMENT-RECIPIENT",
            "The release does not say who will see the content (for example the public on "
            "Instagram); have a complete release signed.",
        )
    if _all_blank(el.purposes):
        block(
            "MISSING_PURPOSE",
            "HIPAA-AUTH-ELEMENT-PURPOSE",
            "The release does not say what the content is for (for example marketing or "
            "education); have a complete release signed.",
        )
    for flag, code, rule_id, what in (
        (
            el.revocation_statement,
            "MISSING_REVOCATION_STATEMENT",
            "HIPAA-AUTH-STMT-REVOKE",
            "that the patient may revoke it in writing, and how",
        ),
        (
            el.no_conditioning_statement,
            "MISSING_NO_CONDITIONING_STATEMENT",
            "HIPAA-AUTH-STMT-CONDITIONING",
            "that care never depends on signing it",
        ),
        (
            el.redisclosure_statement,
            "MISSING_REDISCLOSURE_STATEMENT",
            "HIPAA-AUTH-STMT-REDISCLOSURE",
            "that others may share posted content and it is then no longer protected",
        ),
    ):
        if not flag:
            block(
                code,
                rule_id,
                f"The release does not tell the patient {what}; "
                "have them sign the current release form.",
            )
    if el.third_party_remuneration and not el.remuneration_statement:
        block(
            "MISSING_REMUNERATION_STATEMENT",
            "HIPAA-AUTH-REMUNERATION",
            "Another company pays for this promotion, but the release does not say so; "
            "have the patient sign a release that states the payment.",
        )
    if not a.standalone_document:
        block(
            "COMPOUND_AUTHORIZATION",
            "HIPAA-AUTH-NO-COMPOUND",
            "The release was part of another form (such as surgical consent or intake); "
            "it must be signed as a separate document.",
        )
    if a.treatment_conditioned_on_signing:
        block(
            "CONDITIONED_ON_TREATMENT",
            "HIPAA-AUTH-NO-CONDITIONING",
            "Care was made to depend on signing the release, which makes it invalid; "
            "the patient must be free to refuse, and re-sign only if they choose to.",
        )
    out += _signer_authority(a)
    return out


def _signer_authority(a: Authorization) -> list[Reason]:
    """SIGNER_NOT_AUTHORIZED: who may sign depends on the patient's state on the signing day."""
    out: list[Reason] = []
    signer = a.signer
    rel = signer.relationship

    def block(rule_id: str, message: str) -> None:
        out.append(Reason("SIGNER_NOT_AUTHORIZED", rule_id, message, blocking=True))

    if rel is not Relationship.SELF and _blank(signer.authority_description):
        block(
            "HIPAA-AUTH-ELEMENT-REP-AUTHORITY",
            f"The release was signed by the patient's {rel.value.replace('_', ' ')} but does "
            "not describe their authority to act for the patient; record it (for example "
            "the guardianship or executor document).",
        )
    if signer.signed_at is None:
        return out  # the rest needs the signing date
    # The signing date is the calendar day on the signer's own clock (the offset recorded
    # with the signature), which is the date written on the form.
    signed_on = signer.signed_at.date()
    death = a.patient.date_of_death
    deceased = death is not None and death <= signed_on
    if deceased and rel is not Relationship.EXECUTOR:
        block(
            "HIPAA-PR-DECEASED",
            f"The patient had died ({death}) when the release was signed on {signed_on}; "
            "only the executor or administrator of the estate can sign for them.",
        )
    if not deceased and rel is Relationship.EXECUTOR:
        block(
            "HIPAA-PR-DECEASED",
            f"An executor signed on {signed_on}, but the patient was alive then; an executor "
            "has no authority while the patient lives. Ask the patient to sign.",
        )
    if deceased:
        return out
    age = age_on(a.patient.birth_date, signed_on)
    if age < ADULT_AGE and rel is Relationship.SELF:
        block(
            "HIPAA-PR-MINOR",
            f"The patient was {max(age, 0)} when they signed on {signed_on}; a parent or "
            "guardian must sign for a minor.",
        )
    if age >= ADULT_AGE and rel is Relationship.PARENT:
        block(
            "HIPAA-PR-ADULT",
            f"A parent signed on {signed_on}, but the patient was already an adult ({age}); "
            "the patient must sign, or a guardian with legal authority.",
        )
    return out


def _scope(a: Authorization, use: Use) -> list[Reason]:
    out: list[Reason] = []
    scope = a.scope

    def block(code: str, message: str, rule_id: str = "HIPAA-AUTH-SCOPE-MATCH") -> None:
        out.append(Reason(code, rule_id, message, blocking=True))

    if use.platform not in scope.platforms:
        block(
            "PLATFORM_NOT_COVERED",
            f"The release does not allow posting on {PLATFORM_WORDS[use.platform]}; post "
            "only where the patient agreed, or ask them to sign a release that includes it.",
        )
    if use.media_type not in scope.media_types:
        block(
            "MEDIA_TYPE_NOT_COVERED",
            f"The release does not allow {MEDIA_WORDS[use.media_type]}; "
            "use only the kinds of media the patient agreed to.",
        )
    if use.shows_face and scope.identifiability is not Identifiability.FACE_VISIBLE:
        block(
            "FACE_NOT_AUTHORIZED",
            "The post shows the patient's recognisable face, but the release allows only "
            f"{scope.identifiability.value.replace('_', ' ')} content; hide the face or ask "
            "for a release that allows it.",
            "HIPAA-DEID-FULL-FACE",
        )
    allowed = (
        NameShown.NONE if scope.identifiability is Identifiability.DEIDENTIFIED else scope.name
    )
    if _NAME_RANK[use.name_shown] > _NAME_RANK[allowed]:
        why = (
            "the release is for de-identified content, which allows no name"
            if scope.identifiability is Identifiability.DEIDENTIFIED
            and scope.name is not NameShown.NONE
            else f"the release allows {allowed.value.replace('_', ' ')}"
        )
        block(
            "NAME_NOT_AUTHORIZED",
            f"The post shows the patient's {use.name_shown.value.replace('_', ' ')}, but {why}; "
            "remove the name.",
        )
    if BodyRegion.ANY not in scope.body_regions:
        extra = [r.value for r in use.body_regions if r not in scope.body_regions]
        if extra:
            block(
                "BODY_REGION_NOT_COVERED",
                f"The release does not cover the {_words(sorted(set(extra)))} area(s) shown; "
                "crop or hide them, or ask for a release that includes them.",
            )
    if _norm(use.purpose) not in {_norm(p) for p in a.elements.purposes if p.strip()}:
        block(
            "PURPOSE_NOT_COVERED",
            f'The release does not allow use for "{use.purpose}"; use it only for the purposes '
            "the patient agreed to.",
        )
    if use.paid_promotion and not scope.paid_promotion:
        block(
            "PAID_PROMOTION_NOT_COVERED",
            "The release does not allow paid ads or boosted posts; post it without paying to "
            "promote it, or ask for a release that allows it.",
        )
    return out


def _advice(a: Authorization, use: Use, zone: ZoneInfo, tz_name: str) -> list[Reason]:
    out: list[Reason] = []
    el = a.elements

    def advise(code: str, rule_id: str, message: str) -> None:
        out.append(Reason(code, rule_id, message, blocking=False))

    if not el.permanence_statement:
        advise(
            "MISSING_PERMANENCE_STATEMENT",
            "ASPS-SM-CONSENT",
            "The release does not tell the patient that copies may never be fully removed "
            "once online; use the current release form next time.",
        )
    signed = a.signer.signed_at
    if signed is not None:  # skipped when unsigned: it needs the signing date
        day = signed.date()
        death = a.patient.date_of_death
        alive = death is None or death > day
        minor = age_on(a.patient.birth_date, day) < ADULT_AGE
        representative = a.signer.relationship is not Relationship.SELF
        if alive and minor and representative and a.minor_assent is not True:
            advise(
                "MINOR_ASSENT_MISSING",
                "HIPAA-PR-MINOR",
                "A representative signed for a minor, but the minor's own agreement is not "
                "recorded; ask the patient too, and record their answer.",
            )
    if el.expires_on is not None:
        end = expiry_instant(el.expires_on, zone)
        if use.at < end <= use.at + EXPIRES_SOON_WINDOW:
            advise(
                "EXPIRES_SOON",
                "HIPAA-AUTH-DEFECT-EXPIRED",
                f"The release expires on {el.expires_on.isoformat()} (end of day, {tz_name}), "
                "within 30 days; ask the patient whether they want to renew it.",
            )
    if el.copy_given_at is None:
        advise(
            "COPY_NOT_GIVEN",
            "HIPAA-AUTH-COPY",
            "No copy of the signed release is recorded as given to the patient; send them one "
            "and record when.",
        )
    if not _blank(a.scope.patient_compensation):
        advise(
            "PATIENT_COMPENSATED",
            "FTC-MC-DISCLOSE",
            f"The patient received something for this ({a.scope.patient_compensation}); the "
            "post must say so clearly (for example: 'Patient received a discount').",
        )
    return out
