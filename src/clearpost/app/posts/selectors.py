"""Read paths and input checks for posts (no writes): the practice-scoped lookups, the
validation of a post's media, targets and fields, a preview link's lookup, and which
approvals a post still needs. `posts.actions` re-exports them for its callers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import selectors as media_selectors
from clearpost.app.posts import content
from clearpost.app.posts.models import (
    Approval,
    ApprovalKind,
    PatientPreview,
    Post,
    PostType,
    PreviewStatus,
)
from clearpost.app.publishing.models import ConnectedAccount

MAX_CAPTION = 5000
MAX_MEDIA = 10


class LinkInvalid(Exception):
    """The preview link cannot be used (unknown, expired, decided or the post changed)."""


@dataclass
class PostInput:
    post_type: str
    caption: str = ""
    media: Sequence[str] = ()
    targets: Sequence[str] = ()
    scheduled_at: dt.datetime | None = None
    name_shown: str = "none"
    purpose: str = "marketing"
    paid_promotion: bool = False
    graphic: bool = False
    pair: str = ""


def scoped_posts(actor: User) -> QuerySet[Post]:
    """Every post of the actor's practice (none for a user without one)."""
    if actor.practice_id is None:
        return Post.objects.none()
    return Post.objects.filter(practice_id=actor.practice_id).select_related("author")


def post_for(actor: User, public_id: str) -> Post:
    """One post of the actor's practice, or Http404 (also for another practice's post)."""
    found: Post | None = scoped_posts(actor).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such post")
    return found


def practice_of(actor: User) -> Any:
    if actor.practice is None:
        raise PermissionDenied("Not a member of a practice.")
    return actor.practice


def resolve_input(actor: User, data: PostInput) -> tuple[list[Any], list[ConnectedAccount], Any]:
    practice = practice_of(actor)
    errors: dict[str, str] = {}
    if data.post_type not in PostType.values:
        errors["post_type"] = "Choose a post type."
    if len(data.caption) > MAX_CAPTION:
        errors["caption"] = f"The caption is longer than {MAX_CAPTION:,} characters."
    if data.name_shown not in {"none", "first_name", "full_name"}:
        errors["name_shown"] = "Choose none, first name or full name."
    if data.purpose not in {"marketing", "education", "professional_education"}:
        errors["purpose"] = "Choose marketing, education or professional education."
    pair = None
    ids = list(dict.fromkeys(data.media))
    if data.pair:
        try:
            pair = media_selectors.pair_for(practice, data.pair)
        except Http404:  # also for another practice's pair
            errors["pair"] = "No such before/after pair."
        else:
            ids = [pair.before.public_id, pair.after.public_id] + [
                i for i in ids if i not in {pair.before.public_id, pair.after.public_id}
            ]
    if len(ids) > MAX_MEDIA:
        errors["media"] = f"A post holds at most {MAX_MEDIA} media items."
    cleared = {
        m.public_id: m for m in media_selectors.cleared_items(practice).filter(public_id__in=ids)
    }
    missing = [i for i in ids if i not in cleared]
    if missing:
        errors["media"] = (
            f"Not cleared media of this practice: {', '.join(missing[:5])}. "
            "Choose items the media library shows as cleared (HIPAA-DEID-SAFE-HARBOR-18)."
        )
    tids = list(dict.fromkeys(data.targets))
    accounts = {
        a.public_id: a
        for a in ConnectedAccount.objects.filter(practice=practice, public_id__in=tids)
    }
    unknown = [t for t in tids if t not in accounts]
    if unknown:
        errors["targets"] = f"Not an account of this practice: {', '.join(unknown[:5])}."
    if errors:
        raise ActionError(errors)
    return [cleared[i] for i in ids], [accounts[t] for t in tids], pair


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def preview_for_token(token: str, *, lock: bool = False) -> PatientPreview:
    """The live preview for a link, or LinkInvalid for any reason (never says which)."""
    if not token or len(token) > 100:
        raise LinkInvalid
    rows = PatientPreview.objects.select_related("post", "post__practice")
    if lock:
        rows = rows.select_for_update()
    pv = rows.filter(token_hash=token_hash(token)).first()
    if (
        pv is None
        or pv.status != PreviewStatus.PENDING
        or pv.expires_at <= timezone.now()
        or pv.content_sha256 != content.preview_digest(pv.post)
    ):
        raise LinkInvalid
    return pv


def active_approvals(post: Post, at: dt.datetime | None = None) -> list[Approval]:
    """Approvals that still match the content and whose window has not passed."""
    now = at or timezone.now()
    out = []
    for ap in post.approvals.filter(voided_at__isnull=True).select_related("approver"):
        window = (ap.window_start, ap.window_end)
        if ap.window_end >= now and content.approval_digest(post, window) == ap.content_sha256:
            out.append(ap)
    return out


def approvals_needed(post: Post) -> list[str]:
    needed = [ApprovalKind.REVIEW.value]
    if post.identifiable:
        needed.append(ApprovalKind.PRIVACY.value)
    return needed


def missing_approvals(post: Post, at: dt.datetime | None = None) -> list[str]:
    have = {ap.kind for ap in active_approvals(post, at)}
    return [k for k in approvals_needed(post) if k not in have]


DEFAULT_CAPTION_TEMPLATES: list[tuple[str, str, str]] = [
    (
        "Educational tip",
        "educational_tip",
        "Tip of the week: {topic}. Ask us about it at your consultation.",
    ),
    ("Before/after", "before_after", "{procedure} results, {timeframe}. Individual results vary."),
    ("Team spotlight", "team_spotlight", "Meet our team: {name}, {role}."),
    ("FAQ", "faq", "You asked: {question} Here is the short answer: {answer}"),
    ("Behind the scenes", "behind_the_scenes", "A look behind the scenes at {place}."),
    ("Testimonial", "testimonial", 'In their own words: "{quote}" Individual results vary.'),
]
