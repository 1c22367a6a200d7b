"""List pages and API lists cost the same number of queries for 2 rows as for 6 (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import Role
from clearpost.app.authorizations import actions as authz
from clearpost.app.authorizations.tests.conftest import scope as scope_input

pytestmark = pytest.mark.django_db


def _queries(fetch: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert getattr(response, "status_code", 200) == 200
    return len(ctx)


LISTS = [
    ("web", "/patients/"),
    ("web", "/staff/"),
    ("web", "/"),
    ("api", "/api/patients"),
    ("api", "/api/templates"),
    ("api", "/api/patients/{pt}/authorizations"),
]


@pytest.mark.parametrize(("kind", "path"), LISTS)
def test_list_query_count_does_not_grow_with_rows(
    practice, make_user, make_patient, login, django_assert_num_queries, kind, path
) -> None:
    admin = make_user(practice, Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN)
    template = authz.ensure_default_template(practice)
    version = template.latest_version()
    assert version is not None
    first = make_patient(admin, name="Ann First")

    def add_rows(n: int) -> None:
        for i in range(n):
            patient = make_patient(admin, name=f"Patient Number{i}", record_number=f"R{i}")
            make_user(practice, Role.CONTENT_CREATOR)
            authz.prepare_authorization(admin, first, version, scope_input())
            authz.save_template_version(
                admin, name=f"Template {patient.public_id}", text=version.text
            )

    client = (
        login(admin)
        if kind == "web"
        else Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(admin, 'q')}")
    )
    url = path.format(pt=first.public_id)
    add_rows(1)
    client.get(url)  # warm: session and caches settle
    small = _queries(lambda: client.get(url))
    add_rows(4)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
