"""Publishing a scheduled post to each of its accounts, exactly once.

The rules, in order:

1. The gate runs again at publish time (`posts.actions.publish_check`); a post that no
   longer passes is failed with its reasons and nothing is sent.
2. Each (post, account) has one `Publication` row (a unique constraint). Before every
   platform call a `PublishAttempt` is written and committed; the call happens outside
   the transaction.
3. An attempt still `in_flight` past its lease means the worker died mid-call. Its
   outcome is asked of the platform (`status` by handle, then `find_published` among
   the account's recent posts), never assumed; only "not there" allows a new create.
   So does an error that says the create may have happened (`maybe_committed`).
4. Transient errors and rate limits retry with backoff (30 s, 2 min, 10 min, 30 min,
   1 h); permanent ones stop, are recorded on the post and mailed to its author and
   approvers. Nothing fails silently.
5. Every step is an audit event on the post: its evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from clearpost.app.audit.actions import record
from clearpost.app.env import Env
from clearpost.app.posts import actions as posts
from clearpost.app.posts.models import Post, State
from clearpost.app.publishing import accounts, media_links
from clearpost.app.publishing.models import (
    AttemptOutcome,
    ConnectedAccount,
    Publication,
    PublicationState,
    PublishAttempt,
)
from clearpost.app.publishing.registry import LiveCallRefused, provider_for
from clearpost.providers.base import MediaFile, PostState, Provider, PublishRequest, Receipt
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError

log = logging.getLogger(__name__)

RULE = "HIPAA-AUTH-LINK-RECORD"
BACKOFF = (30, 120, 600, 1800, 3600)
PROCESSING_CHECK = 30
DONE = frozenset(
    {
        PublicationState.PUBLISHED,
        PublicationState.MANUAL,
        PublicationState.FAILED,
        PublicationState.CANCELLED,
        PublicationState.DELETED,
        PublicationState.TAKEDOWN_OPEN,
        PublicationState.TAKEN_DOWN_MANUALLY,
    }
)
MIME = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


def lease_seconds() -> int:
    """How long an in-flight call may run before its worker is presumed dead."""
    return Env().integer("CLEARPOST_PUBLISH_LEASE_SECONDS", 600, minimum=1)


def evidence(pub: Publication, action: str, rule: str = RULE, **detail: Any) -> None:
    record(
        action,
        actor_label="system",
        practice=pub.practice,
        obj=pub.post,
        rule=rule,
        detail={
            "publication": pub.public_id,
            "platform": pub.account.platform,
            "account": pub.account.public_id,
            **detail,
        },
    )


def notify(post: Post, subject: str, body: str) -> None:
    """Mail the post's author and approvers (the outbox folder in the embedded setup)."""
    people = {post.author.email} | {
        a.approver.email for a in post.approvals.select_related("approver") if a.approver
    }
    to = sorted(e for e in people if e)
    if to:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=True)


# --- the request a provider gets ------------------------------------------------------
def build_request(pub: Publication) -> PublishRequest:
    post = pub.post
    items = post.ordered_media()
    kind = post.get_post_type_display()
    media: list[MediaFile] = []
    from clearpost.app.media.actions import storage

    for i, pm in enumerate(items, start=1):
        item = pm.item
        if item.status != "cleared" or not item.derivative:
            raise ProviderError(
                ErrorKind.MEDIA_REJECTED,
                f"Media {item.public_id} is not cleared; it cannot be published.",
                platform="ClearPost",
                code="not_cleared",
            )
        ext = (item.derivative_ext or Path(item.derivative).suffix).lstrip(".").lower()
        media.append(
            MediaFile(
                path=Path(storage().path(item.derivative)),
                mime_type=MIME.get(ext, "application/octet-stream"),
                alt_text=f"{kind}, photo {i} of {len(items)}",
                public_url=media_links.url_for(item.derivative, ext),
            )
        )
    evidence_lines = tuple(
        (f"Approval ({a.kind})", f"{a.approver} at {a.approved_at:%Y-%m-%d %H:%M} UTC")
        for a in post.approvals.filter(voided_at__isnull=True).select_related("approver")
    )
    return PublishRequest(
        account_id=pub.account.external_id,
        caption=post.caption,
        media=media,
        title=kind,
        reference=post.public_id,
        evidence=(("Post", post.public_id), *evidence_lines),
    )


