"""The only write paths for posts. Each action runs in one transaction with its audit
event, so a change and its evidence commit together or not at all.

For the publishing app: call `publish_check(post)` at the moment of publishing (it
re-runs the gate for *now*, never a time the caller passes, stores the run and checks
the approvals), then `mark_published`, `mark_failed` or `mark_taken_down`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import check_roles, deny
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import selectors as media_selectors
from clearpost.app.posts import content
from clearpost.app.posts.models import (
    EDITABLE_STATES,
    Approval,
    ApprovalKind,
    CaptionTemplate,
    GateRun,
    Justification,
    PatientPreview,
    Post,
    PostMedia,
    PostPolicy,
    PostTarget,
    PostType,
    PreviewStatus,
    State,
)
from clearpost.app.publishing.models import ConnectedAccount
from clearpost.engine import gate

COMPOSE_ROLES = (Role.OWNER, Role.CONTENT_CREATOR)
REVIEW_ROLES = (Role.OWNER, Role.REVIEWER)
PRIVACY_ROLES = (Role.PRIVACY_OFFICER,)
JUSTIFY_ROLES = (Role.OWNER, Role.REVIEWER, Role.PRIVACY_OFFICER)
PREVIEW_LIFETIME = dt.timedelta(days=7)
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


@dataclass
class PublishCheck:
    ok: bool
    result: gate.GateResult
    problems: list[str] = field(default_factory=list)


# Reading ----------------------------------------------------------------------------
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


def _practice(actor: User) -> Any:
    if actor.practice is None:
        raise PermissionDenied("Not a member of a practice.")
    return actor.practice


# Composing --------------------------------------------------------------------------
def _validate(actor: User, data: PostInput) -> tuple[list[Any], list[ConnectedAccount], Any]:
    practice = _practice(actor)
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


def _state_snapshot(post: Post) -> dict[str, Any]:
    return {
        "caption": post.caption,
        "media": content.media_hashes(post),
        "targets": content.target_ids(post),
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "terms": content.post_terms(post),
        "state": post.state,
    }


def _store_gate(post: Post, result: gate.GateResult, at: dt.datetime) -> None:
    post.gate = result.to_dict()
    post.gate_passed = result.passed
    post.gate_checked_at = timezone.now()
    post.risk = result.risk
    post.identifiable = result.identifiable
    post.preview_required = result.preview_required
    post.save()


def run_gate(
    post: Post, stage: gate.Stage, *, at: dt.datetime | None = None, actor: User | None = None
) -> tuple[gate.GateResult, GateRun]:
    """Run and store the gate (a GateRun row plus the copy on the post). The linked
    releases are decrypted for the consent engine: the event names them."""
    gi = content.build_gate_input(post, stage, at)
    result = gate.run_gate(gi.post_in)
    body = result.to_dict()
    run = GateRun.objects.create(
        post=post,
        stage=stage,
        at=gi.post_in.at,
        passed=result.passed,
        result=body,
        result_sha256=content.sha256_json(body),
        content_sha256=gi.content_sha256,
    )
    _store_gate(post, result, gi.post_in.at)
    record(
        "post.gate",
        actor=actor,
        actor_label=None if actor is not None else "system",
        practice=post.practice,
        obj=post,
        rule="HIPAA-AUTH-SCOPE-MATCH",
        detail={
            "stage": stage,
            "passed": result.passed,
            "rules": sorted({f.rule for f in result.blocking}),
            "releases": [a.public_id for a in gi.releases],
            "gate_run": run.pk,
            "result_sha256": run.result_sha256,
            "content_sha256": run.content_sha256,
        },
    )
    return result, run


def _set_content(post: Post, items: list[Any], accounts: list[ConnectedAccount]) -> None:
    post.media.all().delete()
    PostMedia.objects.bulk_create(
        [PostMedia(post=post, item=item, position=i) for i, item in enumerate(items)]
    )
    post.targets.all().delete()
    PostTarget.objects.bulk_create([PostTarget(post=post, account=a) for a in accounts])


def create_post(actor: User, data: PostInput, request: HttpRequest | None = None) -> Post:
    check_roles(actor, COMPOSE_ROLES, request, "compose posts")
    items, accounts, pair = _validate(actor, data)
    with transaction.atomic():
        post = Post.objects.create(
            practice=_practice(actor),
            author=actor,
            post_type=data.post_type,
            caption=data.caption,
            name_shown=data.name_shown,
            purpose=data.purpose,
            paid_promotion=data.paid_promotion,
            graphic=data.graphic,
            pair=pair,
            scheduled_at=data.scheduled_at,
        )
        _set_content(post, items, accounts)
        record(
            "post.create",
            actor=actor,
            obj=post,
            rule="HIPAA-AUTH-LINK-RECORD",
            after=_state_snapshot(post),
            detail={
                "media": [i.public_id for i in items],
                "targets": [a.public_id for a in accounts],
            },
            request=request,
        )
        run_gate(post, "compose", actor=actor)
    return post


def _require_editor(actor: User, post: Post, request: HttpRequest | None) -> None:
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if actor.pk != post.author_id and not actor.has_role(Role.OWNER):
        deny(
            actor,
            "edit this post",
            rule="SEC-ACCESS-CONTROL",
            request=request,
            message="Only the author or the owner can change this post.",
        )
    if post.state not in EDITABLE_STATES:
        raise ActionError({"": f"A {post.get_state_display().lower()} post cannot be changed."})


def _void_stale(post: Post, now: dt.datetime, why: str) -> list[str]:
    """Void approvals and previews that no longer match the content. Returns what was voided."""
    voided: list[str] = []
    for ap in post.approvals.filter(voided_at__isnull=True):
        window = (ap.window_start, ap.window_end)
        in_window = (
            post.scheduled_at is not None and ap.window_start <= post.scheduled_at <= ap.window_end
        )
        if not in_window or content.approval_digest(post, window) != ap.content_sha256:
            ap.voided_at, ap.void_reason = now, why if in_window else "moved outside its window"
            ap.save(update_fields=["voided_at", "void_reason"])
            voided.append(f"approval:{ap.pk}")
    digest = content.preview_digest(post)
    for pv in post.previews.exclude(status=PreviewStatus.VOID).exclude(content_sha256=digest):
        pv.status = PreviewStatus.VOID
        pv.save(update_fields=["status"])
        voided.append(f"preview:{pv.public_id}")
    return voided


def update_post(
    actor: User, post: Post, data: PostInput, request: HttpRequest | None = None
) -> Post:
    """Change a post. Changed content voids approvals and the patient's preview that saw
    other content, and sends a post that was past drafting back to draft."""
    _require_editor(actor, post, request)
    items, accounts, pair = _validate(actor, data)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        before = _state_snapshot(post)
        post.post_type, post.caption = data.post_type, data.caption
        post.name_shown, post.purpose = data.name_shown, data.purpose
        post.paid_promotion, post.graphic, post.pair = data.paid_promotion, data.graphic, pair
        post.scheduled_at = data.scheduled_at
        post.save()
        _set_content(post, items, accounts)
        after = _state_snapshot(post)
        changed = {k for k in before if k != "state" and before[k] != after[k]}
        voided = _void_stale(post, timezone.now(), "the post changed")
        stage: gate.Stage = "compose"
        if changed - {"scheduled_at"} and post.state != State.DRAFT:
            post.state = State.DRAFT
            post.save(update_fields=["state", "updated_at"])
        elif changed == {"scheduled_at"} and post.state != State.DRAFT:
            stage = "approve" if post.state in (State.APPROVED, State.SCHEDULED) else "submit"
        record(
            "post.update",
            actor=actor,
            obj=post,
            rule="SEC-INTEGRITY",
            before=before,
            after=_state_snapshot(post),
            detail={"changed": sorted(changed), "voided": voided},
            request=request,
        )
        result, _ = run_gate(post, stage, actor=actor)
        if stage != "compose":  # only the time moved: like the calendar's move
            _settle_after_move(post, result)
    return post


def _settle_after_move(post: Post, result: gate.GateResult) -> None:
    if post.state != State.DRAFT and not result.passed:
        post.state = State.DRAFT  # blocked at the new time: the author fixes it first
    elif post.state in (State.APPROVED, State.SCHEDULED) and missing_approvals(post):
        post.state = State.IN_REVIEW
    post.save(update_fields=["state", "updated_at"])


def check_post(actor: User, post: Post) -> gate.GateResult:
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    with transaction.atomic():
        result, _ = run_gate(
            post, "approve" if post.state == State.IN_REVIEW else "compose", actor=actor
        )
    return result


def justify(
    actor: User, post: Post, key: str, text: str, request: HttpRequest | None = None
) -> Justification:
    """A reviewer's written reason for one `review` finding; `block` findings take none."""
    check_roles(actor, JUSTIFY_ROLES, request, "justify a finding")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if actor.pk == post.author_id:
        deny(
            actor,
            "justify a finding on their own post",
            rule="SEC-ACCESS-CONTROL",
            request=request,
            message="A reviewer other than the author writes justifications.",
        )
    finding = next((f for f in post.gate.get("findings", []) if f.get("key") == key), None)
    if finding is None or finding.get("severity") != "review":
        raise ActionError(
            {"key": "Only a current review finding can be justified; a block cannot."}
        )
    if len(text.strip()) < 10:
        raise ActionError(
            {"text": "Write at least a sentence: what you checked and why it is acceptable."}
        )
    with transaction.atomic():
        row, _ = Justification.objects.update_or_create(
            post=post,
            key=key,
            defaults={"rule": finding["rule"], "text": text.strip(), "written_by": actor},
        )
        record(
            "post.justify",
            actor=actor,
            obj=post,
            rule=finding["rule"],
            after={"key": key, "text": row.text},
            detail={"key": key},
            request=request,
        )
        run_gate(post, "compose", actor=actor)
    return row


