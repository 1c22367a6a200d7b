"""The signed authorization (media release) and a proposed use, as plain data.

The parser is strict on purpose: a release is legal evidence, so a field that is absent
or of the wrong type is never guessed at or defaulted. It raises `MalformedInput`
naming the exact field, and the caller (CLI, app) turns that into an actionable error.
A field that is *present but empty* (`""`, blanks, `[]`, `false`) is well-formed input;
`check()` reports it as a missing element, because that is a defect of the release and
not of the data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NoReturn, TypeVar

__all__ = [
    "Authorization",
    "BodyRegion",
    "Elements",
    "Identifiability",
    "MalformedInput",
    "MediaType",
    "NameShown",
    "Patient",
    "Platform",
    "Relationship",
    "Scope",
    "Signer",
    "SigningMethod",
    "Use",
    "parse_authorization",
    "parse_case",
    "parse_use",
]


class MalformedInput(ValueError):
    """Input that does not follow the contract; `field_path` says where, for the fix."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field_path = field_path
        self.message = message


class Relationship(StrEnum):
    SELF = "self"
    PARENT = "parent"
    GUARDIAN = "guardian"
    PERSONAL_REPRESENTATIVE = "personal_representative"
    EXECUTOR = "executor"


class SigningMethod(StrEnum):
    DRAWN = "drawn"
    TYPED = "typed"
    WET_INK_SCAN = "wet_ink_scan"


class Platform(StrEnum):
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    X = "x"
    LINKEDIN = "linkedin"
    WEBSITE = "website"
    PRINT = "print"
    EMAIL = "email"


class MediaType(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    TESTIMONIAL_TEXT = "testimonial_text"
    TESTIMONIAL_VIDEO = "testimonial_video"
    AUDIO = "audio"


class Identifiability(StrEnum):
    DEIDENTIFIED = "deidentified"
    FACE_MASKED = "face_masked"
    FACE_VISIBLE = "face_visible"


class NameShown(StrEnum):
    NONE = "none"
    FIRST_NAME = "first_name"
    FULL_NAME = "full_name"


class BodyRegion(StrEnum):
    FACE = "face"
    NECK = "neck"
    BREAST = "breast"
    ABDOMEN = "abdomen"
    BUTTOCKS = "buttocks"
    ARMS = "arms"
    LEGS = "legs"
    HANDS = "hands"
    BACK = "back"
    GENITALS = "genitals"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Patient:
    birth_date: date
    date_of_death: date | None


@dataclass(frozen=True, slots=True)
class Signer:
    relationship: Relationship
    name: str
    authority_description: str | None
    signed_at: datetime | None
    method: SigningMethod


@dataclass(frozen=True, slots=True)
class Elements:
    information_description: str
    disclosers: tuple[str, ...]
    recipients: str
    purposes: tuple[str, ...]
    expires_on: date | None
    expiration_event: str | None
    revocation_statement: bool
    no_conditioning_statement: bool
    redisclosure_statement: bool
    permanence_statement: bool
    third_party_remuneration: bool
    remuneration_statement: bool
    copy_given_at: datetime | None


@dataclass(frozen=True, slots=True)
class Scope:
    platforms: tuple[Platform, ...]
    media_types: tuple[MediaType, ...]
    identifiability: Identifiability
    name: NameShown
    body_regions: tuple[BodyRegion, ...]
    paid_promotion: bool
    patient_compensation: str | None


@dataclass(frozen=True, slots=True)
class Authorization:
    id: str
    patient: Patient
    signer: Signer
    minor_assent: bool | None
    standalone_document: bool
    treatment_conditioned_on_signing: bool
    elements: Elements
    scope: Scope
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Use:
    platform: Platform
    media_type: MediaType
    shows_face: bool
    name_shown: NameShown
    body_regions: tuple[BodyRegion, ...]
    purpose: str
    paid_promotion: bool
    at: datetime


# --- strict field readers -------------------------------------------------------------

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# ISO 8601 date, 'T' or space, time with optional fraction, then Z or +hh:mm / -hh:mm.
_TS_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
    r"(?P<offset>Z|z|[+-]\d{2}:?\d{2})?"
)

_E = TypeVar("_E", bound=StrEnum)