# --- the task bodies -----------------------------------------------------------------
def publish_post(post_pk: int) -> list[str]:
    """Gate, then every target; safe to run any number of times."""
    post = Post.objects.select_related("practice", "author").get(pk=post_pk)
    pubs = list(Publication.objects.filter(post=post))
    started = any(p.state not in (PublicationState.QUEUED,) for p in pubs)
    if post.state != State.SCHEDULED and not (started and post.state == State.FAILED):
        return [p.state for p in pubs]
    if post.state == State.SCHEDULED:
        check = posts.publish_check(post)
        if not check.ok:
            reason = "; ".join(check.problems) or "The gate did not pass at publish time."
            posts.mark_failed(post, reason)
            notify(post, f"Not published: {post.public_id}", reason)
            return []
    for account in post.target_accounts():
        pub = ensure_publication(post, account)
        run_publication(pub.pk)
    finish_post(post.pk)
    return [p.state for p in Publication.objects.filter(post=post)]


def ensure_publication(post: Post, account: ConnectedAccount) -> Publication:
    pub, _ = Publication.objects.get_or_create(
        post=post,
        account=account,
        defaults={
            "practice": post.practice,
            "caption_sha256": hashlib.sha256(post.caption.encode()).hexdigest(),
        },
    )
    return pub


def _claim(pub_pk: int, now: dt.datetime | None = None) -> tuple[Publication, str] | None:
    """Lock the row and decide: "publish", "reconcile", or None (nothing to do now)."""
    now = now or timezone.now()
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub_pk)
        )
        if pub.state in DONE:
            return None
        if pub.takedown_requested_at is not None:
            return None  # its release ended: only the takedown touches it now
        if pub.state == PublicationState.RETRY_WAIT and pub.next_try_at and pub.next_try_at > now:
            return None
        flying = pub.attempts.filter(outcome=AttemptOutcome.IN_FLIGHT).order_by("-number").first()
        if flying is not None:
            if flying.started_at > now - dt.timedelta(seconds=lease_seconds()):
                return None  # another worker is on it right now
            flying.outcome = AttemptOutcome.UNKNOWN
            flying.finished_at = now
            flying.error = {"message": "The worker stopped during the call."}
            flying.save(update_fields=["outcome", "finished_at", "error"])
            pub.state = PublicationState.UNKNOWN
            pub.save(update_fields=["state", "updated_at"])
            evidence(pub, "publish.interrupted", attempt=flying.number)
        if pub.state in (PublicationState.UNKNOWN, PublicationState.PROCESSING):
            return pub, "reconcile"
        return pub, "publish"


def run_publication(pub_pk: int, now: dt.datetime | None = None) -> str:
    claimed = _claim(pub_pk, now)
    if claimed is None:
        return Publication.objects.get(pk=pub_pk).state
    pub, step = claimed
    try:
        provider = provider_for(pub.account)
        request = build_request(pub)
        token = accounts.usable_token(pub.account)
    except (ProviderError, LiveCallRefused) as exc:
        return _permanent(pub, exc)
    if step == "reconcile":
        found = _reconcile(pub, provider, request, token)
        if found != "absent":
            return found
    return _publish(pub, provider, request, token)


def _next_number(pub: Publication) -> int:
    last = pub.attempts.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _publish(pub: Publication, provider: Provider, request: PublishRequest, token: str) -> str:
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        attempt = PublishAttempt.objects.create(publication=pub, number=_next_number(pub))
        pub.state = PublicationState.IN_FLIGHT
        pub.tries += 1
        pub.save(update_fields=["state", "tries", "updated_at"])
        evidence(pub, "publish.attempt", attempt=attempt.number, resume=bool(pub.handle))
    # The attempt is committed: from here on a crash is reconciled, never repeated blind.

    def on_handle(handle: str) -> None:
        PublishAttempt.objects.filter(pk=attempt.pk).update(handle=handle[:200])
        Publication.objects.filter(pk=pub.pk).update(handle=handle[:200])

    try:
        receipt = provider.publish(request, token, on_handle, resume=pub.handle)
    except ProviderError as exc:
        return _failed_call(pub, attempt, exc)
    except NotSupported as exc:
        _finish(attempt, AttemptOutcome.ERROR, {"message": str(exc)})
        return _permanent(pub, exc)
    except Exception as exc:  # an unexpected failure after the request may have gone out
        log.exception("publish call failed for %s", pub.public_id)
        err = ProviderError(
            ErrorKind.UNKNOWN,
            f"Unexpected failure ({type(exc).__name__}).",
            platform=pub.account.platform,
            maybe_committed=True,
        )
        return _failed_call(pub, attempt, err)
    return _store_receipt(pub, attempt, receipt)


def _finish(attempt: PublishAttempt, outcome: str, error: dict[str, Any] | None = None) -> None:
    attempt.outcome = outcome
    attempt.finished_at = timezone.now()
    attempt.error = error or {}
    attempt.save(update_fields=["outcome", "finished_at", "error"])


