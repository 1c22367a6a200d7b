"""The comments inbox: collect, classify, hide PHI, suggest and check replies.

Comments on published posts come in by polling (every `POLL_EVERY` for posts of the last
30 days) and, for Meta, by webhook (`X-Hub-Signature-256` checked against the app
secret). Each is classified by the text engine (`check-text`, kind `comment`): PHI,
post-op or medical question, self-disclosure, negative review, spam. A comment exposing
PHI is hidden at once where the platform allows (Instagram, Facebook, X replies) and
queued for a person otherwise (LinkedIn has no hide). Every classification suggests a
compliant reply; a reply is checked like a caption (kind `reply`, so confirming someone
is a patient is caught) and sent only by a person pressing Send, or, when the practice
turns on `PublishingSettings.replies_need_approval`, only once a reviewer or privacy
officer other than its writer approves it (checked again at that moment).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clearpost.app.accounts.models import Role
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.posts.content import _analyzer, text_profile
from clearpost.app.publishing import accounts
from clearpost.app.publishing.models import (
    AccountStatus,
    CommentState,
    ConnectedAccount,
    InboxComment,
    Platform,
    Publication,
    PublicationState,
    PublishingSettings,
)
from clearpost.app.publishing.publisher import notify
from clearpost.app.publishing.registry import LiveCallRefused, provider_for
from clearpost.engine.text import Result
from clearpost.engine.text.model import PHI_CATEGORIES
from clearpost.providers.base import Comment
from clearpost.providers.errors import NotSupported, ProviderError

log = logging.getLogger(__name__)

RULE_HIDE = "HIPAA-MITIGATE"
RULE_REPLY = "HIPAA-REVIEW-NO-CONFIRM"
POLL_EVERY = dt.timedelta(minutes=5)
POLL_WINDOW = dt.timedelta(days=30)
APPROVER_ROLES = (Role.REVIEWER, Role.PRIVACY_OFFICER)
SETTINGS_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)


def classify(practice: Any, text: str) -> Result | None:
    try:
        return _analyzer(text_profile(practice)).analyze(text, "comment")
    except Exception:
        log.exception("comment classification failed")
        return None


def collect(pub: Publication) -> int:
    """Fetch the publication's comments; store, classify and act on the new ones."""
    try:
        provider = provider_for(pub.account)
        if not provider.capabilities.comments_read:
            return 0
        token = accounts.usable_token(pub.account)
        comments = provider.list_comments(pub.platform_post_id, token)
    except (ProviderError, NotSupported, LiveCallRefused) as exc:
        log.warning("comments of %s not collected: %s", pub.public_id, exc)
        return 0
    Publication.objects.filter(pk=pub.pk).update(comments_polled_at=timezone.now())
    own = {pub.account.handle.lstrip("@"), pub.account.display_name, pub.account.external_id}
    known = set(InboxComment.objects.filter(publication=pub).values_list("external_id", flat=True))
    replies = set(
        InboxComment.objects.filter(publication=pub).values_list("reply_external_id", flat=True)
    )
    new = 0
    for c in comments:
        if c.id in known or c.id in replies or c.author in own:
            continue
        if _store(pub.account, pub, c, provider, token):
            new += 1
    return new


def collect_reviews(account: ConnectedAccount) -> int:
    """Reviews of the practice (Google Business Profile reviews, Facebook Page
    recommendations): same inbox, same classification; a business cannot hide a review,
    so one exposing PHI goes to a person, and replies go through the platform's reply
    endpoint once checked."""
    try:
        provider = provider_for(account)
        token = accounts.usable_token(account)
        reader = getattr(provider, "list_reviews", None)
        if reader is None:
            return 0
        reviews = reader(account.external_id, token)
    except (ProviderError, NotSupported, LiveCallRefused) as exc:
        log.warning("reviews of %s not collected: %s", account.public_id, exc)
        return 0
    ConnectedAccount.objects.filter(pk=account.pk).update(reviews_polled_at=timezone.now())
    known = set(
        InboxComment.objects.filter(account=account, publication__isnull=True).values_list(
            "external_id", flat=True
        )
    )
    return sum(
        1 for c in reviews if c.id not in known and _store(account, None, c, provider, token)
    )


