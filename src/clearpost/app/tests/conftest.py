"""Two practices with one of everything each, for the isolation and query-count tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import ApiToken, Role, User
from clearpost.app.api.tests.conftest import ApiClient, api_as, make_release  # noqa: F401
from clearpost.app.authorizations.actions import ensure_default_template
from clearpost.app.authorizations.models import Authorization, ReleaseTemplate
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice


@dataclass
class Tenant:
    practice: Practice
    admin: User  # owner + privacy officer + clinician: every page is open to them
    member: User
    patient: Patient
    release: Authorization
    template: ReleaseTemplate
    token: ApiToken
    raw_token: str


@pytest.fixture
def make_tenant(
    make_user: Callable[..., User],
    make_patient: Callable[..., Patient],
    make_release: Callable[..., Authorization],  # noqa: F811
) -> Callable[[Practice, str], Tenant]:
    def make(practice: Practice, name: str) -> Tenant:
        admin = make_user(practice, Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN)
        member = make_user(practice, Role.CONTENT_CREATOR)
        patient = make_patient(admin, name=name, record_number=f"MRN-{name.split()[0]}")
        release = make_release(admin, patient)
        raw = issue_api_token(admin, "admin's token")
        return Tenant(
            practice=practice,
            admin=admin,
            member=member,
            patient=patient,
            release=release,
            template=ensure_default_template(practice),
            token=ApiToken.objects.get(user=admin),
            raw_token=raw,
        )

    return make