def _blocked(result: gate.GateResult) -> ActionError:
    return ActionError({"": [f"{f.rule}: {f.message} {f.action}" for f in result.blocking]})


def submit(actor: User, post: Post, request: HttpRequest | None = None) -> gate.GateResult:
    """Draft -> in review (or awaiting the patient's preview) when the gate passes."""
    _require_editor(actor, post, request)
    if post.state != State.DRAFT:
        raise ActionError({"": "Only a draft can be submitted."})
    if post.scheduled_at is None:
        raise ActionError({"scheduled_at": "Choose when the post should go out."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        result, run = run_gate(post, "submit", actor=actor)
        if not result.passed:
            record(
                "post.submit_refused",
                actor=actor,
                obj=post,
                rule=result.blocking[0].rule,
                detail={"gate_run": run.pk},
                request=request,
            )
            return result
        waiting = result.preview_required and content.preview_status(post) != "approved"
        post.state = State.AWAITING_PATIENT if waiting else State.IN_REVIEW
        post.submitted_at = timezone.now()
        post.rejection_reason = ""
        post.save()
        record(
            "post.submit",
            actor=actor,
            obj=post,
            rule="ASPS-PATIENT-PREVIEW" if waiting else "HIPAA-AUTH-SCOPE-MATCH",
            detail={"state": post.state, "gate_run": run.pk},
            request=request,
        )
    return result


# The patient's preview -------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_preview(
    actor: User, post: Post, request: HttpRequest | None = None
) -> tuple[PatientPreview, str]:
    """A private, expiring link for the patient. Returns the token (shown once); only
    its SHA-256 is stored. Earlier undecided links for the post stop working."""
    check_roles(actor, (*COMPOSE_ROLES, *REVIEW_ROLES, *PRIVACY_ROLES), request, "send a preview")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if post.state not in (State.AWAITING_PATIENT, State.IN_REVIEW):
        raise ActionError({"": "Submit the post first; the patient previews what was submitted."})
    token = "pp_" + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        post.previews.filter(status=PreviewStatus.PENDING).update(status=PreviewStatus.VOID)
        preview = PatientPreview.objects.create(
            post=post,
            token_hash=_token_hash(token),
            content_sha256=content.preview_digest(post),
            expires_at=now + PREVIEW_LIFETIME,
            created_by=actor,
        )
        record(
            "post.preview_link",
            actor=actor,
            obj=post,
            rule="ASPS-PATIENT-PREVIEW",
            detail={
                "preview": preview.public_id,
                "content_sha256": preview.content_sha256,
                "expires_at": preview.expires_at.isoformat(),
            },
            request=request,
        )
    return preview, token


def email_preview(
    actor: User,
    post: Post,
    address: str,
    url_for: Callable[[str], str],
    request: HttpRequest | None = None,
) -> PatientPreview:
    """A new preview link, e-mailed to the patient (the outbox folder in the embedded
    setup). The address is not stored; the event keeps a masked hint."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ActionError({"email": "Enter a valid e-mail address."}) from None
    with transaction.atomic():
        preview, token = create_preview(actor, post, request)
        practice = post.practice
        EmailMessage(
            subject=f"Please check a post from {practice.name}",
            body=(
                f"{practice.name} would like to post photos or a video of you. Nothing is "
                "posted unless you approve.\n\nSee exactly what would be posted, and say yes "
                f"or no, here (the link works once and ends in 7 days):\n{url_for(token)}\n"
            ),
            to=[address],
        ).send(fail_silently=False)
        name, _, domain = address.partition("@")
        record(
            "post.preview_email",
            actor=actor,
            obj=post,
            rule="ASPS-PATIENT-PREVIEW",
            detail={"preview": preview.public_id, "to": f"{name[:1]}***@{domain}"},
            request=request,
        )
    return preview


def preview_for_token(token: str, *, lock: bool = False) -> PatientPreview:
    """The live preview for a link, or LinkInvalid for any reason (never says which)."""
    if not token or len(token) > 100:
        raise LinkInvalid
    rows = PatientPreview.objects.select_related("post", "post__practice")
    if lock:
        rows = rows.select_for_update()
    pv = rows.filter(token_hash=_token_hash(token)).first()
    if (
        pv is None
        or pv.status != PreviewStatus.PENDING
        or pv.expires_at <= timezone.now()
        or pv.content_sha256 != content.preview_digest(pv.post)
    ):
        raise LinkInvalid
    return pv


def decide_preview(
    token: str, approve: bool, reason: str = "", request: HttpRequest | None = None
) -> PatientPreview:
    """The patient's decision; the link then stops working. A decline sends the post
    back to draft with the patient's reason."""
    with transaction.atomic():
        pv = preview_for_token(token, lock=True)
        post = Post.objects.select_for_update().get(pk=pv.post_id)
        pv.status = PreviewStatus.APPROVED if approve else PreviewStatus.DECLINED
        pv.decided_at = timezone.now()
        pv.reason = reason.strip()[:1000]
        pv.save()
        if approve and post.state == State.AWAITING_PATIENT:
            post.state = State.IN_REVIEW
        elif not approve and post.state in EDITABLE_STATES:
            post.state = State.DRAFT
            post.rejection_reason = "The patient declined the preview" + (
                f": {pv.reason}" if pv.reason else "."
            )
            for ap in post.approvals.filter(voided_at__isnull=True):
                ap.voided_at, ap.void_reason = pv.decided_at, "the patient declined"
                ap.save(update_fields=["voided_at", "void_reason"])
        post.save()
        record(
            "post.preview_decision",
            actor_label="patient",
            practice=post.practice,
            obj=post,
            rule="ASPS-PATIENT-PREVIEW",
            after={"status": pv.status, "reason": pv.reason},
            detail={
                "preview": pv.public_id,
                "status": pv.status,
                "content_sha256": pv.content_sha256,
            },
            request=request,
        )
    return pv


# Approval -------------------------------------------------------------------------
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


def _approver_checks(actor: User, post: Post, mfa_ok: bool, request: HttpRequest | None) -> str:
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if actor.pk == post.author_id:
        deny(
            actor,
            "approve their own post",
            rule="SEC-ACCESS-CONTROL",
            request=request,
            message="The author cannot approve their own post; a reviewer approves it.",
        )
    if actor.current_training(timezone.localdate()) is None:
        deny(
            actor,
            "current social-media training to approve",
            rule="ASPS-TRAINING",
            request=request,
            message="Your social-media training is not current. Ask your "
            "privacy officer to record your training before you approve posts.",
        )
    if actor.mfa_confirmed_at is None or not mfa_ok:
        deny(
            actor,
            "two-step sign-in to approve",
            rule="SEC-AUTHN",
            request=request,
            message="Approving needs two-step sign-in; set it up under Settings and sign in again.",
        )
    have = {ap.kind for ap in active_approvals(post)}
    if actor.has_role(*REVIEW_ROLES) and ApprovalKind.REVIEW not in have:
        return ApprovalKind.REVIEW
    if post.identifiable and actor.has_role(*PRIVACY_ROLES) and ApprovalKind.PRIVACY not in have:
        if any(ap.approver_id == actor.pk for ap in active_approvals(post)):
            deny(
                actor,
                "approve twice",
                rule="SEC-ACCESS-CONTROL",
                request=request,
                message="You already approved this post; another person approves next.",
            )
        return ApprovalKind.PRIVACY
    if actor.has_role(*REVIEW_ROLES, *PRIVACY_ROLES):
        raise ActionError(
            {
                "": "Nothing more is needed from you: your approval is recorded, or this "
                "post does not need your role's approval."
            }
        )
    deny(
        actor,
        "approve posts",
        rule="SEC-ACCESS-CONTROL",
        request=request,
        message="Only a reviewer (and, for identifiable posts, the privacy officer) approves.",
    )
    raise AssertionError("unreachable")  # deny raises


def approve(
    actor: User,
    post: Post,
    *,
    mfa_ok: bool,
    note: str = "",
    schedule_now: bool = True,
    request: HttpRequest | None = None,
) -> Approval:
    """Record one approval bound to the exact content and window. When the last needed
    approval is in, the post is approved (and scheduled, unless asked not to)."""
    kind = _approver_checks(actor, post, mfa_ok, request)  # who first, whatever the state
    if post.state != State.IN_REVIEW:
        raise ActionError({"": "Only a post in review can be approved."})
    if post.scheduled_at is None:
        raise ActionError({"scheduled_at": "The post has no time; set one first."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        result, run = run_gate(post, "approve", actor=actor)
        if not result.passed:
            raise _blocked(result)
        assert post.scheduled_at is not None
        window = content.approval_window(post.scheduled_at)
        ap = Approval.objects.create(
            post=post,
            kind=kind,
            approver=actor,
            media_sha256=content.media_hashes(post),
            caption=post.caption,
            targets=content.target_ids(post),
            window_start=window[0],
            window_end=window[1],
            content_sha256=content.approval_digest(post, window),
            note=note.strip()[:2000],
        )
        record(
            "post.approve",
            actor=actor,
            obj=post,
            rule="HIPAA-AUTH-SCOPE-MATCH" if kind == ApprovalKind.PRIVACY else "ASPS-TRAINING",
            after={"media": ap.media_sha256, "caption": ap.caption, "targets": ap.targets},
            detail={
                "kind": kind,
                "approval": ap.pk,
                "content_sha256": ap.content_sha256,
                "media_sha256": ap.media_sha256,
                "window": [window[0].isoformat(), window[1].isoformat()],
                "gate_run": run.pk,
            },
            request=request,
        )
        if not missing_approvals(post):
            post.state = State.APPROVED
            post.save(update_fields=["state", "updated_at"])
            if schedule_now:
                _schedule(actor, post, request)
    return ap


def reject(actor: User, post: Post, reason: str, request: HttpRequest | None = None) -> Post:
    check_roles(actor, (*REVIEW_ROLES, *PRIVACY_ROLES), request, "reject posts")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if post.state not in (State.IN_REVIEW, State.AWAITING_PATIENT, State.APPROVED, State.SCHEDULED):
        raise ActionError({"": "Only a submitted post can be sent back."})
    if not reason.strip():
        raise ActionError({"reason": "Say what the author should change."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        now = timezone.now()
        post.approvals.filter(voided_at__isnull=True).update(voided_at=now, void_reason="rejected")
        post.state, post.rejection_reason = State.DRAFT, reason.strip()[:2000]
        post.save()
        record(
            "post.reject",
            actor=actor,
            obj=post,
            rule="SEC-ACCESS-CONTROL",
            after={"reason": post.rejection_reason},
            request=request,
        )
    return post


def _schedule(actor: User | None, post: Post, request: HttpRequest | None) -> None:
    missing = missing_approvals(post)
    if missing:
        raise ActionError({"": f"Approvals missing: {', '.join(missing)}."})
    post.state = State.SCHEDULED
    post.save(update_fields=["state", "updated_at"])
    record(
        "post.schedule",
        actor=actor,
        obj=post,
        rule="HIPAA-AUTH-SCOPE-MATCH",
        detail={"scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None},
        request=request,
    )


def schedule(actor: User, post: Post, request: HttpRequest | None = None) -> Post:
    """Approved -> scheduled, after the gate passes again for the scheduled time."""
    check_roles(actor, (*COMPOSE_ROLES, *REVIEW_ROLES), request, "schedule posts")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if post.state != State.APPROVED:
        raise ActionError({"": "Only an approved post can be scheduled."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        result, _ = run_gate(post, "approve", actor=actor)
        if not result.passed:
            raise _blocked(result)
        _schedule(actor, post, request)
    return post


def reschedule(
    actor: User, post: Post, when: dt.datetime, request: HttpRequest | None = None
) -> tuple[Post, gate.GateResult]:
    """Move a post to another time (the calendar's drag or its keyboard form): the gate
    runs again for the new time and approvals whose window does not hold it are voided."""
    check_roles(actor, (*COMPOSE_ROLES, *REVIEW_ROLES), request, "reschedule posts")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    if post.state not in EDITABLE_STATES:
        raise ActionError({"": f"A {post.get_state_display().lower()} post cannot be moved."})
    if when <= timezone.now():
        raise ActionError({"scheduled_at": "Choose a time in the future."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        before = post.scheduled_at
        post.scheduled_at = when
        post.save(update_fields=["scheduled_at", "updated_at"])
        voided = _void_stale(post, timezone.now(), "the post changed")
        stage: gate.Stage = (
            "approve" if post.state in (State.APPROVED, State.SCHEDULED) else "submit"
        )
        result, run = run_gate(post, stage, actor=actor)
        _settle_after_move(post, result)
        record(
            "post.reschedule",
            actor=actor,
            obj=post,
            rule="HIPAA-AUTH-SCOPE-MATCH",
            before={"scheduled_at": before.isoformat() if before else None},
            after={"scheduled_at": when.isoformat()},
            detail={"voided": voided, "state": post.state, "gate_run": run.pk},
            request=request,
        )
    return post, result


# Publishing hooks -----------------------------------------------------------------
def publish_check(post: Post) -> PublishCheck:
    """For the publisher, at the moment of publishing: re-runs the gate for *now* (no
    caller-supplied time), stores the run, and checks state and approvals. Publish only
    when `ok`; otherwise call `mark_failed` with the problems."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        now = timezone.now()
        result, run = run_gate(post, "publish", at=now)
        problems = [f"{f.rule}: {f.message}" for f in result.blocking]
        if post.state != State.SCHEDULED:
            problems.append(f"The post is {post.get_state_display().lower()}, not scheduled.")
        missing = missing_approvals(post, now)
        if missing:
            problems.append(f"SEC-INTEGRITY: approvals missing or expired: {', '.join(missing)}.")
        record(
            "post.publish_check",
            actor_label="system",
            practice=post.practice,
            obj=post,
            rule="HIPAA-AUTH-SCOPE-MATCH",
            detail={"ok": not problems, "gate_run": run.pk, "problems": len(problems)},
        )
    return PublishCheck(ok=not problems, result=result, problems=problems)


def _transition(
    post: Post,
    to: State,
    allowed: set[State],
    action: str,
    rule: str,
    actor: User | None,
    **fields: Any,
) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.state not in allowed:
            raise ActionError(
                {"": f"A {post.get_state_display().lower()} post cannot be {action}."}
            )
        before = post.state
        post.state = to
        for k, v in fields.items():
            setattr(post, k, v)
        post.save()
        record(
            f"post.{action}",
            actor=actor,
            actor_label=None if actor else "system",
            practice=post.practice,
            obj=post,
            rule=rule,
            detail={"from": before, "to": to, **{k: str(v) for k, v in fields.items()}},
        )
    return post


def mark_published(post: Post, *, actor: User | None = None) -> Post:
    return _transition(
        post,
        State.PUBLISHED,
        {State.SCHEDULED, State.FAILED},
        "published",
        "HIPAA-AUTH-LINK-RECORD",
        actor,
        published_at=timezone.now(),
        failure_reason="",
    )


def mark_failed(post: Post, reason: str, *, actor: User | None = None) -> Post:
    return _transition(
        post,
        State.FAILED,
        {State.SCHEDULED, State.APPROVED},
        "failed",
        "HIPAA-AUTH-LINK-RECORD",
        actor,
        failure_reason=reason[:2000],
    )


def mark_taken_down(post: Post, reason: str, *, actor: User | None = None) -> Post:
    return _transition(
        post,
        State.TAKEN_DOWN,
        {State.PUBLISHED, State.FAILED, State.SCHEDULED},
        "taken_down",
        "HIPAA-AUTH-REVOKE-EFFECT",
        actor,
        taken_down_at=timezone.now(),
        failure_reason=reason[:2000],
    )


# Practice settings ----------------------------------------------------------------
def set_policy(
    actor: User,
    *,
    minors_allowed: bool,
    preview: dict[str, str],
    request: HttpRequest | None = None,
) -> PostPolicy:
    check_roles(actor, (Role.OWNER, Role.PRIVACY_OFFICER), request, "set the post policy")
    bad = {
        k: v
        for k, v in preview.items()
        if k not in PostType.values or v not in {"required", "not_required", "default"}
    }
    if bad:
        raise ActionError({"preview": "Use a post type and required, not_required or default."})
    with transaction.atomic():
        policy, _ = PostPolicy.objects.get_or_create(practice=_practice(actor))
        before = {"minors_allowed": policy.minors_allowed, "preview": policy.preview}
        policy.minors_allowed = minors_allowed
        policy.preview = {k: v for k, v in preview.items() if v != "default"}
        policy.save()
        record(
            "post.policy",
            actor=actor,
            obj=policy,
            rule="HIPAA-PR-MINOR-POLICY",
            before=before,
            after={"minors_allowed": minors_allowed, "preview": policy.preview},
            detail={"minors_allowed": minors_allowed, "preview": policy.preview},
            request=request,
        )
    return policy


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


def ensure_caption_templates(practice: Any) -> None:
    """The practice's starting caption templates, once (idempotent)."""
    if CaptionTemplate.objects.filter(practice=practice).exists():
        return
    CaptionTemplate.objects.bulk_create(
        [
            CaptionTemplate(practice=practice, name=n, post_type=t, text=x)
            for n, t, x in DEFAULT_CAPTION_TEMPLATES
        ]
    )


def export_evidence(
    actor: User, post: Post, request: HttpRequest | None = None
) -> tuple[bytes, str]:
    """The evidence package (zip bytes, SHA-256 of its evidence.json); the export is
    itself an audit event naming that hash."""
    from clearpost.app.posts import evidence

    check_roles(actor, (*COMPOSE_ROLES, *REVIEW_ROLES, *PRIVACY_ROLES), request, "export evidence")
    if post.practice_id != actor.practice_id:
        raise PermissionDenied("Not a post of your practice.")
    data, digest = evidence.build_zip(post)
    record(
        "post.evidence_export",
        actor=actor,
        obj=post,
        rule="HIPAA-AUTH-LINK-RECORD",
        detail={"evidence_sha256": digest, "bytes": len(data)},
        request=request,
    )
    return data, digest
