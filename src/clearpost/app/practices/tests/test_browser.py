"""The practice profile page in Chromium, on a tablet and on a phone: the privacy officer
fills in the practice's own details, a bad e-mail is refused with its reason, and the
saved profile reaches the text check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from clearpost.app.accounts import actions as account_actions
from clearpost.app.accounts.models import Role, User
from clearpost.app.conftest import PASSWORD
from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.app.practices.profile import text_profile_for
from clearpost.engine.text.analyzer import default_analyzer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENS = {"tablet": {"width": 1024, "height": 768}, "phone": {"width": 390, "height": 844}}


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


@pytest.mark.parametrize("screen", list(SCREENS))
def test_privacy_officer_edits_the_profile(
    live_server: Any,
    browser: Any,
    practice: Practice,
    make_user: Callable[..., User],
    tmp_path: Path,
    screen: str,
) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER, username=f"officer-{screen}")
    secret = account_actions.start_mfa_enrolment(officer)
    assert account_actions.confirm_mfa(officer, pyotp.TOTP(secret).now(), None)
    ctx = browser.new_context(viewport=SCREENS[screen], has_touch=screen == "phone")
    page = ctx.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{base}/practice/profile/")
    page.fill("input[name=display_name]", "Luma Med Spa")
    page.fill("textarea[name=phones]", "(305) 555-0142")
    page.fill("textarea[name=emails]", "hi@lumamedspa\n")
    page.fill("textarea[name=staff]", "Joy, patient coordinator\nBrianna, lead injector")
    page.click("button:has-text('Save profile')")
    page.wait_for_load_state()
    assert "is not an e-mail address" in page.inner_text("main")
    assert not PracticeProfile.objects.filter(practice=practice).exists()

    page.fill("textarea[name=emails]", "hi@lumamedspa.com")
    page.click("button:has-text('Save profile')")
    page.wait_for_url("**/practice/profile/")
    assert "Practice profile saved" in page.inner_text("main")
    # Every control has a label, and nothing scrolls sideways.
    for control in page.locator("main input:not([type=hidden]), main textarea").all():
        control_id = control.get_attribute("id")
        assert page.locator(f"label[for='{control_id}']").count() == 1, control_id
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / f"practice-profile-{screen}.png"), full_page=True)
    shots = os.environ.get("CLEARPOST_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"practice-profile-{screen}.png"), full_page=True)
    ctx.close()

    analyzer = default_analyzer(text_profile_for(practice))
    meet = analyzer.analyze("Meet Joy, our patient coordinator! Call (305) 555-0142.", "caption")
    assert meet.decision == "pass"
