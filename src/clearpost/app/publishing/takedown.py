"""Takedown when a release is revoked or expires (HIPAA-AUTH-REVOKE-EFFECT).

The durable events `authorization.revoked` / `authorization.expired` arrive right after
the revoking transaction commits. The subscriber only marks what depends on the release
and queues the work, so it is quick and idempotent:

- scheduled or approved posts are unscheduled (failed with the reason), drafts and posts
  in review are blocked by the gate, which sees the ended release;
- every publication not yet live is cancelled, and one whose outcome is unknown is
  reconciled first and cancelled only if the platform has nothing;
- every live publication is deleted through its provider; where the platform cannot
  delete (TikTok, kits, the Instagram Login path) or the delete fails for good, a
  manual `Takedown` opens with the post's address, the steps and a deadline, and
  escalates to the privacy officer when the deadline passes.

Each step is an audit event on the post. "Cannot delete" is never recorded as deleted:
the post is marked taken down only when every publication is gone or a person recorded
the manual takedown.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clearpost.app import events
from clearpost.app.accounts.models import Role
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.authorizations.models import DomainEvent
from clearpost.app.posts import actions as posts
from clearpost.app.posts.models import Post, State
from clearpost.app.publishing import accounts
from clearpost.app.publishing.models import (
    Publication,
    PublicationState,
    Takedown,
    TakedownState,
)
from clearpost.app.publishing.publisher import evidence, notify
from clearpost.app.publishing.registry import LiveCallRefused, provider_for
from clearpost.providers.base import DeleteOutcome
from clearpost.providers.errors import NotSupported, ProviderError

log = logging.getLogger(__name__)

RULE = "HIPAA-AUTH-REVOKE-EFFECT"
MANUAL_DEADLINE = dt.timedelta(hours=24)
MAX_DELETE_TRIES = 3
NOT_LIVE = (PublicationState.QUEUED, PublicationState.RETRY_WAIT)


def affected_posts(authorization_public_id: str) -> list[Post]:
    return list(
        Post.objects.filter(media__item__links__authorization__public_id=authorization_public_id)
        .distinct()
        .select_related("practice")
    )


@events.subscribe(events.AUTHORIZATION_REVOKED)
@events.subscribe(events.AUTHORIZATION_EXPIRED)
def on_release_ended(event: DomainEvent) -> None:
    auth_id = str(event.payload.get("authorization", ""))
    why = "revoked" if event.name == events.AUTHORIZATION_REVOKED else "expired"
    reason = f"{RULE}: release {auth_id} {why}"
    for post in affected_posts(auth_id):
        request_takedown(post, reason)
    transaction.on_commit(lambda: _enqueue_run())


def _enqueue_run() -> None:
    try:
        run_takedowns.enqueue()
    except Exception:  # the heartbeat picks the work up if the queue is down
        log.exception("could not queue the takedown run")


def request_takedown(post: Post, reason: str) -> None:
    """Mark the post's publications for takedown and stop anything not yet published."""
    now = timezone.now()
    with transaction.atomic():
        pubs = list(Publication.objects.select_for_update().filter(post=post))
        for pub in pubs:
            if pub.takedown_requested_at is None:
                pub.takedown_requested_at = now
                pub.takedown_reason = reason[:300]
                if pub.state in NOT_LIVE:
                    pub.state = PublicationState.CANCELLED
                pub.save()
        if post.state in (State.SCHEDULED, State.APPROVED):
            # If it moved meanwhile, the gate refuses it at publish time anyway.
            with contextlib.suppress(ActionError):
                posts.mark_failed(post, f"Unscheduled: {reason}")
            record(
                "publishing.unscheduled",
                actor_label="system",
                practice=post.practice,
                obj=post,
                rule=RULE,
                detail={"reason": reason},
            )
        elif post.state in (State.DRAFT, State.IN_REVIEW, State.AWAITING_PATIENT):
            record(
                "publishing.draft_blocked",
                actor_label="system",
                practice=post.practice,
                obj=post,
                rule=RULE,
                detail={"reason": reason},
            )


@task()
def run_takedowns() -> int:
    return run_due()


