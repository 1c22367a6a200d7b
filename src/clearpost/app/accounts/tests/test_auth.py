from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts import actions
from clearpost.app.accounts.middleware import LAST_SEEN
from clearpost.app.accounts.models import LoginAttempt, Role
from clearpost.app.audit.models import AuditEvent
from clearpost.app.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_failure_and_success_are_audited(practice, make_user) -> None:
    user = make_user(practice, Role.CLINICIAN)
    client = Client()
    bad = client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    assert bad.status_code == 401
    assert AuditEvent.objects.filter(action="login.failure", actor_label=user.username).exists()
    ok = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(action="login.success", actor=user).exists()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_lockout_after_repeated_failures_even_with_right_password(practice, make_user) -> None:
    user = make_user(practice, Role.CLINICIAN)
    client = Client()
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    locked = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 401
    assert b"locked" in locked.content
    assert LoginAttempt.objects.filter(username=user.username, succeeded=False).count() == 4


@pytest.mark.parametrize("role", list(Role))
def test_every_role_must_enrol_then_verify(practice, make_user, role) -> None:
    user = make_user(practice, role)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and reverse("accounts:mfa_setup") in response["Location"]
    # Nothing else is reachable until the second step is done.
    assert reverse("accounts:mfa_setup") in client.get(reverse("home"))["Location"]
    page = client.get(reverse("accounts:mfa_setup"))
    secret = page.context["secret"]
    wrong = client.post(reverse("accounts:mfa_setup"), {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["error"]
    ok = client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor=user).exists()
    user.refresh_from_db()
    assert user.totp_secret and secret not in user.totp_secret  # stored encrypted


def _enrolled(practice, make_user, role=Role.CLINICIAN):
    user = make_user(practice, role)
    secret = actions.start_mfa_enrolment(user)
    user.mfa_confirmed_at = timezone.now()
    user.save()
    return user, pyotp.TOTP(secret)


def test_a_totp_code_works_once(practice, make_user) -> None:
    user, totp = _enrolled(practice, make_user)
    code = totp.now()
    assert actions.confirm_mfa(user, code, None)
    assert not actions.confirm_mfa(user, code, None)  # replayed
    assert AuditEvent.objects.filter(
        action="mfa.failure", actor=user, detail__why="code already used"
    ).exists()
    older = totp.at(timezone.now() - dt.timedelta(seconds=30))
    assert not actions.confirm_mfa(user, older, None)  # an older step than the one used
    assert not actions.confirm_mfa(user, "12345", None) and not actions.confirm_mfa(
        user, "abcdef", None
    )


def test_a_replayed_code_is_refused_at_the_sign_in_page(practice, make_user) -> None:
    user, totp = _enrolled(practice, make_user)
    code = totp.now()
    first, second = Client(), Client()
    for client in (first, second):
        client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert first.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    again = second.post(reverse("accounts:mfa_verify"), {"code": code})
    assert again.status_code == 200 and again.context["error"]
    assert second.get(reverse("home")).status_code == 302


def test_a_password_set_by_the_owner_is_changed_at_first_sign_in(
    practice, make_user, login
) -> None:
    owner = make_user(practice, Role.OWNER)
    new = actions.add_staff(
        owner, username="nina", password="Owner-Chosen-Pass-42", roles=[Role.CLINICIAN]
    )
    assert new.must_change_password
    client = login(new)  # past the second step, to see the password gate alone
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_change"
    )
    page = client.get(reverse("accounts:password_change"))
    assert b"set by someone else" in page.content
    weak = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Owner-Chosen-Pass-42", "new_password1": "x", "new_password2": "x"},
    )
    assert weak.status_code == 200
    done = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Owner-Chosen-Pass-42",
            "new_password1": "Only-Nina-Knows-This-7",
            "new_password2": "Only-Nina-Knows-This-7",
        },
    )
    assert done.status_code == 302
    new.refresh_from_db()
    assert not new.must_change_password and new.check_password("Only-Nina-Knows-This-7")
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="password.change", actor=new).exists()


def test_idle_session_is_logged_off_and_audited(practice, make_user, login) -> None:
    user = make_user(practice, Role.CLINICIAN)
    client = login(user)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - 16 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "idle=1" in response["Location"]
    assert AuditEvent.objects.filter(action="session.idle_logoff", actor=user).exists()
    assert client.get(reverse("home")).status_code == 302


def test_training_due_is_shown(practice, make_user, login) -> None:
    owner = make_user(practice, Role.OWNER)
    make_user(practice, Role.CONTENT_CREATOR, username="untrained", trained=False)
    page = login(owner).get(reverse("home"))
    assert page.status_code == 200
    row = next(r for r in page.context["staff"] if r["user"].username == "untrained")
    assert row["training"] is None and row["needs_training"]
    assert b"due" in page.content
    assert b"Content creator (approved poster)" in page.content  # labels, not codes
    assert b"content_creator" not in page.content


def test_api_token_is_stored_hashed(practice, make_user) -> None:
    user = make_user(practice, Role.CLINICIAN)
    raw = actions.issue_api_token(user, "scripts")
    assert actions.user_for_token(raw) == user
    assert actions.user_for_token(raw + "x") is None
    assert not user.api_tokens.filter(key_hash__contains=raw).exists()


def test_demo_seed_is_idempotent(settings, tmp_path) -> None:
    from clearpost.app.accounts.models import User
    from clearpost.app.demo import seed_demo

    settings.DATA_DIR = tmp_path
    first = seed_demo()
    count = User.objects.count()
    second = seed_demo()
    assert User.objects.count() == count == 5
    assert first.logins == second.logins
    # Seeded through the app's own actions: every person, role and training is audited.
    from clearpost.app.audit.actions import verify_practice
    from clearpost.app.practices.models import Practice

    demo = Practice.objects.get(slug="demo")
    owner = User.objects.get(username="owner")
    events = AuditEvent.objects.filter(practice=demo)
    assert events.filter(action="staff.create").count() == 5
    assert events.filter(action="staff.create", actor=owner).count() == 4
    assert events.filter(action="role.grant").count() == 6
    assert events.filter(action="training.record").count() == 4
    assert not User.objects.filter(must_change_password=True).exists()
    assert verify_practice(demo).ok


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.REVIEWER, [], ["/patients/", "/audit/", "/staff/"]),
        (Role.CLINICIAN, ["/patients/"], ["/audit/", "/staff/"]),
        (Role.PRIVACY_OFFICER, ["/patients/", "/audit/", "/staff/"], []),
        (Role.OWNER, ["/patients/", "/audit/", "/staff/"], []),
    ],
)
def test_navigation_offers_only_reachable_pages(
    practice, make_user, login, role, shown, hidden
) -> None:
    page = login(make_user(practice, role)).get(reverse("home")).content.decode()
    nav = page.split("<nav>")[1].split("</nav>")[0]
    for href in shown:
        assert f'href="{href}"' in nav
    for href in hidden:
        assert f'href="{href}"' not in nav