def _store(
    account: ConnectedAccount, pub: Publication | None, c: Comment, provider: Any, token: str
) -> bool:
    result = classify(account.practice, c.text)
    cats = sorted({str(f.category) for f in result.findings}) if result else ["UNCHECKED"]
    phi = result is None or bool(result.categories() & PHI_CATEGORIES)
    try:
        with transaction.atomic():
            row = InboxComment(
                practice=account.practice,
                publication=pub,
                account=account,
                external_id=c.id[:200],
                parent_external_id=c.parent_id[:200],
                commented_at=c.created_at,
                decision=result.decision if result else "block",
                categories=cats,
                rules=sorted({f.rule for f in result.findings}) if result else [],
                action=(result.action or "none") if result else "hide_pending_review",
                suggested_reply=(result.reply_template or "") if result else "",
            )
            row.seal(c.text, c.author)
            row.save()
            record(
                "inbox.received",
                actor_label="system",
                practice=account.practice,
                obj=row,
                rule=RULE_HIDE if phi else "",
                detail={"categories": cats, "platform": account.platform},
            )
    except IntegrityError:
        return False  # another poll or the webhook stored it first
    if phi and not c.hidden:
        _hide_or_queue(row, provider, token)
    elif not phi and row.action in ("none", ""):
        InboxComment.objects.filter(pk=row.pk).update(state=CommentState.DONE)
    return True


def _hide_or_queue(row: InboxComment, provider: Any, token: str) -> None:
    pub = row.publication
    try:
        if not provider.capabilities.comments_hide or pub is None:
            raise NotSupported(provider.capabilities.platform, "hide this", "Deal with it by hand.")
        provider.hide_comment(row.external_id, token)
    except (ProviderError, NotSupported) as exc:
        with transaction.atomic():
            InboxComment.objects.filter(pk=row.pk).update(state=CommentState.NEEDS_PERSON)
            record(
                "inbox.needs_person",
                actor_label="system",
                practice=row.practice,
                obj=row,
                rule=RULE_HIDE,
                detail={"why": str(exc)[:300]},
            )
        if pub is None:
            return  # a review: it waits in the inbox, marked for a person
        notify(
            pub.post,
            "A comment with patient information needs you",
            f"A comment on {pub.url or pub.public_id} may expose patient information and could "
            "not be hidden automatically. Open the ClearPost inbox to deal with it.",
        )
        return
    with transaction.atomic():
        InboxComment.objects.filter(pk=row.pk).update(
            state=CommentState.HIDDEN, hidden_at=timezone.now()
        )
        record(
            "inbox.hidden",
            actor_label="system",
            practice=row.practice,
            obj=pub.post,
            rule=RULE_HIDE,
            detail={"comment": row.public_id, "platform": pub.account.platform},
        )


def check_reply(practice: Any, text: str) -> Result | None:
    try:
        return _analyzer(text_profile(practice)).analyze(text, "reply")
    except Exception:
        return None


def checked(practice: Any, text: str) -> str:
    """The reply text once it passes the check (for review sites without a reply API it
    is then ready to paste); ActionError with the findings otherwise. Fails closed."""
    text = text.strip()
    if not text:
        raise ActionError({"text": "Write a reply first."})
    result = check_reply(practice, text)
    if result is None:
        raise ActionError({"text": "The reply could not be checked, so it cannot be used."})
    blocking = [f for f in result.findings if f.severity == "block"]
    if blocking:
        raise ActionError({"text": [f"{f.rule}: {f.message}" for f in blocking]})
    return text


def replies_need_approval(practice: Any) -> bool:
    row = PublishingSettings.objects.filter(practice=practice).first()
    return bool(row and row.replies_need_approval)


def set_replies_need_approval(actor: Any, on: bool) -> PublishingSettings:
    """The practice setting, changed by an owner or privacy officer, audited."""
    if actor.practice is None or not actor.has_role(*SETTINGS_ROLES):
        raise ActionError({"": "Only an owner or privacy officer can change this setting."})
    with transaction.atomic():
        row, _ = PublishingSettings.objects.select_for_update().get_or_create(
            practice=actor.practice
        )
        before = row.replies_need_approval
        row.replies_need_approval = on
        row.updated_by = actor
        row.save()
        record(
            "publishing.settings_changed",
            actor=actor,
            obj=row,
            rule=RULE_REPLY,
            before={"replies_need_approval": before},
            after={"replies_need_approval": on},
        )
    saved: PublishingSettings = row
    return saved


def _deliver(row: InboxComment, text: str) -> str:
    account = row.publication.account if row.publication is not None else row.account
    if account is None:
        raise ActionError({"": "This comment has no account to reply from."})
    try:
        provider = provider_for(account)
        reply_id: str = provider.reply(row.external_id, text, accounts.usable_token(account))
    except NotSupported as exc:
        raise ActionError({"": str(exc)}) from exc
    except (ProviderError, LiveCallRefused) as exc:
        raise ActionError({"": f"Not sent: {exc}"}) from exc
    return reply_id


