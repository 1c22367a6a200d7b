from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearpost.engine.consent.check import check
from clearpost.engine.consent.model import (
    BodyRegion,
    Identifiability,
    MalformedInput,
    Platform,
    Relationship,
    parse_authorization,
    parse_case,
    parse_use,
)
from clearpost.engine.consent.tests.cases import DELETE, base_case, with_changes


def test_base_case_parses_to_typed_values() -> None:
    authorization, use = parse_case(base_case())
    assert authorization.signer.relationship is Relationship.SELF
    assert authorization.signer.signed_at == datetime(
        2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=-5))
    )
    assert authorization.elements.expires_on == date(2027, 3, 1)
    assert authorization.scope.platforms == (Platform.INSTAGRAM, Platform.WEBSITE)
    assert authorization.scope.identifiability is Identifiability.FACE_MASKED
    assert use.body_regions == (BodyRegion.ABDOMEN,)
    assert use.at == datetime(2026, 4, 1, 12, tzinfo=UTC)


# (changes, field path named in the error, words in the message)
MALFORMED: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "absent expiry",
        {"authorization.elements.expires_on": DELETE},
        "authorization.elements.expires_on",
        "absent",
    ),
    (
        "expiry wrong type",
        {"authorization.elements.expires_on": 20270301},
        "authorization.elements.expires_on",
        "expected a date YYYY-MM-DD or null",
    ),
    (
        "expiry not a date",
        {"authorization.elements.expires_on": "2027-02-30"},
        "authorization.elements.expires_on",
        "not a real calendar date",
    ),
    (
        "expiry US format",
        {"authorization.elements.expires_on": "03/01/2027"},
        "authorization.elements.expires_on",
        "YYYY-MM-DD",
    ),
    ("naive use.at", {"use.at": "2026-04-01T12:00:00"}, "use.at", "no UTC offset"),
    (
        "naive signed_at",
        {"authorization.signer.signed_at": "2026-03-01 10:00"},
        "authorization.signer.signed_at",
        "no UTC offset",
    ),
    ("hour-only offset", {"use.at": "2026-04-01T12:00:00+05"}, "use.at", "ISO 8601 timestamp"),
    ("hour 24", {"use.at": "2026-04-01T24:00:00Z"}, "use.at", "not a real date and time"),
    ("date as timestamp", {"use.at": "2026-04-01"}, "use.at", "ISO 8601 timestamp"),
    (
        "offset out of range",
        {"use.at": "2026-04-01T12:00:00+25:00"},
        "use.at",
        "not a real date and time",
    ),
    (
        "bad enum relationship",
        {"authorization.signer.relationship": "friend"},
        "authorization.signer.relationship",
        "'friend'",
    ),
    ("bad enum platform", {"use.platform": "myspace"}, "use.platform", "expected one of"),
    (
        "bad platform in list",
        {"authorization.scope.platforms": ["instagram", "Instagram"]},
        "authorization.scope.platforms[1]",
        "expected one of",
    ),
    (
        "bool as string",
        {"authorization.standalone_document": "true"},
        "authorization.standalone_document",
        "true or false",
    ),
    ("bool as number", {"use.shows_face": 1}, "use.shows_face", "got a number"),
    (
        "list not string",
        {"authorization.elements.disclosers": "Dr. Smith"},
        "authorization.elements.disclosers",
        "list of strings",
    ),
    (
        "list item wrong",
        {"authorization.elements.purposes": ["marketing", None]},
        "authorization.elements.purposes[1]",
        "got null",
    ),
    (
        "string as null",
        {"authorization.elements.recipients": None},
        "authorization.elements.recipients",
        "got null",
    ),
    (
        "object wrong",
        {"authorization.patient": "Jane"},
        "authorization.patient",
        "expected an object",
    ),
    (
        "absent minor_assent",
        {"authorization.minor_assent": DELETE},
        "authorization.minor_assent",
        "absent",
    ),
    (
        "minor_assent wrong",
        {"authorization.minor_assent": "yes"},
        "authorization.minor_assent",
        "true, false or null",
    ),
    ("absent use", {"use": DELETE}, "use", "absent"),
    ("absent authorization", {"authorization": DELETE}, "authorization", "absent"),
    (
        "absent revoked_at",
        {"authorization.revoked_at": DELETE},
        "authorization.revoked_at",
        "absent",
    ),
    ("absent id", {"authorization.id": DELETE}, "authorization.id", "absent"),
    ("body region bad", {"use.body_regions": ["elbow"]}, "use.body_regions[0]", "'elbow'"),
    (
        "compensation number",
        {"authorization.scope.patient_compensation": 20},
        "authorization.scope.patient_compensation",
        "a string or null",
    ),
]


@pytest.mark.parametrize(
    ("changes", "path", "words"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_input_names_the_field(changes: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(MalformedInput) as err:
        parse_case(with_changes(changes))
    assert err.value.field_path == path
    assert words in str(err.value)
    assert str(err.value).startswith(path + ": ")


@pytest.mark.parametrize("root", [[], "x", None, 3])
def test_non_object_root(root: object) -> None:
    with pytest.raises(MalformedInput):
        parse_case(root)
    with pytest.raises(MalformedInput):
        parse_authorization(root)
    with pytest.raises(MalformedInput):
        parse_use(root)


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-04-01T12:00:00Z",
        "2026-04-01T12:00:00+14:00",
        "2026-04-01T12:00:00.123456-12:00",
        "2026-04-01 12:00+0530",
    ],
)
def test_offset_timestamps_accepted(stamp: str) -> None:
    use = parse_use(with_changes({"use.at": stamp})["use"])
    assert use.at.tzinfo is not None


def test_empty_values_are_well_formed() -> None:
    authorization = parse_authorization(
        with_changes(
            {
                "authorization.elements.information_description": "",
                "authorization.elements.disclosers": [],
                "authorization.elements.purposes": [],
                "authorization.scope.platforms": [],
            }
        )["authorization"]
    )
    assert authorization.elements.disclosers == ()


def _leaf_paths(node: object, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, f"{prefix}{k}.")]
    return [prefix.rstrip(".")]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_PATHS = _leaf_paths(base_case())


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(_PATHS), value=_JSON)
def test_any_json_in_any_field_is_decided_or_malformed_never_a_crash(
    path: str, value: object
) -> None:
    case = with_changes({path: value})
    try:
        authorization, use = parse_case(case)
    except MalformedInput as exc:
        assert exc.field_path.startswith(path.split(".")[0])
        return
    result = check(authorization, use)
    assert result.covered is not any(r.blocking for r in result.reasons)
