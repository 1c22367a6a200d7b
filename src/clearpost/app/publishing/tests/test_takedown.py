"""Takedown on revocation: deleted where the platform can, a manual task with steps and
a deadline where it cannot (escalating to the privacy officer), never "deleted" when not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import actions as auth_actions
from clearpost.app.posts.models import Post, State
from clearpost.app.posts.tests.conftest import World
from clearpost.app.publishing import takedown, tasks
from clearpost.app.publishing.models import (
    ConnectedAccount,
    Publication,
    PublicationState,
    Takedown,
    TakedownState,
)
from clearpost.providers.instagram.fake import InstagramFake

pytestmark = pytest.mark.django_db


def trail(post: Post) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=post.public_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def revoke(world: World, capture: Any) -> None:
    with capture(execute=True):
        auth_actions.revoke_by_staff(
            world.privacy, world.release, "Patient phoned and wrote to revoke."
        )


def test_revocation_deletes_the_published_post_on_the_fake(
    world: World,
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_due_post()
    tasks.tick()
    assert len(ig_fake.live_posts()) == 1
    revoke(world, django_capture_on_commit_callbacks)
    takedown.run_due()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.DELETED and pub.deleted_at is not None
    assert ig_fake.live_posts() == []
    post.refresh_from_db()
    assert post.state == State.TAKEN_DOWN
    assert "takedown.deleted" in trail(post) and "post.taken_down" in trail(post)


def test_revocation_unschedules_a_post_not_yet_published(
    world: World,
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_due_post()
    revoke(world, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == State.FAILED and "Unscheduled" in post.failure_reason
    tasks.tick()
    assert ig_fake.live_posts() == [] and "publishing.unscheduled" in trail(post)


def test_a_draft_is_blocked(
    world: World, draft: Post, django_capture_on_commit_callbacks: Any
) -> None:
    revoke(world, django_capture_on_commit_callbacks)
    assert "publishing.draft_blocked" in trail(draft)


def _published_on(
    world: World, platform: str, make_due_post: Callable[..., Post]
) -> tuple[Post, Publication]:
    post = make_due_post()
    account = ConnectedAccount.objects.create(
        practice=world.practice,
        platform=platform,
        kind="business",
        external_id=f"{platform}-1",
        display_name=f"Riverside {platform}",
    )
    pub = Publication.objects.create(
        practice=world.practice,
        post=post,
        account=account,
        state=PublicationState.PUBLISHED,
        platform_post_id="7301",
        url=f"https://example.test/{platform}/7301",
        published_at=timezone.now(),
    )
    Post.objects.filter(pk=post.pk).update(state=State.PUBLISHED)
    return post, pub


def test_tiktok_cannot_delete_so_a_manual_takedown_opens_and_escalates(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    make_due_post: Callable[..., Post],
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setenv("CLEARPOST_TIKTOK_API_BASE", "http://127.0.0.1:9")  # never called
    User.objects.filter(pk=world.privacy.pk).update(email="privacy@example.com")
    post, pub = _published_on(world, "tiktok", make_due_post)
    revoke(world, django_capture_on_commit_callbacks)
    takedown.run_due()
    pub.refresh_from_db()
    assert pub.state == PublicationState.TAKEDOWN_OPEN and pub.deleted_at is None
    td = Takedown.objects.get(publication=pub)
    assert td.state == TakedownState.OPEN and "TikTok app" in td.steps and td.url == pub.url
    post.refresh_from_db()
    assert post.state == State.PUBLISHED  # not shown as taken down while it is still up
    assert "takedown.deleted" not in trail(post) and "takedown.manual_opened" in trail(post)
    assert takedown.escalate_overdue() == 0
    assert takedown.escalate_overdue(timezone.now() + dt.timedelta(hours=25)) == 1
    assert any("privacy@example.com" in m.to and "Overdue" in m.subject for m in mail.outbox)
    assert takedown.escalate_overdue(timezone.now() + dt.timedelta(hours=26)) == 0  # once
    takedown.complete_manual(world.privacy, td, "Deleted in the TikTok app at 10:40.")
    post.refresh_from_db()
    pub.refresh_from_db()
    assert post.state == State.TAKEN_DOWN and pub.state == PublicationState.TAKEN_DOWN_MANUALLY


def test_kit_takedown_is_manual_and_withdraws_the_kit(
    world: World, make_due_post: Callable[..., Post], django_capture_on_commit_callbacks: Any
) -> None:
    _, pub = _published_on(world, "kit", make_due_post)
    Publication.objects.filter(pk=pub.pk).update(state=PublicationState.MANUAL)
    revoke(world, django_capture_on_commit_callbacks)
    takedown.run_due()
    pub.refresh_from_db()
    assert pub.state == PublicationState.TAKEDOWN_OPEN
    assert "by hand" in Takedown.objects.get(publication=pub).steps


def test_failing_deletes_end_in_a_manual_takedown_never_deleted(
    world: World,
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_due_post()
    tasks.tick()
    ig_fake.misbehave("delete_media", "created_then_error", times=5)  # the 2207085 "Fatal"
    revoke(world, django_capture_on_commit_callbacks)
    for _ in range(3):
        takedown.run_due()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.TAKEDOWN_OPEN and pub.takedown_tries == 3
    assert len(ig_fake.live_posts()) == 1
    assert "The delete failed" in Takedown.objects.get(publication=pub).reason
    assert trail(post).count("takedown.delete_failed") == 3


def test_missing_delete_permission_goes_manual_at_once(
    world: World,
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_due_post()
    tasks.tick()
    from clearpost.app.publishing.tests.conftest import IG_SCOPES

    ig_account.set_tokens(ig_fake.user_token(IG_SCOPES - {"instagram_manage_contents"}).token)
    ig_account.save()
    revoke(world, django_capture_on_commit_callbacks)
    takedown.run_due()
    assert Publication.objects.get(post=post).state == PublicationState.TAKEDOWN_OPEN


def test_website_gallery_publishes_then_comes_down(
    world: World,
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from clearpost.app.posts import actions as posts

    monkeypatch.setenv("CLEARPOST_WEBSITE_DIR", str(tmp_path / "site"))
    site = ConnectedAccount.objects.create(
        practice=world.practice,
        platform="website",
        kind="practice_owned",
        external_id="website",
        display_name="Gallery",
    )
    post = posts.create_post(world.author, world.data(targets=[site.public_id]))
    result = posts.submit(world.author, post)
    post.refresh_from_db()
    assert post.state == State.IN_REVIEW, [(f.rule, f.message) for f in result.blocking]
    posts.approve(world.reviewer, post, mfa_ok=True)
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - dt.timedelta(seconds=1))
    tasks.tick()
    gallery = Publication.objects.get(post=post, account=site)
    assert gallery.state == PublicationState.PUBLISHED, gallery.last_error
    page = tmp_path / "site" / gallery.platform_post_id / "index.html"
    assert page.exists() and 'alt="Before/after' in page.read_text()
    assert (tmp_path / "site" / gallery.platform_post_id / "1.jpg").exists()
    revoke(world, django_capture_on_commit_callbacks)
    takedown.run_due()
    gallery.refresh_from_db()
    assert gallery.state == PublicationState.DELETED and not page.exists()
    post.refresh_from_db()
    assert post.state == State.TAKEN_DOWN
