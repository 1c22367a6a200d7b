from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts import actions
from clearpost.app.accounts.models import ApiToken, Role, User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("roles", "records", "state"),
    [
        (["clinician"], [], "not_required"),
        (["reviewer"], [], "due"),
        (
            ["content_creator"],
            [(TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1))],
            "due",
        ),
        (
            ["reviewer"],
            [(TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=30))],
            "due_soon",
        ),
        (
            ["reviewer"],
            [(TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=31))],
            "current",
        ),
        (["reviewer"], [(TODAY - dt.timedelta(days=300), TODAY)], "due_soon"),
        (["reviewer"], [(TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=300))], "due"),
        (
            ["content_creator"],
            [
                (TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=5)),
                (TODAY - dt.timedelta(days=2), TODAY + dt.timedelta(days=363)),
            ],
            "current",
        ),
    ],
)
def test_training_status_boundaries(roles, records, state) -> None:
    from clearpost.app.accounts.models import TrainingRecord

    recs = [TrainingRecord(completed_on=c, expires_on=e) for c, e in records]
    assert actions.training_status(roles, recs, TODAY).state == state


def test_owner_adds_staff_with_roles(practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    client = login(owner)
    response = client.post(
        reverse("staff:new"),
        {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "Nurse",
            "email": "nina@example.org",
            "password": "plum-lantern-ocean-42",
            "roles": ["clinician", "content_creator"],
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.practice == practice
    assert nina.role_set() == {"clinician", "content_creator"}
    assert AuditEvent.objects.filter(action="staff.create", object_id=nina.public_id).exists()
    assert Client().login(username="nina", password="plum-lantern-ocean-42")


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("password", "short", "password"),
        ("password", "password123456", "password"),
        ("password", "12345678901234", "password"),
        ("password", "ninanurse1234", "password"),
        ("username", "bad name!", "username"),
        ("email", "not-an-email", "email"),
        ("roles", "wizard", "roles"),
    ],
)
def test_add_staff_errors_are_per_field_and_save_nothing(
    practice, make_user, login, field, value, error_field
) -> None:
    owner = make_user(practice, Role.OWNER)
    data = {"username": "ninanurse", "password": "plum-lantern-ocean-42", "roles": ["clinician"]}
    data[field] = value
    response = login(owner).post(reverse("staff:new"), data)
    assert response.status_code == 400
    assert error_field in response.context["form"].errors
    assert not User.objects.filter(username__in=["ninanurse", "bad name!"]).exists()


def test_duplicate_username_is_a_field_error(practice, other_practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    make_user(other_practice, Role.CLINICIAN, username="taken")
    response = login(owner).post(
        reverse("staff:new"), {"username": "Taken", "password": "plum-lantern-ocean-42"}
    )
    assert response.status_code == 400 and "username" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CONTENT_CREATOR, Role.CLINICIAN])
def test_non_admins_are_refused_and_audited(practice, make_user, login, role) -> None:
    user = make_user(practice, role)
    member = make_user(practice, Role.CLINICIAN)
    client = login(user)
    for response in (
        client.get(reverse("staff:list")),
        client.post(reverse("staff:new"), {"username": "x", "password": PASSWORD}),
        client.post(reverse("staff:deactivate", args=[member.public_id])),
    ):
        assert response.status_code == 403
        assert b"has been recorded" in response.content
    assert AuditEvent.objects.filter(action="permission.denied", actor=user).count() == 3
    member.refresh_from_db()
    assert member.is_active


def test_privacy_officer_sets_roles_and_records_training(practice, make_user, login) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    member = make_user(practice, Role.CLINICIAN, trained=False)
    client = login(officer)
    url = reverse("staff:detail", args=[member.public_id])
    assert client.post(url, {"save_roles": "1", "roles": ["reviewer"]}).status_code == 302
    member = User.objects.get(pk=member.pk)
    assert member.role_set() == {"reviewer"}
    assert member.training_due()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=member.public_id).exists()
    today = timezone.localdate()
    form = client.get(url).context["training_form"]
    assert not form.initial and all(f.value() in (None, "") for f in form)  # nothing prefilled
    one_click = client.post(url, {"record_training": "1"})
    errors = one_click.context["training_form"].errors
    assert one_click.status_code == 400 and {"course", "completed_on", "evidence"} <= set(errors)
    real = {
        "record_training": "1",
        "course": "HIPAA and social media, 2026",
        "evidence": "Certificate HS-2231 filed in the HR binder; I watched the quiz.",
        "completed_on": today.isoformat(),
    }
    bad = client.post(url, {**real, "expires_on": today.isoformat()})
    assert bad.status_code == 400 and "expires_on" in bad.context["training_form"].errors
    ok = client.post(url, {**real, "expires_on": (today + dt.timedelta(days=20)).isoformat()})
    assert ok.status_code == 302
    rec = member.training_records.get()
    assert rec.course == real["course"] and rec.evidence == real["evidence"]
    assert not User.objects.get(pk=member.pk).training_due()
    page = client.get(reverse("staff:list"))
    assert b"training-due-soon" in page.content
    assert b"training-due-soon" in client.get(reverse("home")).content


def test_only_an_owner_grants_owner(practice, make_user, login) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    member = make_user(practice, Role.CLINICIAN)
    response = login(officer).post(
        reverse("staff:detail", args=[member.public_id]), {"save_roles": "1", "roles": ["owner"]}
    )
    assert response.status_code == 403
    assert not User.objects.get(pk=member.pk).has_role(Role.OWNER)
    # The reason is shown beside the form, which keeps what was chosen.
    html = response.content.decode()
    assert "Only an owner can grant or remove the owner role." in html
    assert 'value="owner" id="id_roles_0" checked' in html
    assert AuditEvent.objects.filter(action="permission.denied", actor=officer).exists()


