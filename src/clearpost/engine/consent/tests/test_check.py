from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clearpost.engine.catalog import rule
from clearpost.engine.consent.check import (
    Reason,
    Result,
    age_on,
    check,
    expiry_instant,
    is_placeholder_event,
)
from clearpost.engine.consent.model import MalformedInput, parse_case
from clearpost.engine.consent.tests.cases import base_case, with_changes

A = "authorization"
E = "authorization.elements"
S = "authorization.scope"
G = "authorization.signer"
P = "authorization.patient"

BLOCKING = {
    "NOT_SIGNED",
    "USE_BEFORE_SIGNATURE",
    "EXPIRED",
    "NO_EXPIRATION",
    "REVOKED",
    "MISSING_DESCRIPTION",
    "MISSING_DISCLOSER",
    "MISSING_RECIPIENT",
    "MISSING_PURPOSE",
    "MISSING_REVOCATION_STATEMENT",
    "MISSING_NO_CONDITIONING_STATEMENT",
    "MISSING_REDISCLOSURE_STATEMENT",
    "MISSING_REMUNERATION_STATEMENT",
    "COMPOUND_AUTHORIZATION",
    "CONDITIONED_ON_TREATMENT",
    "SIGNER_NOT_AUTHORIZED",
    "PLATFORM_NOT_COVERED",
    "MEDIA_TYPE_NOT_COVERED",
    "FACE_NOT_AUTHORIZED",
    "NAME_NOT_AUTHORIZED",
    "BODY_REGION_NOT_COVERED",
    "PURPOSE_NOT_COVERED",
    "PAID_PROMOTION_NOT_COVERED",
}
ADVICE = {
    "MISSING_PERMANENCE_STATEMENT",
    "MINOR_ASSENT_MISSING",
    "EXPIRES_SOON",
    "COPY_NOT_GIVEN",
    "PATIENT_COMPENSATED",
}


def run(changes: dict[str, Any], tz: str = "UTC") -> Result:
    authorization, use = parse_case(with_changes(changes))
    return check(authorization, use, practice_tz=tz)


def codes(result: Result) -> set[str]:
    return {r.code for r in result.reasons}


def test_base_case_is_covered_with_no_reasons() -> None:
    result = run({})
    assert result.covered
    assert result.reasons == []


