"""The practice profile: edited by owner or privacy officer, audited, and passed to every
text check through `text_profile_for`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.practices import actions
from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.app.practices.profile import text_profile_for
from clearpost.engine.text.analyzer import default_analyzer

pytestmark = pytest.mark.django_db

LUMA: dict[str, Any] = {
    "display_name": "Luma Med Spa",
    "phones": ["(305) 555-0142"],
    "emails": ["hi@lumamedspa.com"],
    "addresses": ["88 Brickell Ave, Miami, FL 33131"],
    "websites": ["lumamedspa.com"],
    "handles": ["lumamedspa"],
    "staff": ["Dr. Kelsey Nguyen", "Brianna, lead injector", "Joy, patient coordinator"],
    "services": ["Luma Glow Peel"],
    "allowed_terms": ["Glow Club"],
    "other_names": ["Luma"],
    "secure_channel": "our patient portal",
}


def test_without_a_profile_the_practice_row_is_used(make_practice: Callable[..., Practice]) -> None:
    practice = make_practice(
        "Hartwell Aesthetic Surgery", country="GB", contact_email="x@hartwell.co.uk"
    )
    prof = text_profile_for(practice)
    assert prof.name == "Hartwell Aesthetic Surgery" and prof.uk
    assert prof.is_own_email("x@hartwell.co.uk")


def test_saved_profile_reaches_the_text_check(
    practice: Practice, make_user: Callable[..., User]
) -> None:
    owner = make_user(practice, Role.OWNER)
    actions.save_profile(owner, practice, LUMA)
    prof = text_profile_for(practice)
    assert prof.name == "Luma Med Spa" and "@lumamedspa" in prof.handles
    assert prof.secure_channel == "our patient portal"
    analyzer = default_analyzer(prof)
    for kind, text in [
        ("reply", "Please call our office at (305) 555-0142 or email hi@lumamedspa.com."),
        ("caption", "Meet Joy, our patient coordinator, and Brianna! Ask about the Glow Club."),
        ("caption", "Riverside Aesthetics and Luma welcome you to 88 Brickell Ave."),
    ]:
        assert analyzer.analyze(text, kind).decision == "pass", text


def test_save_is_audited_with_the_changed_fields(
    practice: Practice, make_user: Callable[..., User]
) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    actions.save_profile(officer, practice, LUMA)
    actions.save_profile(officer, practice, {**LUMA, "phones": ["305 555 0143"]})
    events = list(AuditEvent.objects.filter(action="practice.profile_updated").order_by("seq"))
    assert len(events) == 2
    assert events[1].detail == {"changed": ["phones"]}
    assert events[1].actor == officer and events[1].practice == practice
    assert events[1].rule == "HIPAA-DEID-SAFE-HARBOR-18"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CONTENT_CREATOR, Role.CLINICIAN])
def test_other_roles_cannot_edit(
    practice: Practice, make_user: Callable[..., User], role: Role
) -> None:
    from django.core.exceptions import PermissionDenied

    user = make_user(practice, role)
    with pytest.raises(PermissionDenied):
        actions.save_profile(user, practice, LUMA)
    assert not PracticeProfile.objects.exists()
    assert AuditEvent.objects.filter(action="permission.denied", actor=user).count() == 1


def test_cannot_edit_another_practice(
    practice: Practice, other_practice: Practice, make_user: Callable[..., User]
) -> None:
    from django.core.exceptions import PermissionDenied

    owner = make_user(practice, Role.OWNER)
    with pytest.raises(PermissionDenied):
        actions.save_profile(owner, other_practice, LUMA)
    assert not PracticeProfile.objects.exists()


BAD = [
    ("phones", ["call me maybe"], "not a phone number"),
    ("phones", ["12"], "not a phone number"),
    ("emails", ["hi at luma"], "not an e-mail address"),
    ("websites", ["not a site"], "not a web address"),
    ("handles", ["@luma med"], "not a social handle"),
    ("staff", ["x" * 201], "longer than 200"),
    ("services", [f"s{i}" for i in range(51)], "At most 50"),
    ("display_name", "n" * 201, "At most 200"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_invalid_values_save_nothing(
    practice: Practice, make_user: Callable[..., User], field: str, value: Any, message: str
) -> None:
    owner = make_user(practice, Role.OWNER)
    with pytest.raises(actions.ProfileInvalid) as exc:
        actions.save_profile(owner, practice, {**LUMA, field: value})
    assert any(message in m for m in exc.value.errors[field])
    assert not PracticeProfile.objects.exists()
    assert not AuditEvent.objects.filter(action="practice.profile_updated").exists()


def test_lists_are_trimmed_and_deduplicated() -> None:
    cleaned, errors = actions.clean_profile_values(
        {"phones": "  (305) 555-0142 \n\n(305) 555-0142\n", "handles": "lumamedspa\n@LumaMedSpa"}
    )
    assert errors == {}
    assert cleaned["phones"] == ["(305) 555-0142"]
    assert cleaned["handles"] == ["@lumamedspa"]


def _form(values: dict[str, Any]) -> dict[str, str]:
    return {k: "\n".join(v) if isinstance(v, list) else v for k, v in values.items()}


def test_settings_page_round_trip(
    practice: Practice, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    client = login(make_user(practice, Role.OWNER))
    page = client.get("/practice/profile/")
    assert page.status_code == 200 and b"Staff and their roles" in page.content
    response = client.post("/practice/profile/", _form(LUMA))
    assert response.status_code == 302
    page = client.get("/practice/profile/")
    assert b"Joy, patient coordinator" in page.content and b"Practice profile saved" in page.content
    bad = client.post("/practice/profile/", _form({**LUMA, "emails": ["nope"]}))
    assert bad.status_code == 400 and "not an e-mail address" in bad.content.decode()
    assert PracticeProfile.objects.get(practice=practice).emails == ["hi@lumamedspa.com"]


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CONTENT_CREATOR, Role.CLINICIAN])
def test_settings_page_is_refused_to_other_roles(
    practice: Practice, make_user: Callable[..., User], login: Callable[[User], Client], role: Role
) -> None:
    client = login(make_user(practice, role))
    assert client.get("/practice/profile/").status_code == 403
    assert client.post("/practice/profile/", _form(LUMA)).status_code == 403
    assert not PracticeProfile.objects.exists()


def test_demo_seeds_the_profile_once_through_the_action(settings: Any, tmp_path: Path) -> None:
    from clearpost.app.demo import seed_demo

    settings.DATA_DIR = tmp_path
    seed_demo()
    seed_demo()
    practice = Practice.objects.get(slug="demo")
    assert PracticeProfile.objects.filter(practice=practice).count() == 1
    assert AuditEvent.objects.filter(action="practice.profile_updated").count() == 1
    analyzer = default_analyzer(text_profile_for(practice))
    text = "Meet Tori, our patient coordinator! Call (512) 555-0100 to book."
    assert analyzer.analyze(text, "caption").decision == "pass"


def test_each_practice_sees_and_checks_with_only_its_own_profile(
    practice: Practice,
    other_practice: Practice,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    other = {**LUMA, "staff": ["Zebulon Quartz, lead injector"], "phones": ["(720) 555-0123"]}
    actions.save_profile(make_user(other_practice, Role.OWNER), other_practice, other)
    page = login(make_user(practice, Role.OWNER)).get("/practice/profile/")
    assert page.status_code == 200
    assert b"Zebulon" not in page.content and b"555-0123" not in page.content
    assert not text_profile_for(practice).is_own_phone("(720) 555-0123")
    assert text_profile_for(other_practice).is_own_phone("(720) 555-0123")