def test_last_owner_keeps_the_owner_role(practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    response = login(owner).post(
        reverse("staff:detail", args=[owner.public_id]), {"save_roles": "1", "roles": ["clinician"]}
    )
    assert response.status_code == 400
    assert User.objects.get(pk=owner.pk).has_role(Role.OWNER)


def test_deactivation_revokes_tokens_and_sessions(practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    member = make_user(practice, Role.CLINICIAN)
    raw = actions.issue_api_token(member, "scripts")
    member_client = login(member)
    assert member_client.get(reverse("home")).status_code == 200
    assert actions.user_for_token(raw) == member
    response = login(owner).post(reverse("staff:deactivate", args=[member.public_id]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert actions.user_for_token(raw) is None
    assert ApiToken.objects.get(user=member).revoked_at is not None
    assert member_client.get(reverse("home")).status_code == 302  # back to the login page
    assert not any(
        str(s.get_decoded().get("_auth_user_id")) == str(member.pk) for s in Session.objects.all()
    )
    event = AuditEvent.objects.get(action="staff.deactivate", object_id=member.public_id)
    assert event.rule == "SEC-TERMINATION" and event.detail["tokens_revoked"] == 1
    assert not Client().login(username=member.username, password=PASSWORD)


def test_cannot_deactivate_yourself(practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    make_user(practice, Role.OWNER)
    login(owner).post(reverse("staff:deactivate", args=[owner.public_id]))
    owner.refresh_from_db()
    assert owner.is_active


def test_require_trained_refuses_untrained_posters_and_audits(practice, make_user) -> None:
    trained = make_user(practice, Role.CONTENT_CREATOR)
    untrained = make_user(practice, Role.REVIEWER, trained=False)
    clinician = make_user(practice, Role.CLINICIAN, trained=False)
    actions.require_trained(trained, "prepare a release")
    actions.require_trained(clinician, "prepare a release")
    with pytest.raises(PermissionDenied, match="training is not current"):
        actions.require_trained(untrained, "approve a post")
    event = AuditEvent.objects.get(action="permission.denied", actor=untrained)
    assert event.rule == "HIPAA-POLICY-SOCIAL"


def test_tokens_page_shows_a_new_token_once_and_revokes(practice, make_user, login) -> None:
    user = make_user(practice, Role.CLINICIAN)
    client = login(user)
    page = client.post(reverse("settings:tokens"), {"name": "laptop"})
    raw = page.context["new_token"]
    assert raw.startswith("cp_") and raw.encode() in page.content
    assert actions.user_for_token(raw) == user
    again = client.get(reverse("settings:tokens"))
    assert raw.encode() not in again.content
    token = ApiToken.objects.get(user=user)
    assert raw not in token.key_hash
    assert client.post(reverse("settings:token_revoke", args=[token.public_id])).status_code == 302
    assert actions.user_for_token(raw) is None
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=user).exists()


def test_someone_elses_token_is_404(practice, make_user, login) -> None:
    a = make_user(practice, Role.CLINICIAN)
    b = make_user(practice, Role.CLINICIAN)
    actions.issue_api_token(b, "b's")
    token = ApiToken.objects.get(user=b)
    assert (
        login(a).post(reverse("settings:token_revoke", args=[token.public_id])).status_code == 404
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_mfa_roles_cannot_issue_tokens_before_verifying(practice, make_user) -> None:
    owner = make_user(practice, Role.OWNER)
    client = Client()
    client.force_login(owner)  # signed in, second factor not yet verified
    response = client.post(reverse("settings:tokens"), {"name": "laptop"})
    assert response.status_code == 302 and "/accounts/mfa/" in response["Location"]
    assert not ApiToken.objects.filter(user=owner).exists()


def test_403_and_404_pages_disclose_nothing(practice, make_user, login, settings) -> None:
    settings.DEBUG = False
    user = make_user(practice, Role.CLINICIAN)
    client = login(user)
    missing = client.get("/patients/pt_doesnotexist/")
    assert missing.status_code == 404 and b"Not found" in missing.content
    assert b"pt_doesnotexist" not in missing.content and b"Traceback" not in missing.content
    refused = client.get(reverse("staff:list"))
    assert refused.status_code == 403 and b"Not allowed" in refused.content


def test_every_denial_is_audited_exactly_once(practice, make_user, login) -> None:
    clinician = make_user(practice, Role.CLINICIAN)
    assert login(clinician).get(reverse("staff:list")).status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied", actor=clinician).count() == 1
    # A refusal raised without `deny()` (here: an account with no practice) is caught by
    # the middleware's safety net.
    orphan = User.objects.create_user(username="orphan", password=PASSWORD)
    client = Client()
    client.force_login(orphan)
    assert client.get(reverse("staff:list")).status_code == 403
    event = AuditEvent.objects.get(action="permission.denied", actor=orphan)
    assert event.detail["path"] == reverse("staff:list")


def test_first_owner_is_made_once_and_audited(practice) -> None:
    from django.core.exceptions import ValidationError

    from clearpost.app.accounts import actions as account_actions

    owner = account_actions.add_first_owner(
        practice, username="first", password="A-Long-Enough-Pass-88", first_name="Fay"
    )
    assert owner.has_role(Role.OWNER) and owner.practice == practice
    assert AuditEvent.objects.filter(action="staff.create", object_id=owner.public_id).exists()
    with pytest.raises(ValidationError):
        account_actions.add_first_owner(
            practice, username="second", password="A-Long-Enough-Pass-88"
        )
    assert not User.objects.filter(username="second").exists()