# (id, changes, code expected, rule expected)
POSITIVE: list[tuple[str, dict[str, Any], str, str]] = [
    ("unsigned", {f"{G}.signed_at": None}, "NOT_SIGNED", "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE"),
    ("blank signer name", {f"{G}.name": "  "}, "NOT_SIGNED", "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE"),
    (
        "use before signature",
        {"use.at": "2026-03-01T14:59:59Z"},
        "USE_BEFORE_SIGNATURE",
        "HIPAA-AUTH-REQUIRED",
    ),
    ("expired", {"use.at": "2027-03-02T00:00:00Z"}, "EXPIRED", "HIPAA-AUTH-DEFECT-EXPIRED"),
    (
        "no expiry at all",
        {f"{E}.expires_on": None, f"{E}.expiration_event": None},
        "NO_EXPIRATION",
        "HIPAA-AUTH-ELEMENT-EXPIRY",
    ),
    (
        "placeholder event",
        {f"{E}.expires_on": None, f"{E}.expiration_event": " Never "},
        "NO_EXPIRATION",
        "HIPAA-AUTH-ELEMENT-EXPIRY",
    ),
    (
        "revoked",
        {f"{A}.revoked_at": "2026-03-15T00:00:00Z"},
        "REVOKED",
        "HIPAA-AUTH-DEFECT-REVOKED",
    ),
    (
        "blank description",
        {f"{E}.information_description": " \t"},
        "MISSING_DESCRIPTION",
        "HIPAA-AUTH-ELEMENT-DESCRIPTION",
    ),
    ("no disclosers", {f"{E}.disclosers": []}, "MISSING_DISCLOSER", "HIPAA-AUTH-ELEMENT-DISCLOSER"),
    (
        "blank disclosers",
        {f"{E}.disclosers": ["", " "]},
        "MISSING_DISCLOSER",
        "HIPAA-AUTH-ELEMENT-DISCLOSER",
    ),
    ("no recipients", {f"{E}.recipients": ""}, "MISSING_RECIPIENT", "HIPAA-AUTH-ELEMENT-RECIPIENT"),
    ("no purposes", {f"{E}.purposes": []}, "MISSING_PURPOSE", "HIPAA-AUTH-ELEMENT-PURPOSE"),
    (
        "no revoke statement",
        {f"{E}.revocation_statement": False},
        "MISSING_REVOCATION_STATEMENT",
        "HIPAA-AUTH-STMT-REVOKE",
    ),
    (
        "no conditioning statement",
        {f"{E}.no_conditioning_statement": False},
        "MISSING_NO_CONDITIONING_STATEMENT",
        "HIPAA-AUTH-STMT-CONDITIONING",
    ),
    (
        "no redisclosure statement",
        {f"{E}.redisclosure_statement": False},
        "MISSING_REDISCLOSURE_STATEMENT",
        "HIPAA-AUTH-STMT-REDISCLOSURE",
    ),
    (
        "remuneration not stated",
        {f"{E}.third_party_remuneration": True, f"{E}.remuneration_statement": False},
        "MISSING_REMUNERATION_STATEMENT",
        "HIPAA-AUTH-REMUNERATION",
    ),
    (
        "bundled with surgical consent",
        {f"{A}.standalone_document": False},
        "COMPOUND_AUTHORIZATION",
        "HIPAA-AUTH-NO-COMPOUND",
    ),
    (
        "care conditioned",
        {f"{A}.treatment_conditioned_on_signing": True},
        "CONDITIONED_ON_TREATMENT",
        "HIPAA-AUTH-NO-CONDITIONING",
    ),
    (
        "minor signed alone",
        {f"{P}.birth_date": "2010-01-01"},
        "SIGNER_NOT_AUTHORIZED",
        "HIPAA-PR-MINOR",
    ),
    (
        "guardian without authority",
        {f"{G}.relationship": "guardian", f"{G}.authority_description": " "},
        "SIGNER_NOT_AUTHORIZED",
        "HIPAA-AUTH-ELEMENT-REP-AUTHORITY",
    ),
    (
        "deceased, signed by parent",
        {
            f"{P}.date_of_death": "2026-02-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
        },
        "SIGNER_NOT_AUTHORIZED",
        "HIPAA-PR-DECEASED",
    ),
    (
        "executor for a living patient",
        {f"{G}.relationship": "executor", f"{G}.authority_description": "will"},
        "SIGNER_NOT_AUTHORIZED",
        "HIPAA-PR-DECEASED",
    ),
    (
        "parent for an adult",
        {f"{G}.relationship": "parent", f"{G}.authority_description": "mother"},
        "SIGNER_NOT_AUTHORIZED",
        "HIPAA-PR-ADULT",
    ),
    ("platform", {"use.platform": "tiktok"}, "PLATFORM_NOT_COVERED", "HIPAA-AUTH-SCOPE-MATCH"),
    ("media type", {"use.media_type": "audio"}, "MEDIA_TYPE_NOT_COVERED", "HIPAA-AUTH-SCOPE-MATCH"),
    (
        "face shown, masked scope",
        {"use.shows_face": True},
        "FACE_NOT_AUTHORIZED",
        "HIPAA-DEID-FULL-FACE",
    ),
    (
        "face shown, deidentified scope",
        {"use.shows_face": True, f"{S}.identifiability": "deidentified"},
        "FACE_NOT_AUTHORIZED",
        "HIPAA-DEID-FULL-FACE",
    ),
    ("full name", {"use.name_shown": "full_name"}, "NAME_NOT_AUTHORIZED", "HIPAA-AUTH-SCOPE-MATCH"),
    (
        "deidentified allows no name",
        {
            "use.name_shown": "first_name",
            f"{S}.identifiability": "deidentified",
            f"{S}.name": "full_name",
        },
        "NAME_NOT_AUTHORIZED",
        "HIPAA-AUTH-SCOPE-MATCH",
    ),
    (
        "body region",
        {"use.body_regions": ["abdomen", "breast"]},
        "BODY_REGION_NOT_COVERED",
        "HIPAA-AUTH-SCOPE-MATCH",
    ),
    ("purpose", {"use.purpose": "research"}, "PURPOSE_NOT_COVERED", "HIPAA-AUTH-SCOPE-MATCH"),
    ("paid", {"use.paid_promotion": True}, "PAID_PROMOTION_NOT_COVERED", "HIPAA-AUTH-SCOPE-MATCH"),
    (
        "no permanence statement",
        {f"{E}.permanence_statement": False},
        "MISSING_PERMANENCE_STATEMENT",
        "ASPS-SM-CONSENT",
    ),
    (
        "parent signed for minor, no assent",
        {
            f"{P}.birth_date": "2010-01-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
        },
        "MINOR_ASSENT_MISSING",
        "HIPAA-PR-MINOR",
    ),
    (
        "parent signed for minor, assent refused",
        {
            f"{P}.birth_date": "2010-01-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
            f"{A}.minor_assent": False,
        },
        "MINOR_ASSENT_MISSING",
        "HIPAA-PR-MINOR",
    ),
    (
        "expires soon",
        {"use.at": "2027-02-15T00:00:00Z"},
        "EXPIRES_SOON",
        "HIPAA-AUTH-DEFECT-EXPIRED",
    ),
    ("no copy", {f"{E}.copy_given_at": None}, "COPY_NOT_GIVEN", "HIPAA-AUTH-COPY"),
    (
        "compensated",
        {f"{S}.patient_compensation": "20% discount"},
        "PATIENT_COMPENSATED",
        "FTC-MC-DISCLOSE",
    ),
]