def run_due(now: dt.datetime | None = None) -> int:
    """Work every publication marked for takedown; escalate overdue manual ones."""
    done = 0
    for pk in list(
        Publication.objects.filter(takedown_requested_at__isnull=False)
        .exclude(
            state__in=[
                PublicationState.DELETED,
                PublicationState.TAKEDOWN_OPEN,
                PublicationState.TAKEN_DOWN_MANUALLY,
                PublicationState.CANCELLED,
                PublicationState.FAILED,
            ]
        )
        .values_list("pk", flat=True)
    ):
        take_down(pk)
        done += 1
    escalate_overdue(now)
    return done


def take_down(pub_pk: int) -> str:
    pub = Publication.objects.select_related("account", "post", "practice").get(pk=pub_pk)
    if pub.state not in (PublicationState.PUBLISHED, PublicationState.MANUAL):
        return _settle_unfinished(pub)
    try:
        provider = provider_for(pub.account)
        token = accounts.usable_token(pub.account)
        if not provider.capabilities.can_delete:
            provider.delete(pub.platform_post_id, token)  # raises NotSupported (kits withdraw)
        result = provider.delete(pub.platform_post_id, token)
    except NotSupported as exc:
        return _open_manual(pub, "The platform cannot delete through its API.", exc.manual_steps)
    except (ProviderError, LiveCallRefused) as exc:
        info = exc.as_dict() if isinstance(exc, ProviderError) else {"message": str(exc)}
        with transaction.atomic():
            locked = (
                Publication.objects.select_for_update()
                .select_related("account", "post")
                .get(pk=pub.pk)
            )
            locked.takedown_tries += 1
            locked.last_error = info
            locked.save(update_fields=["takedown_tries", "last_error", "updated_at"])
            evidence(
                locked, "takedown.delete_failed", rule=RULE, error=info, tries=locked.takedown_tries
            )
        retry = isinstance(exc, ProviderError) and exc.retryable
        if retry and locked.takedown_tries < MAX_DELETE_TRIES:
            return str(pub.state)
        return _open_manual(pub, f"The delete failed: {info.get('message')}", _steps(pub))
    with transaction.atomic():
        locked = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        locked.state = PublicationState.DELETED
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["state", "deleted_at", "updated_at"])
        evidence(
            locked,
            "takedown.deleted",
            rule=RULE,
            outcome=str(result.outcome),
            detail=result.detail,
            post_id=locked.platform_post_id,
            already_gone=result.outcome is DeleteOutcome.ALREADY_GONE,
        )
    finish(pub.post_id)
    return PublicationState.DELETED


def _settle_unfinished(pub: Publication) -> str:
    """Not (known to be) live: cancel it, asking the platform first when unsure."""
    from clearpost.app.publishing import publisher

    if pub.state in (
        PublicationState.UNKNOWN,
        PublicationState.PROCESSING,
        PublicationState.IN_FLIGHT,
    ):
        try:
            provider = provider_for(pub.account)
            request = publisher.build_request(pub)
            token = accounts.usable_token(pub.account)
            first = pub.attempts.order_by("number").first()
            found = provider.find_published(
                request, token, first.started_at if first else pub.created_at
            )
        except (ProviderError, LiveCallRefused, NotSupported):
            return pub.state  # ask again on the next run
        if found is not None:
            with transaction.atomic():
                Publication.objects.filter(pk=pub.pk).update(
                    state=PublicationState.PUBLISHED,
                    platform_post_id=found.post_id[:200],
                    url=found.url[:500],
                )
            return take_down(pub.pk)
    with transaction.atomic():
        Publication.objects.filter(pk=pub.pk).update(state=PublicationState.CANCELLED)
        evidence(pub, "takedown.cancelled_before_publishing", rule=RULE)
    finish(pub.post_id)
    return PublicationState.CANCELLED


def _steps(pub: Publication) -> str:
    return (
        f"Open {pub.url or 'the post'} signed in as {pub.account.display_name}, delete the post "
        "from the platform's menu, check the address no longer shows it, then mark this "
        "takedown done in ClearPost."
    )


