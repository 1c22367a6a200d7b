"""Publishing a scheduled post exactly once, against the local Instagram fake: receipts,
evidence, reconciliation after lost answers and dead workers, retries, permanent errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.posts.models import Post, State
from clearpost.app.publishing import publisher, tasks
from clearpost.app.publishing.models import (
    AccountStatus,
    AttemptOutcome,
    ConnectedAccount,
    Publication,
    PublicationState,
    PublishAttempt,
)
from clearpost.providers.instagram.fake import InstagramFake

pytestmark = pytest.mark.django_db


def actions_on(post: Post) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=post.public_id)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_due_post_publishes_once_with_a_receipt_and_evidence(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    assert tasks.tick() == {"posts": 1, "publications": 0, "takedowns": 0, "comments": 0}
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.PUBLISHED
    assert pub.platform_post_id in ig_fake.media and pub.url.startswith(ig_fake.base_url)
    assert len(pub.media_hashes) == 1 and len(pub.media_hashes[0]) == 64
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert [m["caption"] for m in ig_fake.live_posts()] == [post.caption]
    trail = actions_on(post)
    assert (
        trail.index("post.publish_check")
        < trail.index("publish.attempt")
        < trail.index("publish.receipt")
    )
    assert tasks.tick()["posts"] == 0  # nothing due any more; a second run publishes nothing
    publisher.publish_post(post.pk)
    assert len(ig_fake.live_posts()) == 1


def test_a_worker_that_died_mid_call_is_reconciled_not_repeated(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    ig_fake.misbehave("media_publish", "created_then_timeout")
    ig_fake.timeout_delay = 0.5
    # What a killed worker leaves: the attempt committed, the post live, no answer stored.
    pub = publisher.ensure_publication(post, ig_account)
    from clearpost.app.publishing.registry import provider_for

    provider = provider_for(ig_account)
    provider.publish(publisher.build_request(pub), ig_account.access_token())
    Publication.objects.filter(pk=pub.pk).update(state=PublicationState.IN_FLIGHT, tries=1)
    PublishAttempt.objects.create(
        publication=pub, number=1, started_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert len(ig_fake.live_posts()) == 1
    tasks.tick()
    pub.refresh_from_db()
    assert pub.state == PublicationState.PUBLISHED and pub.platform_post_id in ig_fake.media
    assert len(ig_fake.live_posts()) == 1
    outcomes = list(pub.attempts.order_by("number").values_list("outcome", flat=True))
    assert outcomes[0] == AttemptOutcome.UNKNOWN and AttemptOutcome.FOUND in outcomes
    assert "publish.interrupted" in actions_on(post) and "publish.reconciled" in actions_on(post)


def test_a_call_in_flight_within_its_lease_is_left_alone(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    pub = publisher.ensure_publication(post, ig_account)
    Publication.objects.filter(pk=pub.pk).update(state=PublicationState.IN_FLIGHT)
    PublishAttempt.objects.create(publication=pub, number=1)
    assert publisher.run_publication(pub.pk) == PublicationState.IN_FLIGHT
    assert ig_fake.live_posts() == []


@pytest.mark.parametrize("mode", ["created_then_error", "created_then_timeout"])
def test_created_then_lost_answer_is_found_by_asking(
    ig_fake: InstagramFake,
    ig_account: ConnectedAccount,
    make_due_post: Callable[..., Post],
    mode: str,
) -> None:
    post = make_due_post()
    ig_fake.misbehave("media_publish", mode)
    ig_fake.timeout_delay = 21.0 if mode == "created_then_timeout" else 0
    from clearpost.app.publishing import registry

    real = registry.provider_for
    registry_patch = pytest.MonkeyPatch()
    registry_patch.setattr(publisher, "provider_for", lambda a, **k: real(a, timeout=1.0))
    try:
        tasks.tick()
    finally:
        registry_patch.undo()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.PUBLISHED
    assert len(ig_fake.live_posts()) == 1
    assert "publish.outcome_unknown" in actions_on(post)


def test_error_inside_200_reconciles_absent_then_retries_after_backoff(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    ig_fake.misbehave("media_publish", "error_in_200")
    tasks.tick()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.RETRY_WAIT and ig_fake.live_posts() == []
    assert pub.next_try_at is not None and pub.next_try_at > timezone.now()
    tasks.tick()  # not due yet
    assert Publication.objects.get(pk=pub.pk).state == PublicationState.RETRY_WAIT
    tasks.tick(now=timezone.now() + dt.timedelta(minutes=5))
    pub.refresh_from_db()
    assert pub.state == PublicationState.PUBLISHED and len(ig_fake.live_posts()) == 1
    post.refresh_from_db()
    assert post.state == State.PUBLISHED


def test_rate_limit_retries_with_backoff(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    ig_fake.ig_users[ig_account.external_id]["quota_total"] = 0
    tasks.tick()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.RETRY_WAIT and pub.last_error["kind"] == "rate_limited"
    assert pub.next_try_at is not None
    assert (pub.next_try_at - timezone.now()).total_seconds() > 3000  # retry_after 1 h


def test_rejected_media_fails_for_good_and_tells_people(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    User.objects.filter(pk=post.author_id).update(email="author@example.com")
    ig_fake.misbehave("create_container", "reject_media")
    tasks.tick()
    pub = Publication.objects.get(post=post)
    assert pub.state == PublicationState.FAILED and pub.last_error["kind"] == "media_rejected"
    post.refresh_from_db()
    assert post.state == State.FAILED and "Replace the photo" in post.failure_reason
    assert any("Not published" in m.subject and "author@example.com" in m.to for m in mail.outbox)
    assert ig_fake.live_posts() == []


def test_expired_token_needs_reauth(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    ig_fake.expire(ig_account.access_token())
    tasks.tick()
    ig_account.refresh_from_db()
    assert ig_account.status == AccountStatus.NEEDS_REAUTH
    assert Publication.objects.get(post=post).state == PublicationState.FAILED


def test_gate_rerun_at_publish_time_stops_a_revoked_release(
    ig_fake: InstagramFake, ig_account: ConnectedAccount, make_due_post: Callable[..., Post]
) -> None:
    from clearpost.app.authorizations.models import Authorization

    post = make_due_post()
    first = post.media.first()
    assert first is not None
    link = first.item.links.first()
    assert link is not None and link.authorization_id is not None
    Authorization.objects.filter(pk=link.authorization_id).update(
        revoked_at=timezone.now() - dt.timedelta(minutes=1)
    )
    tasks.tick()
    post.refresh_from_db()
    assert post.state == State.FAILED and "HIPAA-AUTH-DEFECT-REVOKED" in post.failure_reason
    assert ig_fake.live_posts() == [] and not Publication.objects.filter(post=post).exists()