@pytest.mark.parametrize(
    ("changes", "code", "rule_id"), [c[1:] for c in POSITIVE], ids=[c[0] for c in POSITIVE]
)
def test_reason_is_reported(changes: dict[str, Any], code: str, rule_id: str) -> None:
    result = run(changes)
    matching = [r for r in result.reasons if r.code == code]
    assert matching, f"{code} not in {codes(result)}"
    assert rule_id in {r.rule for r in matching}
    assert all(r.blocking is (code in BLOCKING) for r in matching)
    assert result.covered is not (code in BLOCKING)
    for r in matching:
        assert r.message.strip()
        rule(r.rule)


def test_every_contract_code_has_a_positive_case() -> None:
    assert {c[2] for c in POSITIVE} == BLOCKING | ADVICE


# (id, changes, code that must NOT be reported)
NEGATIVE: list[tuple[str, dict[str, Any], str]] = [
    ("signed", {}, "NOT_SIGNED"),
    ("use exactly at signature", {"use.at": "2026-03-01T15:00:00Z"}, "USE_BEFORE_SIGNATURE"),
    ("unsigned skips before-signature", {f"{G}.signed_at": None}, "USE_BEFORE_SIGNATURE"),
    ("last second of expiry day", {"use.at": "2027-03-01T23:59:59Z"}, "EXPIRED"),
    (
        "event without date never expires",
        {
            f"{E}.expires_on": None,
            f"{E}.expiration_event": "end of the ad campaign",
            "use.at": "2099-01-01T00:00:00Z",
        },
        "EXPIRED",
    ),
    (
        "real expiration event",
        {f"{E}.expires_on": None, f"{E}.expiration_event": "end of the ad campaign"},
        "NO_EXPIRATION",
    ),
    ("date and placeholder event", {f"{E}.expiration_event": "none"}, "NO_EXPIRATION"),
    ("use one second before revocation", {f"{A}.revoked_at": "2026-04-01T12:00:01Z"}, "REVOKED"),
    ("description present", {}, "MISSING_DESCRIPTION"),
    (
        "one real discloser among blanks",
        {f"{E}.disclosers": ["", "Dr. Smith"]},
        "MISSING_DISCLOSER",
    ),
    ("recipients present", {}, "MISSING_RECIPIENT"),
    ("purposes present", {}, "MISSING_PURPOSE"),
    ("revoke statement present", {}, "MISSING_REVOCATION_STATEMENT"),
    ("conditioning statement present", {}, "MISSING_NO_CONDITIONING_STATEMENT"),
    ("redisclosure statement present", {}, "MISSING_REDISCLOSURE_STATEMENT"),
    (
        "no third-party payment, no statement needed",
        {f"{E}.remuneration_statement": False},
        "MISSING_REMUNERATION_STATEMENT",
    ),
    (
        "remuneration stated",
        {f"{E}.third_party_remuneration": True, f"{E}.remuneration_statement": True},
        "MISSING_REMUNERATION_STATEMENT",
    ),
    ("standalone", {}, "COMPOUND_AUTHORIZATION"),
    ("not conditioned", {}, "CONDITIONED_ON_TREATMENT"),
    ("adult self", {}, "SIGNER_NOT_AUTHORIZED"),
    (
        "parent for minor with authority",
        {
            f"{P}.birth_date": "2010-01-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
        },
        "SIGNER_NOT_AUTHORIZED",
    ),
    (
        "guardian for adult with authority",
        {f"{G}.relationship": "guardian", f"{G}.authority_description": "court order 123"},
        "SIGNER_NOT_AUTHORIZED",
    ),
    (
        "executor for deceased",
        {
            f"{P}.date_of_death": "2026-02-01",
            f"{G}.relationship": "executor",
            f"{G}.authority_description": "letters testamentary",
        },
        "SIGNER_NOT_AUTHORIZED",
    ),
    ("signed then died", {f"{P}.date_of_death": "2026-03-02"}, "SIGNER_NOT_AUTHORIZED"),
    ("platform covered", {"use.platform": "website"}, "PLATFORM_NOT_COVERED"),
    ("media covered", {"use.media_type": "video"}, "MEDIA_TYPE_NOT_COVERED"),
    (
        "face visible scope",
        {"use.shows_face": True, f"{S}.identifiability": "face_visible"},
        "FACE_NOT_AUTHORIZED",
    ),
    (
        "face region is anatomy",
        {"use.body_regions": ["face"], f"{S}.identifiability": "deidentified"},
        "FACE_NOT_AUTHORIZED",
    ),
    (
        "first name within full-name scope",
        {"use.name_shown": "first_name", f"{S}.name": "full_name"},
        "NAME_NOT_AUTHORIZED",
    ),
    ("no name in deidentified", {f"{S}.identifiability": "deidentified"}, "NAME_NOT_AUTHORIZED"),
    (
        "any covers all",
        {"use.body_regions": ["genitals", "breast"], f"{S}.body_regions": ["any"]},
        "BODY_REGION_NOT_COVERED",
    ),
    ("no body region shown", {"use.body_regions": []}, "BODY_REGION_NOT_COVERED"),
    ("purpose case and spaces", {"use.purpose": " Marketing "}, "PURPOSE_NOT_COVERED"),
    (
        "paid allowed",
        {"use.paid_promotion": True, f"{S}.paid_promotion": True},
        "PAID_PROMOTION_NOT_COVERED",
    ),
    ("permanence present", {}, "MISSING_PERMANENCE_STATEMENT"),
    (
        "assent given",
        {
            f"{P}.birth_date": "2010-01-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
            f"{A}.minor_assent": True,
        },
        "MINOR_ASSENT_MISSING",
    ),
    ("adult self, no assent needed", {}, "MINOR_ASSENT_MISSING"),
    (
        "unsigned skips assent",
        {
            f"{P}.birth_date": "2010-01-01",
            f"{G}.relationship": "parent",
            f"{G}.authority_description": "mother",
            f"{G}.signed_at": None,
        },
        "MINOR_ASSENT_MISSING",
    ),
    ("31 days left", {"use.at": "2027-01-30T00:00:00Z"}, "EXPIRES_SOON"),
    ("expired is not soon", {"use.at": "2027-03-05T00:00:00Z"}, "EXPIRES_SOON"),
    ("copy given", {}, "COPY_NOT_GIVEN"),
    ("blank compensation", {f"{S}.patient_compensation": "  "}, "PATIENT_COMPENSATED"),
]


