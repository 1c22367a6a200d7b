"""API test helpers: a bearer-token client, the default template, signed releases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import User
from clearpost.app.authorizations import actions as authz
from clearpost.app.authorizations.models import Authorization

# One source of test scopes and drawn signatures for every app's tests.
from clearpost.app.authorizations.tests.conftest import scope as scope_input
from clearpost.app.authorizations.tests.conftest import signature_png as drawn_signature
from clearpost.app.patients.models import Patient


class ApiClient:
    """JSON in, JSON out, with the user's own token."""

    def __init__(self, token: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = dict(extra)
        if body is not None:
            kwargs["data"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.client.get(path, params or {})

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.call("POST", path, body if body is not None else {}, **extra)


@pytest.fixture
def api_as(db: None) -> Callable[[User], ApiClient]:
    return lambda user: ApiClient(issue_api_token(user, "tests"))


@pytest.fixture
def make_release(db: None) -> Callable[..., Authorization]:
    """A release of the patient's practice, prepared and (by default) signed by the patient."""

    def make(staff: User, patient: Patient, sign: bool = True, **scope: Any) -> Authorization:
        assert staff.practice is not None
        template = authz.ensure_default_template(staff.practice)
        version = template.latest_version()
        assert version is not None
        auth = authz.prepare_authorization(staff, patient, version, scope_input(**scope))
        if sign:
            token = authz.open_kiosk(staff, auth)
            auth = authz.sign(
                token,
                authz.SignatureInput(
                    typed_name="Sarah Jones",
                    relationship="self",
                    authority_description="",
                    minor_assent=None,
                    signature_png=drawn_signature(),
                ),
            ).authorization
        auth.refresh_from_db()
        return auth

    return make
