"""The whole release journey in Chromium on a tablet-sized screen.

Staff prepare a release, the patient signs in the kiosk with a drawn signature and takes
the PDF copy, then revokes through the private link; staff see "Revoked" and the privacy
officer (with TOTP) sees the revocation in the audit trail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.utils import timezone

from clearpost.app.accounts import actions as account_actions
from clearpost.app.accounts.models import Role, User
from clearpost.app.authorizations.actions import ensure_default_template
from clearpost.app.authorizations.models import Authorization, Status
from clearpost.app.conftest import PASSWORD
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
# between page steps are plain synchronous calls, so Django's async guard is relaxed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _enrol(user: User) -> str:
    """Two-step sign-in set up (every role has it), without spending a code: a code
    works once, and the test signs in with the current one later."""
    secret = account_actions.start_mfa_enrolment(user)
    user.mfa_confirmed_at = timezone.now()
    user.save(update_fields=["mfa_confirmed_at"])
    return secret


def _sign_in(page: Any, base: str, username: str, totp: str | None = None, ahead: int = 0) -> None:
    """`ahead`: use the code of a later 30-second step (accepted for clock drift), for a
    second sign-in where the current code may already have been used once."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    if totp is not None:
        page.wait_for_url("**/accounts/mfa/verify/**")
        page.fill("input[name=code]", pyotp.TOTP(totp).at(time.time() + 30 * ahead))
        page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_release_journey_on_a_tablet(
    live_server: Any,
    browser: Any,
    practice: Practice,
    make_user: Callable[..., User],
    make_patient: Callable[..., Patient],
    tmp_path: Path,
) -> None:
    base = live_server.url
    ensure_default_template(practice)
    staff = make_user(practice, Role.CLINICIAN, Role.CONTENT_CREATOR, username="clinic")
    officer = make_user(practice, Role.PRIVACY_OFFICER, username="officer")
    secret = _enrol(officer)
    staff_secret = _enrol(staff)
    patient = make_patient(staff, name="Sarah Jones")

    staff_ctx = browser.new_context(viewport=TABLET, accept_downloads=True, has_touch=True)
    page = staff_ctx.new_page()
    _sign_in(page, base, "clinic", totp=staff_secret)

    # Prepare the release from the patient's page.
    page.goto(f"{base}/patients/{patient.public_id}/")
    page.click("[data-testid=prepare-release]")
    page.check("input[name=body_regions][value=abdomen]")
    page.check("input[name=platforms][value=website]")
    page.click("button:has-text('Save release')")
    page.wait_for_url("**/authorizations/au_*/")
    auth = Authorization.objects.get(patient=patient)
    assert auth.status == Status.DRAFT

    # Hand the tablet to the patient: staff are signed out on it, the kiosk has no
    # staff navigation, and "Back" cannot reach staff pages.
    page.click("[data-testid=open-kiosk]")
    page.wait_for_url("**/kiosk/**")
    assert page.locator("header.top").count() == 0
    probe = staff_ctx.new_page()
    probe.goto(f"{base}/patients/")
    assert "/accounts/login/" in probe.url
    probe.close()
    assert "Copies may never be fully removed" in page.inner_text("[data-testid=release-text]")
    pad = page.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + 40, y0 + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x0 + 40 + i * 14, y0 + box["height"] * (0.7 - 0.4 * ((i % 6) / 6)), steps=2)
    page.mouse.up()
    page.fill("input[name=typed_name]", "Sarah Jones")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=signed-done]")

    with page.expect_download() as download_info:
        page.click("[data-testid=kiosk-copy]")
    copy = tmp_path / "copy.pdf"
    download_info.value.save_as(copy)
    assert copy.read_bytes().startswith(b"%PDF")
    revocation_url = page.get_attribute("[data-testid=revocation-link]", "href")
    assert revocation_url and "/r/" in revocation_url
    auth.refresh_from_db()
    assert auth.status == Status.SIGNED
    assert auth.copy_given_at is not None

    # The patient revokes from home: no login, one confirm click.
    patient_ctx = browser.new_context(viewport=TABLET)
    home = patient_ctx.new_page()
    home.goto(revocation_url)
    home.click("[data-testid=confirm-revoke]")
    home.wait_for_selector("[data-testid=revoke-done]")
    home.goto(revocation_url)
    assert home.locator("[data-testid=link-invalid]").count() == 1

    # Staff (signed in again) see it at once.
    _sign_in(page, base, "clinic", totp=staff_secret, ahead=1)
    page.goto(f"{base}/authorizations/{auth.public_id}/")
    assert page.inner_text("[data-testid=status]").strip() == "Revoked"
    assert page.locator("[data-testid=revoked]").count() == 1

    # The privacy officer sees the revocation in the audit trail.
    officer_ctx = browser.new_context(viewport=TABLET)
    audit = officer_ctx.new_page()
    _sign_in(audit, base, "officer", totp=secret)
    audit.goto(f"{base}/audit/?action=authorization.revoke")
    table = audit.inner_text("[data-testid=audit-table]")
    assert "Revoked a release" in table and "The patient, by their private link" in table
    assert "HIPAA-AUTH-REVOKE-WRITTEN" in table
    assert auth.public_id in table
    for ctx in (staff_ctx, patient_ctx, officer_ctx):
        ctx.close()