def _get(obj: Mapping[str, object], key: str, path: str) -> object:
    if key not in obj:
        raise MalformedInput(f"{path}.{key}", "required field is absent")
    return obj[key]


def _obj(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise MalformedInput(path, f"expected an object, got {_kind(value)}")
    for key in value:
        if not isinstance(key, str):  # pragma: no cover - JSON keys are always strings
            raise MalformedInput(path, "object keys must be strings")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _str(value: object, path: str, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        _fail(path, "a string" + (" or null" if nullable else ""), value)
    return value


def _req_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "a string", value)
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "true or false", value)
    return value


def _opt_bool(value: object, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        _fail(path, "true, false or null", value)
    return value


def _str_list(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        _fail(path, "a list of strings", value)
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            _fail(f"{path}[{i}]", "a string", item)
        out.append(item)
    return tuple(out)


def _allowed(cls: type[StrEnum]) -> str:
    return ", ".join(repr(m.value) for m in cls)


def _enum(cls: type[_E], value: object, path: str) -> _E:
    if not isinstance(value, str):
        _fail(path, f"one of {_allowed(cls)}", value)
    try:
        return cls(value)
    except ValueError:
        raise MalformedInput(path, f"expected one of {_allowed(cls)}, got {value!r}") from None


def _enum_list(cls: type[_E], value: object, path: str) -> tuple[_E, ...]:
    if not isinstance(value, list):
        _fail(path, "a list", value)
    return tuple(_enum(cls, item, f"{path}[{i}]") for i, item in enumerate(value))


def _date(value: object, path: str, *, nullable: bool) -> date | None:
    expected = "a date YYYY-MM-DD" + (" or null" if nullable else "")
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        _fail(path, expected, value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedInput(path, f"{value!r} is not a real calendar date") from None


def _req_date(value: object, path: str) -> date:
    parsed = _date(value, path, nullable=False)
    assert parsed is not None
    return parsed


def _timestamp(value: object, path: str, *, nullable: bool) -> datetime | None:
    expected = "an ISO 8601 timestamp with a UTC offset, e.g. 2026-03-01T10:00:00-05:00" + (
        " or null" if nullable else ""
    )
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        _fail(path, expected, value)
    match = _TS_RE.fullmatch(value)
    if match is None:
        raise MalformedInput(path, f"expected {expected}, got {value!r}")
    if match.group("offset") is None:
        raise MalformedInput(
            path,
            f"{value!r} has no UTC offset; a timestamp without one is ambiguous "
            "(add Z or e.g. -05:00)",
        )
    try:
        parsed = datetime.fromisoformat(value[:-1] + "Z" if value.endswith("z") else value)
    except ValueError:
        raise MalformedInput(path, f"{value!r} is not a real date and time") from None
    return parsed


def _req_timestamp(value: object, path: str) -> datetime:
    parsed = _timestamp(value, path, nullable=False)
    assert parsed is not None
    return parsed


def _fail(path: str, expected: str, value: object) -> NoReturn:
    raise MalformedInput(path, f"expected {expected}, got {_kind(value)}")


# --- public parsers -------------------------------------------------------------------


def parse_authorization(obj: object, path: str = "authorization") -> Authorization:
    """Build an `Authorization` from decoded JSON, or raise `MalformedInput`."""
    a = _obj(obj, path)
    p = _obj(_get(a, "patient", path), f"{path}.patient")
    pp = f"{path}.patient"
    patient = Patient(
        birth_date=_req_date(_get(p, "birth_date", pp), f"{pp}.birth_date"),
        date_of_death=_date(_get(p, "date_of_death", pp), f"{pp}.date_of_death", nullable=True),
    )
    sp = f"{path}.signer"
    s = _obj(_get(a, "signer", path), sp)
    signer = Signer(
        relationship=_enum(Relationship, _get(s, "relationship", sp), f"{sp}.relationship"),
        name=_req_str(_get(s, "name", sp), f"{sp}.name"),
        authority_description=_str(
            _get(s, "authority_description", sp), f"{sp}.authority_description", nullable=True
        ),
        signed_at=_timestamp(_get(s, "signed_at", sp), f"{sp}.signed_at", nullable=True),
        method=_enum(SigningMethod, _get(s, "method", sp), f"{sp}.method"),
    )
    ep = f"{path}.elements"
    e = _obj(_get(a, "elements", path), ep)

    def eb(key: str) -> bool:
        return _bool(_get(e, key, ep), f"{ep}.{key}")

    elements = Elements(
        information_description=_req_str(
            _get(e, "information_description", ep), f"{ep}.information_description"
        ),
        disclosers=_str_list(_get(e, "disclosers", ep), f"{ep}.disclosers"),
        recipients=_req_str(_get(e, "recipients", ep), f"{ep}.recipients"),
        purposes=_str_list(_get(e, "purposes", ep), f"{ep}.purposes"),
        expires_on=_date(_get(e, "expires_on", ep), f"{ep}.expires_on", nullable=True),
        expiration_event=_str(
            _get(e, "expiration_event", ep), f"{ep}.expiration_event", nullable=True
        ),
        revocation_statement=eb("revocation_statement"),
        no_conditioning_statement=eb("no_conditioning_statement"),
        redisclosure_statement=eb("redisclosure_statement"),
        permanence_statement=eb("permanence_statement"),
        third_party_remuneration=eb("third_party_remuneration"),
        remuneration_statement=eb("remuneration_statement"),
        copy_given_at=_timestamp(
            _get(e, "copy_given_at", ep), f"{ep}.copy_given_at", nullable=True
        ),
    )
    cp = f"{path}.scope"
    c = _obj(_get(a, "scope", path), cp)
    scope = Scope(
        platforms=_enum_list(Platform, _get(c, "platforms", cp), f"{cp}.platforms"),
        media_types=_enum_list(MediaType, _get(c, "media_types", cp), f"{cp}.media_types"),
        identifiability=_enum(
            Identifiability, _get(c, "identifiability", cp), f"{cp}.identifiability"
        ),
        name=_enum(NameShown, _get(c, "name", cp), f"{cp}.name"),
        body_regions=_enum_list(BodyRegion, _get(c, "body_regions", cp), f"{cp}.body_regions"),
        paid_promotion=_bool(_get(c, "paid_promotion", cp), f"{cp}.paid_promotion"),
        patient_compensation=_str(
            _get(c, "patient_compensation", cp), f"{cp}.patient_compensation", nullable=True
        ),
    )
    return Authorization(
        id=_req_str(_get(a, "id", path), f"{path}.id"),
        patient=patient,
        signer=signer,
        minor_assent=_opt_bool(_get(a, "minor_assent", path), f"{path}.minor_assent"),
        standalone_document=_bool(
            _get(a, "standalone_document", path), f"{path}.standalone_document"
        ),
        treatment_conditioned_on_signing=_bool(
            _get(a, "treatment_conditioned_on_signing", path),
            f"{path}.treatment_conditioned_on_signing",
        ),
        elements=elements,
        scope=scope,
        revoked_at=_timestamp(_get(a, "revoked_at", path), f"{path}.revoked_at", nullable=True),
    )


def parse_use(obj: object, path: str = "use") -> Use:
    """Build a `Use` from decoded JSON, or raise `MalformedInput`."""
    u = _obj(obj, path)
    return Use(
        platform=_enum(Platform, _get(u, "platform", path), f"{path}.platform"),
        media_type=_enum(MediaType, _get(u, "media_type", path), f"{path}.media_type"),
        shows_face=_bool(_get(u, "shows_face", path), f"{path}.shows_face"),
        name_shown=_enum(NameShown, _get(u, "name_shown", path), f"{path}.name_shown"),
        body_regions=_enum_list(BodyRegion, _get(u, "body_regions", path), f"{path}.body_regions"),
        purpose=_req_str(_get(u, "purpose", path), f"{path}.purpose"),
        paid_promotion=_bool(_get(u, "paid_promotion", path), f"{path}.paid_promotion"),
        at=_req_timestamp(_get(u, "at", path), f"{path}.at"),
    )


def parse_case(obj: object) -> tuple[Authorization, Use]:
    """Parse the contract's input document `{"authorization": ..., "use": ...}`."""
    root = _obj(obj, "input")
    if "authorization" not in root:
        raise MalformedInput("authorization", "required field is absent")
    if "use" not in root:
        raise MalformedInput("use", "required field is absent")
    return parse_authorization(root["authorization"]), parse_use(root["use"])