def _store_receipt(
    pub: Publication,
    attempt: PublishAttempt,
    receipt: Receipt,
    outcome: str = AttemptOutcome.PUBLISHED,
) -> str:
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        if receipt.handle:
            pub.handle = receipt.handle[:200]
        pub.media_hashes = list(receipt.media_hashes)
        if receipt.state is PostState.PROCESSING:
            _finish(attempt, AttemptOutcome.PROCESSING)
            pub.state = PublicationState.PROCESSING
            pub.next_try_at = timezone.now() + dt.timedelta(seconds=PROCESSING_CHECK)
            pub.save()
            evidence(pub, "publish.processing", handle=pub.handle, detail=receipt.detail)
            _schedule(pub, PROCESSING_CHECK)
            return pub.state
        _finish(attempt, outcome)
        pub.state = (
            PublicationState.MANUAL
            if receipt.state is PostState.MANUAL
            else PublicationState.PUBLISHED
        )
        pub.platform_post_id = receipt.post_id[:200]
        pub.url = receipt.url[:500]
        pub.published_at = receipt.published_at or timezone.now()
        pub.last_error = {}
        pub.next_try_at = None
        pub.save()
        ConnectedAccount.objects.filter(pk=pub.account_id).update(last_used_at=timezone.now())
        evidence(
            pub,
            "publish.receipt",
            post_id=pub.platform_post_id,
            url=pub.url,
            at=pub.published_at.isoformat(),
            media_sha256=pub.media_hashes,
            caption_sha256=pub.caption_sha256,
            manual=pub.state == PublicationState.MANUAL,
        )
    return pub.state


def _failed_call(pub: Publication, attempt: PublishAttempt, exc: ProviderError) -> str:
    if exc.maybe_committed:
        _finish(attempt, AttemptOutcome.UNKNOWN, exc.as_dict())
        with transaction.atomic():
            pub = (
                Publication.objects.select_for_update()
                .select_related("account", "post")
                .get(pk=pub.pk)
            )
            pub.state = PublicationState.UNKNOWN
            pub.last_error = exc.as_dict()
            pub.save(update_fields=["state", "last_error", "updated_at"])
            evidence(pub, "publish.outcome_unknown", error=exc.as_dict())
        # Ask the platform now; only its "not there" allows another create, and that
        # one waits its backoff like any retry.
        try:
            provider = provider_for(pub.account)
            request = build_request(pub)
            token = accounts.usable_token(pub.account)
        except (ProviderError, LiveCallRefused) as err:
            return _permanent(pub, err)
        found = _reconcile(pub, provider, request, token, resume=False)
        if found != "absent":
            return found
        pub.refresh_from_db()
        if pub.tries < len(BACKOFF):
            return _retry_later(pub, exc)
        return _permanent(pub, exc)
    _finish(attempt, AttemptOutcome.ERROR, exc.as_dict())
    if exc.kind is ErrorKind.AUTH_EXPIRED:
        accounts.mark_needs_reauth(pub.account, exc.message)
    if exc.retryable and pub.tries < len(BACKOFF):
        return _retry_later(pub, exc)
    return _permanent(pub, exc)


def _retry_later(pub: Publication, exc: ProviderError) -> str:
    delay = max(BACKOFF[min(pub.tries, len(BACKOFF)) - 1], int(exc.retry_after or 0))
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        pub.state = PublicationState.RETRY_WAIT
        pub.next_try_at = timezone.now() + dt.timedelta(seconds=delay)
        pub.last_error = exc.as_dict()
        pub.save(update_fields=["state", "next_try_at", "last_error", "updated_at"])
        evidence(pub, "publish.retry_scheduled", error=exc.as_dict(), after_seconds=delay)
    _schedule(pub, delay)
    return pub.state


def _permanent(pub: Publication, exc: Exception) -> str:
    info = exc.as_dict() if isinstance(exc, ProviderError) else {"message": str(exc)}
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update().select_related("account", "post").get(pk=pub.pk)
        )
        pub.state = PublicationState.FAILED
        pub.last_error = info
        pub.next_try_at = None
        pub.save(update_fields=["state", "last_error", "next_try_at", "updated_at"])
        evidence(pub, "publish.failed", error=info)
    notify(
        pub.post,
        f"Not published to {pub.account.get_platform_display()}: {pub.post.public_id}",
        f"{info.get('message')}\n\nThe post stays unpublished on this account until "
        "someone fixes the cause and schedules it again.",
    )
    return pub.state