def _open_manual(pub: Publication, why: str, steps: str) -> str:
    deadline = timezone.now() + MANUAL_DEADLINE
    with transaction.atomic():
        locked = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        if locked.state == PublicationState.TAKEDOWN_OPEN:
            return str(locked.state)
        locked.state = PublicationState.TAKEDOWN_OPEN
        locked.save(update_fields=["state", "updated_at"])
        td = Takedown.objects.create(
            practice=locked.practice,
            publication=locked,
            reason=f"{why} ({locked.takedown_reason})"[:300],
            url=locked.url,
            steps=steps,
            deadline=deadline,
        )
        evidence(
            locked,
            "takedown.manual_opened",
            rule=RULE,
            takedown=td.public_id,
            why=why,
            deadline=deadline.isoformat(),
            url=locked.url,
        )
    notify(
        locked.post,
        f"Take down by hand: {locked.post.public_id} on {locked.account.get_platform_display()}",
        f"{why}\n\nSteps: {steps}\nDeadline: {deadline:%Y-%m-%d %H:%M} UTC. After that the privacy "
        "officer is told.",
    )
    return PublicationState.TAKEDOWN_OPEN


def complete_manual(actor: Any, takedown: Takedown, note: str) -> Takedown:
    """A person removed the post by hand and says so; this is the only way a manual
    takedown counts as done."""
    if not note.strip():
        raise ActionError({"note": "Say what you did (for example: deleted in the app at 14:05)."})
    with transaction.atomic():
        td = Takedown.objects.select_for_update().select_related("publication").get(pk=takedown.pk)
        if td.state != TakedownState.OPEN:
            raise ActionError({"": "This takedown is already done."})
        td.state = TakedownState.DONE
        td.done_at = timezone.now()
        td.done_by = actor
        td.note = note[:2000]
        td.save()
        pub = (
            Publication.objects.select_for_update()
            .select_related("account", "post")
            .get(pk=td.publication_id)
        )
        pub.state = PublicationState.TAKEN_DOWN_MANUALLY
        pub.deleted_at = td.done_at
        pub.save(update_fields=["state", "deleted_at", "updated_at"])
        record(
            "takedown.manual_done",
            actor=actor,
            practice=td.practice,
            obj=pub.post,
            rule=RULE,
            detail={"takedown": td.public_id, "publication": pub.public_id, "note": note[:300]},
        )
    finish(pub.post_id)
    done: Takedown = td
    return done


def escalate_overdue(now: dt.datetime | None = None) -> int:
    from clearpost.app.accounts.models import User

    now = now or timezone.now()
    count = 0
    for td in Takedown.objects.filter(
        state=TakedownState.OPEN, escalated_at__isnull=True, deadline__lte=now
    ).select_related("publication__post", "publication__account", "practice"):
        with transaction.atomic():
            if not Takedown.objects.filter(pk=td.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            record(
                "takedown.escalated",
                actor_label="system",
                practice=td.practice,
                obj=td.publication.post,
                rule=RULE,
                detail={"takedown": td.public_id},
            )
        officers = User.objects.filter(
            practice=td.practice, role_grants__role=Role.PRIVACY_OFFICER, is_active=True
        )
        to = sorted({u.email for u in officers if u.email})
        if to:
            send_mail(
                f"Overdue takedown {td.public_id}",
                f"The manual takedown of {td.url or td.publication.public_id} passed its deadline "
                f"({td.deadline:%Y-%m-%d %H:%M} UTC). Steps: {td.steps}",
                settings.DEFAULT_FROM_EMAIL,
                to,
                fail_silently=True,
            )
        count += 1
    return count


def finish(post_pk: int) -> None:
    """Mark the post taken down once nothing of it is left anywhere."""
    post = Post.objects.get(pk=post_pk)
    pubs = list(Publication.objects.filter(post=post))
    if not pubs or any(p.takedown_requested_at is None for p in pubs):
        return
    gone = (
        PublicationState.DELETED,
        PublicationState.TAKEN_DOWN_MANUALLY,
        PublicationState.CANCELLED,
        PublicationState.FAILED,
    )
    removed = any(
        p.state in (PublicationState.DELETED, PublicationState.TAKEN_DOWN_MANUALLY) for p in pubs
    )
    live_states = (State.PUBLISHED, State.FAILED, State.SCHEDULED)
    if removed and all(p.state in gone for p in pubs) and post.state in live_states:
        posts.mark_taken_down(post, pubs[0].takedown_reason or RULE)
