"""Practice B can neither see, sign, copy, check nor revoke practice A's releases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from clearpost.app.accounts.models import Role, User
from clearpost.app.authorizations import actions
from clearpost.app.authorizations.models import Authorization, ReleaseTemplate, Status
from clearpost.app.authorizations.tests.conftest import scope
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(other_practice: Practice, make_user: Callable[..., User]) -> User:
    actions.ensure_default_template(other_practice)
    return make_user(other_practice, Role.OWNER, Role.CLINICIAN, Role.PRIVACY_OFFICER)


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "authorizations:detail", None),
        ("post", "authorizations:open_kiosk", {}),
        ("get", "authorizations:copy_pdf", None),
        ("post", "authorizations:email_copy", {"email": "a@example.com"}),
        ("post", "authorizations:revoke", {"note": "a written request"}),
        ("post", "authorizations:check", {"platform": "instagram"}),
    ],
)
def test_other_practice_gets_404_like_a_missing_release(
    outsider: User,
    signed: actions.SignResult,
    login: Callable[[User], Client],
    method: str,
    name: str,
    data: dict[str, str] | None,
) -> None:
    client = login(outsider)
    public_id = signed.authorization.public_id
    real = getattr(client, method)(reverse(name, args=[public_id]), data)
    missing = getattr(client, method)(reverse(name, args=["au_doesnotexist"]), data)
    assert real.status_code == missing.status_code == 404
    assert Authorization.objects.get(public_id=public_id).status == Status.SIGNED


def test_other_practice_cannot_list_prepare_or_edit(
    outsider: User,
    staff: User,
    signed: actions.SignResult,
    patient: Patient,
    login: Callable[[User], Client],
) -> None:
    client = login(outsider)
    listing = client.get(reverse("authorizations:list"))
    assert signed.authorization.public_id not in listing.content.decode()
    assert (
        client.get(reverse("authorizations:prepare", args=[patient.public_id])).status_code == 404
    )
    template = ReleaseTemplate.objects.get(practice=staff.practice)
    assert (
        client.get(reverse("authorizations:template_edit", args=[template.pk])).status_code == 404
    )
    templates = client.get(reverse("authorizations:template_list")).content.decode()
    assert f"/templates/{template.pk}/" not in templates


def test_actions_refuse_other_practice_objects(
    outsider: User, signed: actions.SignResult, prepared: Authorization, patient: Patient
) -> None:
    with pytest.raises(PermissionDenied):
        actions.open_kiosk(outsider, prepared)
    with pytest.raises(PermissionDenied):
        actions.revoke_by_staff(outsider, signed.authorization, "a written request")
    with pytest.raises(PermissionDenied):
        actions.download_copy(outsider, signed.authorization)
    with pytest.raises(PermissionDenied):
        actions.read_signed_release(outsider, signed.authorization)
    own_version = ReleaseTemplate.objects.get(practice=outsider.practice).latest_version()
    assert own_version is not None
    with pytest.raises(PermissionDenied):
        actions.prepare_authorization(outsider, patient, own_version, scope())
    assert not actions.scoped_authorizations(outsider).exists()