@pytest.mark.parametrize(
    ("changes", "code"), [c[1:] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE]
)
def test_reason_is_not_reported(changes: dict[str, Any], code: str) -> None:
    assert code not in codes(run(changes))


def test_every_contract_code_has_a_negative_case() -> None:
    assert {c[2] for c in NEGATIVE} == BLOCKING | ADVICE


# Instants with offsets; expiry 2027-03-01 inclusive through end of day in the practice tz.
@pytest.mark.parametrize(
    ("tz", "at", "expired"),
    [
        ("UTC", "2027-03-01T23:59:59Z", False),
        ("UTC", "2027-03-01T23:59:59.999999Z", False),
        ("UTC", "2027-03-02T00:00:00Z", True),
        ("America/New_York", "2027-03-01T23:59:59-05:00", False),
        ("America/New_York", "2027-03-02T00:00:00-05:00", True),
        ("America/New_York", "2027-03-02T04:59:59Z", False),
        ("America/New_York", "2027-03-02T05:00:00Z", True),
        # +14:00 is 2027-03-01T09:59:59Z: well inside the New York day.
        ("America/New_York", "2027-03-01T23:59:59+14:00", False),
        # -12:00: 2027-03-01T12:00-12:00 is 2027-03-02T00:00Z, i.e. 19:00 in New York.
        ("America/New_York", "2027-03-01T12:00:00-12:00", False),
        ("UTC", "2027-03-01T12:00:00-12:00", True),
        ("Pacific/Kiritimati", "2027-03-01T23:59:59+14:00", False),
        ("Pacific/Kiritimati", "2027-03-02T00:00:00+14:00", True),
        ("Pacific/Kiritimati", "2027-03-01T10:00:00Z", True),
        ("Etc/GMT+12", "2027-03-02T11:59:59Z", False),
        ("Etc/GMT+12", "2027-03-02T12:00:00Z", True),
    ],
)
def test_expiry_boundary_in_practice_time_zone(tz: str, at: str, expired: bool) -> None:
    result = run({"use.at": at}, tz=tz)
    assert ("EXPIRED" in codes(result)) is expired
    if expired:
        msg = next(r.message for r in result.reasons if r.code == "EXPIRED")
        assert "2027-03-01" in msg and tz in msg


