"""The whole publishing loop in Chromium against the fake Instagram.

An approved post publishes at its scheduled time (the publishing heartbeat, the worker's
task body), the receipt shows on the post's publishing page and the post is on the
fake's public page; a comment naming a patient arrives and is hidden; the patient
revokes through the private link and the post is deleted on the fake within a minute;
each step is evidence on the post.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import links
from clearpost.app.authorizations.models import LinkToken
from clearpost.app.authorizations.tests.test_browser import (
    ARGS,
    CHROMIUM,
    TABLET,
    _enrol,
    _sign_in,
)
from clearpost.app.posts.models import Post, State
from clearpost.app.posts.tests.conftest import World
from clearpost.app.publishing import tasks
from clearpost.app.publishing.models import (
    CommentState,
    ConnectedAccount,
    InboxComment,
    Publication,
    PublicationState,
)
from clearpost.providers.instagram.fake import InstagramFake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def evidence(post: Post) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=post.public_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_publish_comment_revoke_loop_on_the_fake_instagram(
    live_server: Any,
    browser: Any,
    settings: Any,
    world: World,
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    tmp_path: Path,
) -> None:
    base = live_server.url
    shots = Path(os.environ.get("CLEARPOST_SCREENSHOTS") or tmp_path)
    settings.SITE_URL = base  # the fake fetches the cleared photo from ClearPost itself
    ig_fake.fetch = InstagramFake.fetch.__get__(ig_fake)  # type: ignore[method-assign]
    post = make_due_post()

    # 1. Its time has come: the heartbeat re-runs the gate and publishes.
    tasks.tick()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.PUBLISHED, pub.last_error

    staff = browser.new_context(viewport=TABLET)
    page = staff.new_page()
    secret = _enrol(world.author)  # every role has two-step sign-in
    _sign_in(page, base, world.author.username, secret)
    page.goto(f"{base}/publishing/posts/{post.public_id}/")
    receipt = page.inner_text("[data-testid=receipt]")
    assert pub.platform_post_id in receipt and pub.url in receipt
    page.screenshot(path=str(shots / "receipt-tablet.png"), full_page=True)
    live = staff.new_page()
    live.goto(pub.url)
    assert post.caption in live.inner_text("body")
    assert live.locator("img").first.evaluate("i => i.naturalWidth") > 0  # fetched from ClearPost

    # 2. A comment naming a patient arrives and is hidden.
    ig_fake.add_comment(
        pub.platform_post_id, "Is that Maria Gonzalez? She had her tummy tuck here!", "neighbour"
    )
    Publication.objects.filter(pk=pub.pk).update(comments_polled_at=None)
    tasks.tick()
    row = InboxComment.objects.get(publication=pub)
    assert row.state == CommentState.HIDDEN
    live.reload()
    assert "Maria" not in live.inner_text("body")
    page.goto(f"{base}/publishing/inbox/")
    assert "Hidden automatically" in page.inner_text("[data-testid=comment-state]")
    page.screenshot(path=str(shots / "inbox-tablet.png"), full_page=True)

    # 3. The patient revokes through the private link; the post comes down within a minute.
    token = links.issue(
        world.release, LinkToken.Purpose.REVOKE, timezone.now() + dt.timedelta(days=30)
    )
    patient = browser.new_context(viewport=PHONE)
    home = patient.new_page()
    home.goto(f"{base}/r/{token}/")
    home.click("[data-testid=confirm-revoke]")
    home.wait_for_selector("[data-testid=revoke-done]")
    revoked_at = time.monotonic()
    tasks.tick()  # the worker's next heartbeat (at most 30 s later)
    pub.refresh_from_db()
    assert pub.state == PublicationState.DELETED
    assert time.monotonic() - revoked_at < 60
    assert ig_fake.live_posts() == []
    live.reload()
    assert "isn't available" in live.inner_text("body")
    post.refresh_from_db()
    assert post.state == State.TAKEN_DOWN

    page.goto(f"{base}/publishing/posts/{post.public_id}/")
    assert "Deleted from the platform" in page.inner_text("[data-testid=pub-state]")
    assert "Taken down" in page.inner_text("[data-testid=post-state]")
    page.screenshot(path=str(shots / "taken-down-tablet.png"), full_page=True)
    phone = browser.new_context(viewport=PHONE)
    small = phone.new_page()
    _sign_in(small, base, world.author.username, secret, ahead=1)  # a code works once
    small.goto(f"{base}/publishing/posts/{post.public_id}/")
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small.screenshot(path=str(shots / "taken-down-phone.png"), full_page=True)

    steps = evidence(post)
    for action in (
        "post.publish_check",
        "publish.attempt",
        "publish.receipt",
        "inbox.hidden",
        "takedown.deleted",
        "post.taken_down",
    ):
        assert action in steps, (action, steps)
    assert (
        steps.index("publish.receipt")
        < steps.index("inbox.hidden")
        < steps.index("takedown.deleted")
    )
    for ctx in (staff, patient, phone):
        ctx.close()
