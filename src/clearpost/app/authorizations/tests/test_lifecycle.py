"""Templates, preparing, immutability, links, revocation, expiry, copies and coverage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from clearpost.app import events
from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import actions, links
from clearpost.app.authorizations.coverage import (
    check_use,
    check_use_now,
    contract_dict,
    standing_now,
)
from clearpost.app.authorizations.models import (
    Authorization,
    CopyDelivery,
    DomainEvent,
    ImmutableError,
    LinkToken,
    ReleaseTemplate,
    Status,
    TemplateVersion,
)
from clearpost.app.authorizations.tests.conftest import scope, signed_by
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice
from clearpost.engine.consent.check import expiry_instant
from clearpost.engine.consent.model import MalformedInput, parse_authorization
from clearpost.engine.consent.templates import DEFAULT_TEMPLATE

pytestmark = pytest.mark.django_db


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def today(practice: Practice) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(practice.time_zone)).date()


USE = {
    "platform": "instagram",
    "media_type": "photo",
    "shows_face": False,
    "name_shown": "none",
    "body_regions": ["abdomen"],
    "purpose": "marketing",
    "paid_promotion": False,
}


# Templates --------------------------------------------------------------------------
@pytest.fixture
def officer(practice: Practice, make_user: Callable[..., User]) -> User:
    return make_user(practice, Role.PRIVACY_OFFICER)


def test_default_template_is_seeded_once(practice: Practice) -> None:
    first = actions.ensure_default_template(practice)
    second = actions.ensure_default_template(practice)
    assert first.pk == second.pk and first.versions.count() == 1
    version = first.latest_version()
    assert version is not None and version.usable and version.readability_grade is not None


def without_section(heading: str) -> str:
    start = DEFAULT_TEMPLATE.index(heading)
    end = DEFAULT_TEMPLATE.find("\n## ", start + 1)
    return DEFAULT_TEMPLATE[:start] + (DEFAULT_TEMPLATE[end:] if end > 0 else "")


@pytest.mark.parametrize(
    ("heading", "rule"),
    [
        ("## You can change your mind", "HIPAA-AUTH-STMT-REVOKE"),
        ("## Your choice", "HIPAA-AUTH-STMT-CONDITIONING"),
        ("## Once it is online", "HIPAA-AUTH-STMT-REDISCLOSURE"),
        ("## How long it lasts", "HIPAA-AUTH-ELEMENT-EXPIRY"),
    ],
)
def test_unusable_template_is_refused_with_findings(officer: User, heading: str, rule: str) -> None:
    text = without_section(heading)
    assert text != DEFAULT_TEMPLATE
    with pytest.raises(actions.TemplateRejected) as refused:
        actions.save_template_version(officer, name="Short form", text=text)
    assert rule in {f.rule for f in refused.value.lint.findings}
    assert not ReleaseTemplate.objects.filter(name="Short form").exists()
    assert AuditEvent.objects.filter(action="template.refused").exists()


@pytest.mark.parametrize(
    ("text", "field_message"),
    [
        ("abc\x00def", "binary"),
        ("x" * 100_001, "larger than"),
        (DEFAULT_TEMPLATE + "\n{{patient_ssn}}\n", "unknown placeholder"),
        (DEFAULT_TEMPLATE + "\n{{ broken\n", "malformed"),
    ],
)
def test_bad_template_text(officer: User, text: str, field_message: str) -> None:
    with pytest.raises(actions.ActionError, match=field_message):
        actions.save_template_version(officer, name="Bad", text=text)


def test_only_owner_and_privacy_officer_edit_templates(staff: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.save_template_version(staff, name="Mine", text=DEFAULT_TEMPLATE)
    assert AuditEvent.objects.filter(action="permission.denied", actor=staff).exists()


def test_editing_a_signed_version_makes_a_new_version(
    officer: User, signed: actions.SignResult, staff: User, patient: Patient
) -> None:
    used = signed.authorization.template_version
    assert used.frozen_at is not None
    new = actions.save_template_version(
        officer, name=used.template.name, text=used.text + "\nThank you.\n", template=used.template
    )
    assert new.number == used.number + 1
    used.refresh_from_db()
    assert "Thank you." not in used.text
    used.text = "changed"
    with pytest.raises(ImmutableError):
        used.save()
    with pytest.raises(actions.ActionError, match="newest version"):
        actions.prepare_authorization(staff, patient, used, scope())


# Preparing --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"platforms": ()}, "platforms"),
        ({"platforms": ("myspace",)}, "platforms"),
        ({"media_types": ()}, "media_types"),
        ({"body_regions": ()}, "body_regions"),
        ({"purposes": ()}, "purposes"),
        ({"identifiability": "deidentified", "name_shown": "first_name"}, "name_shown"),
        ({"identifiability": "blurry"}, "identifiability"),
        ({"expires_on": None, "expiration_event": ""}, "expires_on"),
        ({"expires_on": None, "expiration_event": "never"}, "expiration_event"),
        ({"expires_on": None, "expiration_event": "None"}, "expiration_event"),
        ({"expires_on": None, "expiration_event": "until revoked"}, "expiration_event"),
        ({"expires_on": dt.date(2020, 1, 1)}, "expires_on"),
        ({"patient_compensation": "x" * 201}, "patient_compensation"),
    ],
)
def test_prepare_refuses_bad_scope(
    staff: User,
    patient: Patient,
    template_version: TemplateVersion,
    overrides: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(actions.ActionError) as refused:
        actions.prepare_authorization(staff, patient, template_version, scope(**overrides))
    assert field in refused.value.errors
    assert not Authorization.objects.exists()


def test_expiry_today_is_refused_and_event_only_is_accepted(
    practice: Practice, staff: User, patient: Patient, template_version: TemplateVersion
) -> None:
    with pytest.raises(actions.ActionError):
        actions.prepare_authorization(
            staff, patient, template_version, scope(expires_on=today(practice))
        )
    auth = actions.prepare_authorization(
        staff,
        patient,
        template_version,
        scope(expires_on=None, expiration_event="when the practice closes its Instagram account"),
    )
    assert "when the practice closes its Instagram account" in auth.rendered_text


def test_prepared_text_names_the_scope(prepared: Authorization) -> None:
    assert "Instagram" in prepared.rendered_text and "abdomen" in prepared.rendered_text
    assert "{{" not in prepared.rendered_text
    assert prepared.statements == {
        "revocation_statement": True,
        "no_conditioning_statement": True,
        "redisclosure_statement": True,
        "permanence_statement": True,
        "remuneration_statement": True,
    }
    assert AuditEvent.objects.filter(
        action="authorization.prepare", object_id=prepared.public_id
    ).exists()


def test_clinician_without_patient_role_cannot_prepare(
    practice: Practice,
    make_user: Callable[..., User],
    patient: Patient,
    template_version: TemplateVersion,
) -> None:
    reviewer = make_user(practice, Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        actions.prepare_authorization(reviewer, patient, template_version, scope())


# Immutability -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("platforms", ["instagram", "tiktok"]),
        ("rendered_text", "something else"),
        ("identifiability", "face_visible"),
        ("expires_on", dt.date(2099, 1, 1)),
        ("content_sha256", "0" * 64),
        ("signature_enc", ""),
        ("status", Status.DRAFT),
    ],
)
def test_signed_release_cannot_change(
    signed: actions.SignResult, field: str, value: object
) -> None:
    auth = Authorization.objects.get(pk=signed.authorization.pk)
    setattr(auth, field, value)
    with pytest.raises(ImmutableError):
        auth.save()


def test_signed_release_cannot_be_deleted(signed: actions.SignResult) -> None:
    with pytest.raises(ImmutableError):
        Authorization.objects.get(pk=signed.authorization.pk).delete()


# Links ------------------------------------------------------------------------------
def test_kiosk_link_misuse(staff: User, prepared: Authorization) -> None:
    token = actions.open_kiosk(staff, prepared)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (forged, "", "nonsense", "x" * 400, token + "x"):
        with pytest.raises(links.LinkInvalid):
            actions.kiosk_page(bad)
    # A revoke-purpose signature does not open the kiosk (different salt).
    with pytest.raises(links.LinkInvalid):
        actions.revocation_page(token)
    # A new session retires the previous one.
    second = actions.open_kiosk(staff, prepared)
    with pytest.raises(links.LinkInvalid):
        actions.kiosk_page(token)
    actions.kiosk_page(second)
    # Expired.
    LinkToken.objects.filter(purpose="kiosk").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(links.LinkInvalid):
        actions.sign(second, signed_by())


def test_kiosk_link_is_single_use(staff: User, prepared: Authorization) -> None:
    token = actions.open_kiosk(staff, prepared)
    actions.sign(token, signed_by())
    with pytest.raises(links.LinkInvalid):
        actions.sign(token, signed_by())
    with pytest.raises(actions.ActionError):
        actions.open_kiosk(staff, Authorization.objects.get(pk=prepared.pk))


# Revocation -------------------------------------------------------------------------
@pytest.fixture
def received(django_capture_on_commit_callbacks: Any) -> Iterator[list[DomainEvent]]:
    got: list[DomainEvent] = []

    def listener(event: DomainEvent) -> None:
        got.append(event)

    events.subscribe(events.AUTHORIZATION_REVOKED)(listener)
    events.subscribe(events.AUTHORIZATION_EXPIRED)(listener)
    yield got
    events.unsubscribe(events.AUTHORIZATION_REVOKED, listener)
    events.unsubscribe(events.AUTHORIZATION_EXPIRED, listener)


@pytest.mark.parametrize("how", ["link", "staff"])
def test_revocation_takes_effect_at_once(
    how: str,
    staff: User,
    signed: actions.SignResult,
    received: list[DomainEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    auth = signed.authorization
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        if how == "link":
            actions.revocation_page(token_of(signed.revocation_url))
            actions.revoke_by_link(token_of(signed.revocation_url))
        else:
            actions.revoke_by_staff(staff, auth, "Letter from the patient dated 2026-03-02")
    auth.refresh_from_db()
    assert auth.status == Status.REVOKED and auth.revoked_at is not None
    assert auth.revocation_source == ("patient_link" if how == "link" else "staff_written")
    rules = set(
        AuditEvent.objects.filter(
            object_id=auth.public_id, action__startswith="authorization.revoke"
        ).values_list("rule", flat=True)
    )
    assert rules == {"HIPAA-AUTH-REVOKE-WRITTEN", "HIPAA-AUTH-REVOKE-EFFECT"}
    assert [e.payload["authorization"] for e in received] == [auth.public_id]
    event = DomainEvent.objects.get(name=events.AUTHORIZATION_REVOKED)
    assert event.delivered_at is not None and "Sarah" not in str(event.payload)
    # Uses at or after the revocation are blocked, earlier ones are not.
    after = check_use(auth, USE, timezone.now())
    assert not after.covered and "REVOKED" in {r.code for r in after.reasons}
    earlier = check_use(auth, USE, before - dt.timedelta(microseconds=1))
    assert "REVOKED" not in {r.code for r in earlier.reasons}
    # ...but a past answer always says where the release stands now.
    past = standing_now(auth, {**USE, "at": (before - dt.timedelta(minutes=1)).isoformat()})
    assert past.historical and past.revoked_now and not past.in_force_now
    assert "revoked since" in past.note()
    assert not standing_now(auth, USE).historical
    # A gate never takes the caller's time: a past `at` is ignored.
    gate = check_use_now(auth, {**USE, "at": (before - dt.timedelta(days=1)).isoformat()})
    assert not gate.covered and "REVOKED" in {r.code for r in gate.reasons}
    # The link is spent either way.
    with pytest.raises(links.LinkInvalid):
        actions.revoke_by_link(token_of(signed.revocation_url))
    with pytest.raises(actions.ActionError):
        actions.revoke_by_staff(staff, auth, "second request arrived")


@pytest.mark.parametrize("note", ["", "   ", "hi"])
def test_staff_revocation_needs_the_written_request(
    staff: User, signed: actions.SignResult, note: str
) -> None:
    with pytest.raises(actions.ActionError) as refused:
        actions.revoke_by_staff(staff, signed.authorization, note)
    assert "note" in refused.value.errors
    assert Authorization.objects.get(pk=signed.authorization.pk).status == Status.SIGNED


def test_a_draft_cannot_be_revoked(staff: User, prepared: Authorization) -> None:
    with pytest.raises(actions.ActionError):
        actions.revoke_by_staff(staff, prepared, "written request by letter")


def test_failing_subscriber_is_retried(
    signed: actions.SignResult, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[int] = []

    def flaky(event: DomainEvent) -> None:
        calls.append(event.pk)
        if len(calls) == 1:
            raise RuntimeError("provider down")

    events.subscribe(events.AUTHORIZATION_REVOKED)(flaky)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.revoke_by_staff(staff, signed.authorization, "patient e-mail of 3 March")
        event = DomainEvent.objects.get()
        assert event.delivered_at is None and "RuntimeError" in event.last_error
        assert events.deliver_pending() == 1
        event.refresh_from_db()
        assert event.delivered_at is not None and event.attempts == 2
        assert events.deliver_pending() == 0
    finally:
        events.unsubscribe(events.AUTHORIZATION_REVOKED, flaky)


# Expiry -----------------------------------------------------------------------------
def test_expiry_boundary_and_idempotence(
    practice: Practice,
    patient: Patient,
    make_signed: Callable[..., actions.SignResult],
    received: list[DomainEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    last_day = today(practice) + dt.timedelta(days=1)
    auth = make_signed(patient, expires_on=last_day).authorization
    end = expiry_instant(last_day, ZoneInfo(practice.time_zone))
    assert actions.expire_due(end - dt.timedelta(seconds=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.expire_due(end) == [auth.public_id]
    assert actions.expire_due(end + dt.timedelta(days=3)) == []
    auth.refresh_from_db()
    assert auth.status == Status.EXPIRED and auth.expired_at == end
    assert AuditEvent.objects.get(action="authorization.expire").rule == "HIPAA-AUTH-DEFECT-EXPIRED"
    assert [e.name for e in received] == [events.AUTHORIZATION_EXPIRED]


def test_expiry_task_and_command(
    practice: Practice, patient: Patient, make_signed: Callable[..., actions.SignResult]
) -> None:
    auth = make_signed(patient, expires_on=today(practice) + dt.timedelta(days=1)).authorization
    assert actions.expire_authorizations.call() == []
    # Jump past the expiry by moving the row's practice clock: expire through the command.
    Authorization.objects.filter(pk=auth.pk).update(
        expires_on=today(practice) - dt.timedelta(days=1)
    )
    call_command("expire_authorizations")
    assert Authorization.objects.get(pk=auth.pk).status == Status.EXPIRED
    call_command("expire_authorizations")  # idempotent
    assert AuditEvent.objects.filter(action="authorization.expire").count() == 1


def test_the_expiry_run_stays_queued_once() -> None:
    from django_tasks_db.models import DBTaskResult

    actions.schedule_expiry()
    actions.schedule_expiry()
    assert (
        DBTaskResult.objects.filter(task_path=actions.expire_authorizations.module_path).count()
        == 1
    )


# Copies -----------------------------------------------------------------------------
def test_download_and_email_copies_are_recorded(
    staff: User, signed: actions.SignResult, tmp_path: Path
) -> None:
    auth = signed.authorization
    assert auth.copy_given_at is None
    assert "COPY_NOT_GIVEN" in {r.code for r in check_use(auth, USE).reasons}
    pdf = actions.download_copy(staff, auth)
    assert pdf.startswith(b"%PDF")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "outbox"),
    ):
        delivery = actions.email_copy(staff, auth, "sarah.jones@example.com")
    written = list((tmp_path / "outbox").iterdir())
    assert len(written) == 1
    message = written[0].read_text()
    assert "sarah.jones@example.com" in message and "application/pdf" in message
    assert delivery.recipient_hint == "s***@example.com"
    assert list(
        CopyDelivery.objects.filter(authorization=auth).values_list("method", flat=True)
    ) == ["download", "email"]
    auth.refresh_from_db()
    assert auth.copy_given_at is not None
    assert (
        AuditEvent.objects.filter(action="authorization.copy", rule="HIPAA-AUTH-COPY").count() == 2
    )
    assert "COPY_NOT_GIVEN" not in {r.code for r in check_use(auth, USE).reasons}


def test_email_copy_refuses_a_bad_address(staff: User, signed: actions.SignResult) -> None:
    with pytest.raises(actions.ActionError) as refused:
        actions.email_copy(staff, signed.authorization, "not-an-address")
    assert "email" in refused.value.errors
    assert not mail.outbox and not CopyDelivery.objects.exists()


def test_no_copy_before_signing(staff: User, prepared: Authorization) -> None:
    with pytest.raises(actions.ActionError):
        actions.download_copy(staff, prepared)


def test_reading_a_signed_release_is_audited(staff: User, signed: actions.SignResult) -> None:
    seen = actions.read_signed_release(staff, signed.authorization, purpose="test")
    assert seen.signer_name == "Sarah Jones" and seen.signature_png.startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action="authorization.view", actor=staff).exists()


# Coverage: the engine decides -------------------------------------------------------
def test_contract_dict_is_what_the_engine_parses(signed: actions.SignResult) -> None:
    parsed = parse_authorization(contract_dict(signed.authorization))
    assert parsed.id == signed.authorization.public_id
    assert parsed.signer.signed_at is not None and parsed.signer.signed_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({}, None),
        ({"platform": "tiktok"}, "PLATFORM_NOT_COVERED"),
        ({"media_type": "video"}, "MEDIA_TYPE_NOT_COVERED"),
        ({"shows_face": True}, "FACE_NOT_AUTHORIZED"),
        ({"name_shown": "full_name"}, "NAME_NOT_AUTHORIZED"),
        ({"body_regions": ["breast"]}, "BODY_REGION_NOT_COVERED"),
        ({"purpose": "education"}, "PURPOSE_NOT_COVERED"),
        ({"paid_promotion": True}, "PAID_PROMOTION_NOT_COVERED"),
    ],
)
def test_check_use(
    signed: actions.SignResult, staff: User, change: dict[str, Any], code: str | None
) -> None:
    actions.download_copy(staff, signed.authorization)
    auth = Authorization.objects.get(pk=signed.authorization.pk)
    result = check_use(auth, {**USE, **change}, actor=staff)
    assert result.covered is (code is None)
    if code:
        assert code in {r.code for r in result.reasons}
    event = AuditEvent.objects.filter(action="authorization.check_use").last()
    assert event is not None and event.rule == "HIPAA-AUTH-SCOPE-MATCH"


def test_unsigned_release_covers_nothing(prepared: Authorization) -> None:
    result = check_use(prepared, USE)
    assert not result.covered and "NOT_SIGNED" in {r.code for r in result.reasons}


def test_malformed_use_is_refused(signed: actions.SignResult) -> None:
    with pytest.raises(MalformedInput):
        check_use(signed.authorization, {**USE, "platform": "myspace"})


def test_staff_record_that_the_expiry_event_happened(
    staff: User,
    patient: Patient,
    make_signed: Callable[..., actions.SignResult],
    received: list[DomainEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    dated = make_signed(patient).authorization
    with pytest.raises(actions.ActionError):
        actions.record_expiration_event(staff, dated, "the patient moved away")
    auth = make_signed(
        patient, expires_on=None, expiration_event="when the patient's treatment series ends"
    ).authorization
    with pytest.raises(actions.ActionError) as refused:
        actions.record_expiration_event(staff, auth, "")
    assert "note" in refused.value.errors
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_expiration_event(staff, auth, "Final session on 3 March, per Dr. Rivera")
    auth.refresh_from_db()
    assert auth.status == Status.EXPIRED
    event = AuditEvent.objects.get(action="authorization.expire", object_id=auth.public_id)
    assert event.actor == staff and event.rule == "HIPAA-AUTH-DEFECT-EXPIRED"
    assert [e.name for e in received] == [events.AUTHORIZATION_EXPIRED]


def test_demo_seed_includes_the_default_template_once(settings: Any, tmp_path: Path) -> None:
    from clearpost.app.demo import seed_demo

    settings.DATA_DIR = tmp_path
    seed_demo()
    seed_demo()
    templates = ReleaseTemplate.objects.filter(practice__slug="demo")
    assert templates.count() == 1
    assert templates.get().versions.count() == 1


def test_staff_attest_the_representative_check(
    practice: Practice,
    staff: User,
    make_patient: Callable[..., Patient],
    make_signed: Callable[..., actions.SignResult],
    login: Callable[[User], Any],
) -> None:
    from django.urls import reverse

    day = today(practice)
    minor = make_patient(staff, name="Kim Lee", birth=day.replace(year=day.year - 14))
    auth = make_signed(
        minor, signed_by("guardian", authority="court order 22-31", assent=True)
    ).authorization
    client = login(staff)
    page = client.get(reverse("authorizations:detail", args=[auth.public_id])).content.decode()
    assert "Not yet checked" in page
    url = reverse("authorizations:verify_signer", args=[auth.public_id])
    assert client.post(url, {"note": ""}).status_code == 400
    assert (
        client.post(url, {"note": "Court order 22-31 and driving licence seen"}).status_code == 302
    )
    auth.refresh_from_db()
    assert auth.signer_verified_by == staff and auth.signer_verified_at is not None
    event = AuditEvent.objects.get(action="authorization.signer_verified")
    assert event.rule == "HIPAA-AUTH-VERIFY-SIGNER" and event.after_hash
    assert "licence" not in str(event.detail)
    with pytest.raises(actions.ActionError):
        actions.attest_signer_verified(staff, auth, "second check of the documents")