@pytest.mark.parametrize(
    ("revoked_at", "use_at", "revoked"),
    [
        ("2026-04-01T12:00:00Z", "2026-04-01T12:00:00Z", True),  # exactly at revocation
        ("2026-04-01T08:00:00-04:00", "2026-04-01T12:00:00Z", True),  # same instant, offset
        ("2026-04-01T12:00:01Z", "2026-04-01T12:00:00Z", False),  # one second before
        ("2026-04-01T23:00:00+14:00", "2026-04-01T12:00:00Z", True),  # earlier instant
        ("2026-04-01T00:00:00-12:00", "2026-04-01T12:00:00Z", True),  # same instant, -12:00
        ("2026-04-01T00:00:01-12:00", "2026-04-01T12:00:00Z", False),  # one second later
    ],
)
def test_revocation_instant(revoked_at: str, use_at: str, revoked: bool) -> None:
    result = run({f"{A}.revoked_at": revoked_at, "use.at": use_at})
    assert ("REVOKED" in codes(result)) is revoked


@pytest.mark.parametrize(
    ("signed_at", "use_at", "before"),
    [
        ("2026-03-01T10:00:00-05:00", "2026-03-01T14:59:59Z", True),
        ("2026-03-01T10:00:00-05:00", "2026-03-01T15:00:00Z", False),
        ("2026-03-01T10:00:00-05:00", "2026-03-01T16:00:00+01:00", False),
        ("2026-03-01T10:00:00-05:00", "2026-03-01T15:59:59+01:00", True),
    ],
)
def test_use_before_signature(signed_at: str, use_at: str, before: bool) -> None:
    result = run({f"{G}.signed_at": signed_at, "use.at": use_at})
    assert ("USE_BEFORE_SIGNATURE" in codes(result)) is before


