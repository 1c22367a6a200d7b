"""Who may sign, what a signature image must be, and what signing records."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from clearpost.app.accounts.models import User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import actions
from clearpost.app.authorizations.models import Authorization, Status, content_hash
from clearpost.app.authorizations.signature import SignatureError, decode_data_url, validate_png
from clearpost.app.authorizations.tests.conftest import scope, signature_png, signed_by
from clearpost.app.patients.models import Identity, Patient
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 15)


def born(years_before: int, days: int = 0) -> dt.date:
    return D.replace(year=D.year - years_before) + dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("birth", "death", "relationship", "authority", "assent", "errors"),
    [
        pytest.param(born(30), None, "self", "", None, set(), id="adult-self"),
        pytest.param(born(30), None, "parent", "mother", None, {"relationship"}, id="adult-parent"),
        pytest.param(
            born(30),
            None,
            "guardian",
            "",
            None,
            {"authority_description"},
            id="guardian-no-authority",
        ),
        pytest.param(
            born(30), None, "guardian", "court order 2024-17", None, set(), id="adult-guardian"
        ),
        pytest.param(
            born(16), None, "self", "", None, {"relationship", "minor_assent"}, id="minor-self"
        ),
        pytest.param(
            born(16), None, "parent", "mother with custody", True, set(), id="minor-parent-assent"
        ),
        pytest.param(
            born(16),
            None,
            "parent",
            "mother with custody",
            False,
            set(),
            id="minor-assent-refused-recorded",
        ),
        pytest.param(
            born(16),
            None,
            "parent",
            "mother with custody",
            None,
            {"minor_assent"},
            id="minor-assent-missing",
        ),
        pytest.param(
            born(16),
            None,
            "parent",
            "",
            True,
            {"authority_description"},
            id="minor-parent-no-authority",
        ),
        pytest.param(born(18), None, "self", "", None, set(), id="18th-birthday-is-adult"),
        pytest.param(
            born(18, 1),
            None,
            "self",
            "",
            None,
            {"relationship", "minor_assent"},
            id="day-before-18-is-minor",
        ),
        pytest.param(born(18, 1), None, "parent", "father", True, set(), id="day-before-18-parent"),
        pytest.param(born(70), D, "self", "", None, {"relationship"}, id="died-on-signing-day"),
        pytest.param(
            born(70),
            D,
            "executor",
            "executor of the estate",
            None,
            set(),
            id="executor-for-deceased",
        ),
        pytest.param(
            born(70), D, "executor", "", None, {"authority_description"}, id="executor-no-authority"
        ),
        pytest.param(
            born(70), D + dt.timedelta(days=1), "self", "", None, set(), id="dies-after-signing"
        ),
        pytest.param(
            born(70),
            None,
            "executor",
            "executor",
            None,
            {"relationship"},
            id="executor-while-alive",
        ),
        pytest.param(
            born(16),
            D - dt.timedelta(days=3),
            "executor",
            "administrator",
            None,
            set(),
            id="deceased-minor-executor",
        ),
        pytest.param(
            born(30), None, "cousin", "", None, {"relationship"}, id="unknown-relationship"
        ),
    ],
)
def test_who_may_sign(
    birth: dt.date,
    death: dt.date | None,
    relationship: str,
    authority: str,
    assent: bool | None,
    errors: set[str],
) -> None:
    identity = Identity("Pat Doe", birth, "", death)
    signature = signed_by(relationship, authority=authority, assent=assent)
    assert set(actions.signer_problems(signature, identity, D)) == errors


@pytest.mark.parametrize("name", ["", " ", "x", "y" * 201])
def test_typed_name_is_required(name: str) -> None:
    problems = actions.signer_problems(signed_by(name=name), Identity("P D", born(30), "", None), D)
    assert "typed_name" in problems


def _png(size: tuple[int, int], mode: str = "RGBA", colour: object = (255, 255, 255, 0)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, "PNG")  # type: ignore[arg-type]
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 100), "black").save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "PNG", id="empty"),
        pytest.param(_jpeg(), "PNG", id="jpeg"),
        pytest.param(b"GIF89a" + b"\0" * 100, "PNG", id="gif-bytes"),
        pytest.param(_png((400, 150)), "empty", id="blank-transparent"),
        pytest.param(_png((400, 150), "RGB", "white"), "empty", id="blank-white"),
        pytest.param(_png((4000, 150)), "most allowed", id="too-wide"),
        pytest.param(_png((50, 20)), "too small", id="too-small"),
        pytest.param(signature_png()[:200], "damaged", id="truncated"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\xff" * 600_000, "larger than", id="oversized"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "damaged", id="magic-then-garbage"),
    ],
)
def test_bad_signature_images_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        validate_png(data)


def test_a_drawn_signature_passes() -> None:
    png = signature_png()
    assert validate_png(png) == png


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "sign in the box"),
        ("data:image/jpeg;base64,AAAA", "PNG image"),
        ("javascript:alert(1)", "PNG image"),
        ("data:image/png;base64,***not base64***", "damaged"),
        ("data:image/png;base64," + "A" * 800_000, "larger than"),
    ],
)
def test_bad_data_urls(value: str, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        decode_data_url(value)


def _today(practice: Practice) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(practice.time_zone)).date()


@pytest.mark.parametrize(
    ("age_years", "relationship", "authority", "assent", "expected_assent"),
    [
        (35, "self", "", None, None),
        (12, "parent", "mother with custody", True, True),
        (12, "guardian", "court-appointed guardian", False, False),
    ],
)
def test_signing_records_signer_and_assent(
    practice: Practice,
    staff: User,
    make_patient: Callable[..., Patient],
    make_signed: Callable[..., actions.SignResult],
    age_years: int,
    relationship: str,
    authority: str,
    assent: bool | None,
    expected_assent: bool | None,
) -> None:
    today = _today(practice)
    patient = make_patient(
        staff, birth=today.replace(year=today.year - age_years) - dt.timedelta(days=2)
    )
    result = make_signed(patient, signed_by(relationship, "Alex Doe", authority, assent))
    auth = Authorization.objects.get(pk=result.authorization.pk)
    assert auth.status == Status.SIGNED
    assert auth.signer_relationship == relationship
    assert auth.minor_assent is expected_assent
    assert auth.open("signer_name") == "Alex Doe"
    assert auth.open("authority_description") == authority


def test_minor_signing_alone_is_refused(
    practice: Practice,
    staff: User,
    make_patient: Callable[..., Patient],
    template_version: object,
) -> None:
    today = _today(practice)
    patient = make_patient(staff, birth=today.replace(year=today.year - 15))
    auth = actions.prepare_authorization(staff, patient, template_version, scope())  # type: ignore[arg-type]
    token = actions.open_kiosk(staff, auth)
    with pytest.raises(actions.ActionError) as refused:
        actions.sign(token, signed_by("self"))
    assert {"relationship", "minor_assent"} <= set(refused.value.errors)
    auth.refresh_from_db()
    assert auth.status == Status.AWAITING_SIGNATURE and auth.signed_at is None
    # The link stays usable so the parent can sign.
    actions.sign(token, signed_by("parent", authority="father", assent=True))


def test_deceased_patient_needs_the_executor(
    practice: Practice,
    staff: User,
    make_patient: Callable[..., Patient],
    template_version: object,
) -> None:
    patient = make_patient(
        staff, birth=dt.date(1950, 1, 1), date_of_death=_today(practice) - dt.timedelta(days=30)
    )
    auth = actions.prepare_authorization(staff, patient, template_version, scope())  # type: ignore[arg-type]
    page_token = actions.open_kiosk(staff, auth)
    page = actions.kiosk_page(page_token)
    assert page.deceased and [r for r, _ in page.relationships] == ["executor"]
    with pytest.raises(actions.ActionError):
        actions.sign(page_token, signed_by("self"))
    result = actions.sign(page_token, signed_by("executor", authority="executor under the will"))
    assert result.authorization.signer_relationship == "executor"


def test_signing_freezes_text_hashes_and_seals(signed: actions.SignResult) -> None:
    auth = Authorization.objects.get(pk=signed.authorization.pk)
    png = auth.open_bytes("signature")
    assert png.startswith(b"\x89PNG")
    assert auth.content_sha256 == content_hash(auth.rendered_text, png)
    pdf = auth.open_bytes("pdf")
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == auth.pdf_sha256
    # Sealed at rest: neither the image nor the name are readable in the row.
    assert "iVBOR" not in auth.signature_enc and "Sarah" not in auth.signer_name_enc
    assert auth.template_version.frozen_at is not None
    event = AuditEvent.objects.get(action="authorization.sign", object_id=auth.public_id)
    assert event.rule == "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE"
    assert event.detail["pdf_sha256"] == auth.pdf_sha256
    assert "Sarah" not in str(event.detail)


def test_content_hash_separates_text_from_signature() -> None:
    assert content_hash("ab", b"c") != content_hash("a", b"bc")