def _reconcile(
    pub: Publication,
    provider: Provider,
    request: PublishRequest,
    token: str,
    *,
    resume: bool = True,
) -> str:
    """Ask the platform what became of the last call: "absent" lets a new create go."""
    first = pub.attempts.order_by("number").first()
    since = first.started_at if first else pub.created_at
    with transaction.atomic():
        attempt = PublishAttempt.objects.create(
            publication=pub, number=_next_number(pub), kind="reconcile", handle=pub.handle
        )
    try:
        if pub.handle and pub.state == PublicationState.PROCESSING:
            # Resume with the platform's own in-flight ID: it never creates a second post.
            return _publish_resume(pub, attempt, provider, request, token)
        found = provider.find_published(request, token, since)
    except ProviderError as exc:
        _finish(attempt, AttemptOutcome.ERROR, exc.as_dict())
        if exc.kind is ErrorKind.AUTH_EXPIRED:
            accounts.mark_needs_reauth(pub.account, exc.message)
            return _permanent(pub, exc)
        with transaction.atomic():
            locked = Publication.objects.select_for_update().get(pk=pub.pk)
            locked.state = PublicationState.UNKNOWN
            locked.next_try_at = timezone.now() + dt.timedelta(seconds=BACKOFF[0])
            locked.last_error = exc.as_dict()
            locked.save(update_fields=["state", "next_try_at", "last_error", "updated_at"])
        _schedule(pub, BACKOFF[0])
        return PublicationState.UNKNOWN
    if found is not None:
        receipt = Receipt(
            found.state,
            found.post_id,
            found.url,
            timezone.now(),
            pub.handle,
            tuple(m.sha256() for m in request.media),
            "found by reconciling",
        )
        evidence(pub, "publish.reconciled", found=True, post_id=found.post_id)
        return _store_receipt(pub, attempt, receipt, AttemptOutcome.FOUND)
    _finish(attempt, AttemptOutcome.ABSENT)
    evidence(pub, "publish.reconciled", found=False)
    if resume and pub.handle and pub.account.platform in ("instagram", "facebook", "tiktok"):
        return _publish_resume(pub, attempt, provider, request, token)
    with transaction.atomic():
        Publication.objects.filter(pk=pub.pk).update(state=PublicationState.QUEUED)
    return "absent"


def _publish_resume(
    pub: Publication,
    attempt: PublishAttempt,
    provider: Provider,
    request: PublishRequest,
    token: str,
) -> str:
    try:
        receipt = provider.publish(request, token, None, resume=pub.handle)
    except ProviderError as exc:
        return _failed_call(pub, attempt, exc)
    return _store_receipt(pub, attempt, receipt)


def _schedule(pub: Publication, delay: int) -> None:
    from clearpost.app.publishing.tasks import continue_publication

    at = timezone.now() + dt.timedelta(seconds=delay)
    transaction.on_commit(lambda: _enqueue_later(continue_publication, at, pub.public_id))


def _enqueue_later(task: Any, at: dt.datetime, *args: Any) -> None:
    backend = task.get_backend()
    if backend.supports_defer:
        task.using(run_after=at).enqueue(*args)
    # The immediate backend cannot defer: the periodic tick picks the row up when due.


def finish_post(post_pk: int) -> None:
    """Move the post when every publication has an answer."""
    post = Post.objects.get(pk=post_pk)
    pubs = list(Publication.objects.filter(post=post).select_related("account"))
    if not pubs or any(p.state not in DONE for p in pubs):
        return
    failed = [p for p in pubs if p.state == PublicationState.FAILED]
    live = [p for p in pubs if p.state in (PublicationState.PUBLISHED, PublicationState.MANUAL)]
    if failed and post.state == State.SCHEDULED:
        reasons = "; ".join(
            f"{p.account.get_platform_display()}: {p.last_error.get('message', 'failed')}"
            for p in failed
        )
        if live:
            reasons += (
                " (published on: " + ", ".join(p.account.get_platform_display() for p in live) + ")"
            )
        posts.mark_failed(post, reasons)
    elif not failed and live and post.state in (State.SCHEDULED, State.FAILED):
        posts.mark_published(post)


def due_publications(now: dt.datetime | None = None) -> Iterable[int]:
    """Publications that need a turn: retries due, processing checks, stale calls."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=lease_seconds())
    waiting = Publication.objects.filter(
        state__in=[
            PublicationState.RETRY_WAIT,
            PublicationState.PROCESSING,
            PublicationState.UNKNOWN,
        ],
    ).exclude(next_try_at__gt=now)
    flying = Publication.objects.filter(
        state=PublicationState.IN_FLIGHT,
        attempts__outcome=AttemptOutcome.IN_FLIGHT,
        attempts__started_at__lte=stale,
    )
    return sorted(
        set(waiting.values_list("pk", flat=True)) | set(flying.values_list("pk", flat=True))
    )