# Signed 2026-03-01 (signer's own clock). Birth dates around the 18th birthday.
@pytest.mark.parametrize(
    ("birth", "signed_at", "minor"),
    [
        ("2008-03-02", "2026-03-01T10:00:00-05:00", True),  # 17 years 364 days
        ("2008-03-01", "2026-03-01T10:00:00-05:00", False),  # 18th birthday exactly
        ("2008-02-29", "2026-02-28T10:00:00-05:00", True),  # leapling, common year: not yet
        ("2008-02-29", "2026-03-01T10:00:00-05:00", False),  # leapling: 18 on 1 March
        ("2012-02-29", "2030-02-28T10:00:00Z", True),
        # The signer's own date governs: 23:30 on 28 Feb local is 1 March in UTC.
        ("2008-03-01", "2026-02-28T23:30:00-05:00", True),
    ],
)
def test_minor_by_birthday_on_signing_date(birth: str, signed_at: str, minor: bool) -> None:
    changes = {
        f"{P}.birth_date": birth,
        f"{G}.signed_at": signed_at,
        "use.at": "2031-01-01T00:00:00Z",
        f"{E}.expires_on": "2032-01-01",
    }
    result = run(changes)
    assert (
        any(
            r.rule == "HIPAA-PR-MINOR" and r.code == "SIGNER_NOT_AUTHORIZED" for r in result.reasons
        )
        is minor
    )


def test_parent_signed_release_stays_valid_after_majority() -> None:
    changes = {
        f"{P}.birth_date": "2010-01-01",
        f"{G}.relationship": "parent",
        f"{G}.authority_description": "mother",
        f"{A}.minor_assent": True,
        f"{E}.expires_on": "2030-01-01",
        "use.at": "2029-06-01T00:00:00Z",  # patient is 19
    }
    result = run(changes)
    assert result.covered, codes(result)


@pytest.mark.parametrize(
    ("death", "relationship", "blocked"),
    [
        ("2026-02-28", "self", True),  # died before signing: impossible self-signature
        ("2026-03-01", "self", True),  # died on the signing date
        ("2026-03-02", "self", False),  # signed, died later: stays valid
        ("2026-03-01", "executor", False),
        ("2026-02-28", "personal_representative", True),
        ("2026-03-02", "executor", True),  # executor while the patient lived
    ],
)
def test_deceased_patient_needs_executor(death: str, relationship: str, blocked: bool) -> None:
    changes = {
        f"{P}.date_of_death": death,
        f"{G}.relationship": relationship,
        f"{G}.authority_description": None if relationship == "self" else "court letters",
    }
    result = run(changes)
    decided = [r for r in result.reasons if r.rule == "HIPAA-PR-DECEASED"]
    assert bool(decided) is blocked


@pytest.mark.parametrize(
    ("event", "placeholder"),
    [
        (None, True),
        ("", True),
        ("   ", True),
        ("none", True),
        ("NONE", True),
        (" Never ", True),
        ("perpetual", True),
        ("In-definite", True),
        ("indefinite", True),
        ("No expiration", True),
        ("until revoked", True),
        ("N/A", True),
        ("end of the 2026 campaign", False),
        ("patient's 18th birthday", False),
        ("never mind the campaign ends", False),
    ],
)
def test_placeholder_events(event: str | None, placeholder: bool) -> None:
    assert is_placeholder_event(event) is placeholder
    result = run({f"{E}.expires_on": None, f"{E}.expiration_event": event})
    assert ("NO_EXPIRATION" in codes(result)) is placeholder
    assert "EXPIRED" not in codes(result)


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2000, 12, 31), date(2018, 12, 30), 17),
        (date(2000, 12, 31), date(2018, 12, 31), 18),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


def test_every_reason_reported_none_hides_another() -> None:
    case = {
        f"{A}.revoked_at": "2027-01-01T00:00:00Z",
        "use.at": "2027-06-01T00:00:00Z",
        "use.platform": "tiktok",
        "use.shows_face": True,
        f"{E}.permanence_statement": False,
        f"{E}.copy_given_at": None,
        f"{A}.standalone_document": False,
    }
    got = codes(run(case))
    assert {
        "REVOKED",
        "EXPIRED",
        "PLATFORM_NOT_COVERED",
        "FACE_NOT_AUTHORIZED",
        "MISSING_PERMANENCE_STATEMENT",
        "COPY_NOT_GIVEN",
        "COMPOUND_AUTHORIZATION",
    } <= got


