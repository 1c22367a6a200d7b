"""Every page carries the security headers, and passes its own Content-Security-Policy:
no inline script, no inline event handler, no inline style anywhere in the HTML."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clearpost.app.accounts.models import Role
from clearpost.app.authorizations import actions as authz
from clearpost.app.authorizations.tests.conftest import scope, signed_by

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)


@pytest.fixture
def pages(practice, make_user, make_patient, login):
    owner = make_user(practice, Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN)
    patient = make_patient(owner, name="Sarah Jones")
    version = authz.ensure_default_template(practice).latest_version()
    assert version is not None
    auth = authz.prepare_authorization(owner, patient, version, scope())
    signed = authz.sign(authz.open_kiosk(owner, auth), signed_by())
    kiosk_auth = authz.prepare_authorization(owner, patient, version, scope())
    kiosk = authz.open_kiosk(owner, kiosk_auth)
    client = login(owner)
    return client, [
        "/",
        "/patients/",
        f"/patients/{patient.public_id}/",
        "/authorizations/",
        f"/authorizations/{signed.authorization.public_id}/",
        f"/authorizations/new/{patient.public_id}/",
        "/authorizations/templates/",
        "/authorizations/templates/new/",
        "/audit/",
        "/staff/",
        f"/staff/{owner.public_id}/",
        "/staff/new/",
        "/settings/tokens/",
        "/accounts/password/",
        "/accounts/mfa/setup/",
        f"/kiosk/{kiosk}/",
        signed.revocation_url.split("testserver", 1)[-1],
    ]


def test_every_page_passes_the_content_security_policy(pages) -> None:
    client, urls = pages
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        html = response.content.decode()
        for pattern in (INLINE_SCRIPT, HANDLER, INLINE_STYLE, STYLE_TAG):
            assert not pattern.search(html), (url, pattern.pattern, pattern.search(html))


def test_the_rest_of_the_headers_a_reviewer_expects(pages) -> None:
    client, _ = pages
    for response in (client.get("/"), Client().get("/accounts/login/")):
        assert response["Cache-Control"] == "no-store"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_is_told_not_to_inject_its_style(pages) -> None:
    client, _ = pages
    html = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html
