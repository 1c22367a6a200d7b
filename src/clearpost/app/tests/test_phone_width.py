"""Every staff page at phone width (390 x 844) and on a tablet (1024 x 768): no sideways
scrolling, touch targets of at least 24 px, and no Content-Security-Policy violation
(htmx and the page scripts run under the real policy)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from clearpost.app.accounts.models import Role
from clearpost.app.authorizations import actions as authz
from clearpost.app.authorizations.tests.conftest import scope, signed_by
from clearpost.app.authorizations.tests.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
SHOTS = os.environ.get("CLEARPOST_SCREENSHOTS")  # a folder to keep screenshots in


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


@pytest.fixture
def site(live_server, practice, make_user, make_patient, login):
    owner = make_user(practice, Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN)
    owner.first_name, owner.last_name = "Olivia", "Owner-Longname"
    owner.save()
    make_user(practice, Role.CONTENT_CREATOR, username="a-rather-long-username-for-a-phone")
    patient = make_patient(owner, name="Maria-Fernanda Rodriguez-Villanueva")
    version = authz.ensure_default_template(practice).latest_version()
    assert version is not None
    auth = authz.prepare_authorization(owner, patient, version, scope())
    signed = authz.sign(authz.open_kiosk(owner, auth), signed_by())
    from clearpost.app.accounts.actions import issue_api_token

    issue_api_token(owner, "A long token name for the scheduling integration")
    kiosk_token = authz.open_kiosk(
        owner, authz.prepare_authorization(owner, patient, version, scope())
    )
    client = login(owner)
    release = signed.authorization.public_id
    pages = {
        "dashboard": "/",
        "staff": "/staff/",
        "staff-detail": f"/staff/{owner.public_id}/",
        "audit": "/audit/",
        "releases": "/authorizations/",
        "release": f"/authorizations/{release}/",
        "tokens": "/settings/tokens/",
        "patients": "/patients/",
        "patient": f"/patients/{patient.public_id}/",
        "templates": "/authorizations/templates/",
        "template-new": "/authorizations/templates/new/",
        "prepare": f"/authorizations/new/{patient.public_id}/",
        # the patient's own pages, on their phone or the practice tablet
        "kiosk": f"/kiosk/{kiosk_token}/",
        "revoke-link": urlsplit(signed.revocation_url).path,
    }
    return live_server.url, client.cookies["sessionid"].value, pages


def _open(browser: Any, base: str, session: str, viewport: dict[str, int]) -> Any:
    ctx = browser.new_context(viewport=viewport, has_touch=True)
    ctx.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    return ctx


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_no_page_scrolls_sideways_and_none_breaks_the_policy(browser, site, viewport) -> None:
    base, session, pages = site
    ctx = _open(browser, base, session, viewport)
    page = ctx.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    wide = {}
    for name, url in pages.items():
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        assert "/accounts/" not in page.url, f"{name}: not signed in ({page.url})"
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{name}-{viewport['width']}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            wide[name] = width
    ctx.close()
    assert wide == {}, f"pages wider than {viewport['width']} px: {wide}"
    assert violations == []


def test_touch_targets_are_at_least_24_px_on_a_phone(browser, site) -> None:
    base, session, pages = site
    ctx = _open(browser, base, session, PHONE)
    page = ctx.new_page()
    small = []
    for name in ("dashboard", "staff-detail", "release", "prepare"):
        page.goto(base + pages[name])
        targets = page.locator(
            "header nav a, header button, main button, input[type=checkbox], input[type=radio], "
            "main select, main input[type=text], main input[type=date]"
        )
        for i in range(targets.count()):
            el = targets.nth(i)
            if not el.is_visible():
                continue
            box = el.bounding_box()
            if box and (box["width"] < 24 or box["height"] < 24):
                small.append((name, el.evaluate("e => e.outerHTML.slice(0, 80)"), box))
    ctx.close()
    assert small == []