def test_unsigned_release_skips_signing_time_checks_but_reports_the_rest() -> None:
    case = {
        f"{G}.signed_at": None,
        f"{P}.birth_date": "2015-01-01",
        f"{E}.recipients": "",
        "use.at": "2020-01-01T00:00:00Z",
    }
    got = codes(run(case))
    assert "NOT_SIGNED" in got and "MISSING_RECIPIENT" in got
    assert "USE_BEFORE_SIGNATURE" not in got
    assert "SIGNER_NOT_AUTHORIZED" not in got


def test_advice_alone_keeps_covered() -> None:
    result = run(
        {
            f"{E}.permanence_statement": False,
            f"{E}.copy_given_at": None,
            f"{S}.patient_compensation": "free peel",
            "use.at": "2027-02-20T00:00:00Z",
        }
    )
    assert result.covered
    assert codes(result) == {
        "MISSING_PERMANENCE_STATEMENT",
        "COPY_NOT_GIVEN",
        "PATIENT_COMPENSATED",
        "EXPIRES_SOON",
    }
    assert all(not r.blocking for r in result.reasons)


@pytest.mark.parametrize(
    ("end_gap", "soon"),
    [
        ("2027-01-30T00:00:00Z", True),  # exactly 30 days before the end instant
        ("2027-01-30T00:00:01Z", True),
        ("2027-01-29T23:59:59Z", False),  # 30 days and 1 second
    ],
)
def test_expires_soon_window(end_gap: str, soon: bool) -> None:
    # expires_on 2027-02-28 (UTC): the end instant is 2027-03-01T00:00Z.
    result = run({f"{E}.expires_on": "2027-02-28", "use.at": end_gap})
    assert ("EXPIRES_SOON" in codes(result)) is soon


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd", "UTC\x00", "a" * 5000, "UTC "])
def test_unknown_practice_time_zone_is_malformed(tz: str) -> None:
    authorization, use = parse_case(base_case())
    with pytest.raises(MalformedInput) as err:
        check(authorization, use, practice_tz=tz)
    assert err.value.field_path == "practice_tz"


def test_reason_rejects_unknown_rule_id() -> None:
    with pytest.raises(KeyError):
        Reason("EXPIRED", "NO-SUCH-RULE", "x", True)


def test_messages_show_instants_on_the_practice_clock() -> None:
    result = run(
        {"authorization.revoked_at": "2026-03-20T04:30:00Z", "use.at": "2026-03-01T14:00:00Z"},
        tz="America/New_York",
    )
    messages = {r.code: r.message for r in result.reasons}
    assert "2026-03-01 09:00:00 America/New_York" in messages["USE_BEFORE_SIGNATURE"]
    assert "2026-03-01 10:00:00 America/New_York" in messages["USE_BEFORE_SIGNATURE"]
    assert "REVOKED" not in messages
    later = run({"authorization.revoked_at": "2026-03-20T04:30:00Z"}, tz="America/New_York")
    revoked = next(r.message for r in later.reasons if r.code == "REVOKED")
    assert "2026-03-20 00:30:00 America/New_York" in revoked


def test_result_json_matches_contract() -> None:
    result = run({f"{E}.copy_given_at": None})
    assert result.to_json() == {
        "covered": True,
        "reasons": [
            {
                "code": "COPY_NOT_GIVEN",
                "rule": "HIPAA-AUTH-COPY",
                "message": result.reasons[0].message,
            }
        ],
    }


@pytest.mark.parametrize(
    "tz",
    [
        "America/Santiago",
        "America/Havana",
        "Asia/Beirut",
        "America/New_York",
        "Australia/Lord_Howe",
    ],
)
def test_expiry_instant_is_first_instant_of_next_local_day_across_dst(tz: str) -> None:
    # Santiago, Havana and Beirut change clocks at midnight: the next day may start at 01:00.
    zone = ZoneInfo(tz)
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        end = expiry_instant(day, zone)
        assert end.astimezone(zone).date() == day + timedelta(days=1)
        assert (end - timedelta(microseconds=1)).astimezone(zone).date() == day
        day += timedelta(days=1)