def _mark_replied(actor: Any, row: InboxComment, reply_id: str, text: str, **extra: Any) -> None:
    locked = InboxComment.objects.select_for_update().get(pk=row.pk)
    locked.state = CommentState.REPLIED
    locked.reply_external_id = reply_id[:200]
    locked.replied_at = timezone.now()
    locked.replied_by = actor
    locked.pending_reply_enc = ""
    locked.save()
    record(
        "inbox.replied",
        actor=actor,
        obj=locked,
        rule=RULE_REPLY,
        detail={"reply_sha256": hashlib.sha256(text.encode()).hexdigest(), **extra},
    )


def send_reply(actor: Any, row: InboxComment, text: str) -> InboxComment:
    """Check the reply like a caption, then send it through the platform's reply call;
    when the practice requires a second approval, hold it for one instead."""
    text = checked(row.practice, text)
    if row.state == CommentState.REPLIED:
        raise ActionError({"": "This comment has been answered already."})
    if replies_need_approval(row.practice):
        with transaction.atomic():
            locked = InboxComment.objects.select_for_update().get(pk=row.pk)
            locked.seal_pending_reply(text)
            locked.pending_reply_by = actor
            locked.pending_reply_at = timezone.now()
            locked.state = CommentState.AWAITING_APPROVAL
            locked.save()
            record(
                "inbox.reply_proposed",
                actor=actor,
                obj=locked,
                rule=RULE_REPLY,
                detail={"reply_sha256": hashlib.sha256(text.encode()).hexdigest()},
            )
        held: InboxComment = locked
        return held
    reply_id = _deliver(row, text)
    with transaction.atomic():
        _mark_replied(actor, row, reply_id, text)
    return InboxComment.objects.get(pk=row.pk)


def approve_reply(actor: Any, row: InboxComment) -> InboxComment:
    """A reviewer or privacy officer, never the reply's writer, approves the held reply;
    it is checked again (the practice's rules may have changed) and then sent."""
    if not actor.has_role(*APPROVER_ROLES):
        raise ActionError({"": "Only a reviewer or privacy officer can approve a reply."})
    with transaction.atomic():
        locked = InboxComment.objects.select_for_update().get(pk=row.pk)
        if locked.state != CommentState.AWAITING_APPROVAL or not locked.pending_reply_enc:
            raise ActionError({"": "No reply is waiting for approval on this comment."})
        if locked.pending_reply_by_id == actor.pk:
            raise ActionError({"": "A second person must approve your reply, not you."})
        text = locked.pending_reply()
        writer = locked.pending_reply_by_id
    text = checked(locked.practice, text)
    reply_id = _deliver(locked, text)
    with transaction.atomic():
        record(
            "inbox.reply_approved",
            actor=actor,
            obj=locked,
            rule=RULE_REPLY,
            detail={"reply_sha256": hashlib.sha256(text.encode()).hexdigest()},
        )
        _mark_replied(actor, locked, reply_id, text, written_by=writer)
    return InboxComment.objects.get(pk=row.pk)


def read_text(actor: Any, row: InboxComment) -> tuple[str, str]:
    """The comment's text and author for a person, each read audited (PHI)."""
    record("inbox.read", actor=actor, obj=row, rule="SEC-AUDIT-CONTROLS")
    return row.text(), row.author()


def poll_due(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    pubs = Publication.objects.filter(
        state=PublicationState.PUBLISHED,
        published_at__gte=now - POLL_WINDOW,
        takedown_requested_at__isnull=True,
    ).exclude(comments_polled_at__gt=now - POLL_EVERY)
    found = sum(collect(p) for p in pubs.select_related("account", "post", "practice"))
    review_sites = ConnectedAccount.objects.filter(
        platform__in=(Platform.GBP, Platform.FACEBOOK), status=AccountStatus.ACTIVE
    ).exclude(reviews_polled_at__gt=now - POLL_EVERY)
    return found + sum(collect_reviews(a) for a in review_sites.select_related("practice"))


def verify_meta_signature(app_secret: str, body: bytes, header: str) -> bool:
    """Meta signs webhook bodies: `X-Hub-Signature-256: sha256=<hex HMAC of the body>`."""
    if not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def on_meta_webhook(payload: dict[str, Any]) -> int:
    """A verified webhook: collect the comments of each media or post it names."""
    ids: set[str] = set()
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            media = (value.get("media") or {}).get("id") or value.get("post_id")
            if media:
                ids.add(str(media))
    pubs = Publication.objects.filter(platform_post_id__in=ids, state=PublicationState.PUBLISHED)
    return sum(collect(p) for p in pubs.select_related("account", "post", "practice"))
