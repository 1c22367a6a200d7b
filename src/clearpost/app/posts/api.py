"""Posts over the JSON API (mounted at /api/posts): create, update, check, submit,
preview link, approve, reject, schedule, reschedule and evidence. Thin: every change is
a `posts.actions` call, so roles, isolation and audit are the web app's; refusals use
the API's one error shape (`{"detail", "errors"}`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from clearpost.app.api.base import actor
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.posts import actions
from clearpost.app.posts.models import Post

router = Router(tags=["posts"])


class PostIn(Schema):
    post_type: str = Field(max_length=24)
    caption: str = Field(default="", max_length=actions.MAX_CAPTION)
    media: list[str] = Field(default_factory=list, max_length=actions.MAX_MEDIA)
    targets: list[str] = Field(default_factory=list, max_length=20)
    scheduled_at: dt.datetime | None = None
    name_shown: str = "none"
    purpose: str = "marketing"
    paid_promotion: bool = False
    graphic: bool = False
    pair: str = Field(default="", max_length=32)
    live: bool = False


class PostOut(Schema):
    id: str
    post_type: str
    state: str
    caption: str
    media: list[str]
    targets: list[str]
    scheduled_at: dt.datetime | None
    risk: str
    identifiable: bool
    preview_required: bool
    gate: dict[str, Any]
    approvals_missing: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class ReasonIn(Schema):
    reason: str = Field(default="", max_length=2000)


class ApproveIn(Schema):
    note: str = Field(default="", max_length=2000)
    schedule_now: bool = True


class RescheduleIn(Schema):
    scheduled_at: dt.datetime


class PreviewOut(Schema):
    id: str
    url: str
    expires_at: dt.datetime


def post_out(post: Post, *, approvals: bool = True) -> PostOut:
    """`approvals=False` (lists) leaves out `approvals_missing`, which costs a query."""
    return PostOut(
        id=post.public_id,
        post_type=post.post_type,
        state=post.state,
        caption=post.caption,
        media=[pm.item.public_id for pm in post.ordered_media()],
        targets=[a.public_id for a in post.target_accounts()],
        scheduled_at=post.scheduled_at,
        risk=post.risk,
        identifiable=post.identifiable,
        preview_required=post.preview_required,
        gate=post.gate,
        approvals_missing=actions.missing_approvals(post) if post.state == "in_review" else [],
        created_at=post.created_at,
        updated_at=post.updated_at,
    )


def _input(payload: PostIn) -> actions.PostInput:
    if payload.live:
        raise ActionError(
            {"live": "Live-streaming is not offered (ASPS-NO-LIVESTREAM): record, then post."}
        )
    if payload.scheduled_at is not None and payload.scheduled_at.tzinfo is None:
        raise ActionError({"scheduled_at": "Give the time with its offset (e.g. ...T10:00-05:00)."})
    return actions.PostInput(
        post_type=payload.post_type,
        caption=payload.caption,
        media=payload.media,
        targets=payload.targets,
        scheduled_at=payload.scheduled_at,
        name_shown=payload.name_shown,
        purpose=payload.purpose,
        paid_promotion=payload.paid_promotion,
        graphic=payload.graphic,
        pair=payload.pair,
    )


def _post(request: HttpRequest, public_id: str) -> Post:
    return actions.post_for(actor(request), public_id)


@router.get(
    "",
    response=list[PostOut],
    summary="List posts (newest first; approvals_missing is given by the single-post calls)",
)
def list_posts(request: HttpRequest, state: str = "", limit: int = 50) -> list[PostOut]:
    rows = (
        actions.scoped_posts(actor(request))
        .prefetch_related("media__item", "targets__account")
        .order_by("-updated_at")
    )
    if state:
        rows = rows.filter(state=state)
    return [post_out(p, approvals=False) for p in rows[: max(1, min(limit, 200))]]


@router.post("", response={201: PostOut}, summary="Create a draft (the gate runs at once)")
def create(request: HttpRequest, payload: PostIn) -> Status[PostOut]:
    post = actions.create_post(actor(request), _input(payload), request)
    return Status(201, post_out(post))


@router.get("/{public_id}", response=PostOut)
def get_one(request: HttpRequest, public_id: str) -> PostOut:
    return post_out(_post(request, public_id))


@router.put("/{public_id}", response=PostOut, summary="Replace a post's content")
def update(request: HttpRequest, public_id: str, payload: PostIn) -> PostOut:
    post = actions.update_post(actor(request), _post(request, public_id), _input(payload), request)
    return post_out(post)


@router.post("/{public_id}/check", response=dict[str, Any], summary="Run the gate now")
def check(request: HttpRequest, public_id: str) -> dict[str, Any]:
    return actions.check_post(actor(request), _post(request, public_id)).to_dict()


@router.post("/{public_id}/submit", response=PostOut, summary="Submit through the gate")
def submit(request: HttpRequest, public_id: str) -> PostOut:
    post = _post(request, public_id)
    result = actions.submit(actor(request), post, request)
    if not result.passed:
        raise ActionError({"": [f"{f.rule}: {f.message} {f.action}" for f in result.blocking]})
    post.refresh_from_db()
    return post_out(post)


@router.post(
    "/{public_id}/preview-link",
    response={201: PreviewOut},
    summary="Create the patient's private preview link (returned once)",
)
def preview_link(request: HttpRequest, public_id: str) -> Status[PreviewOut]:
    from django.urls import reverse

    preview, token = actions.create_preview(actor(request), _post(request, public_id), request)
    url = request.build_absolute_uri(reverse("patient_preview:page", args=[token]))
    return Status(201, PreviewOut(id=preview.public_id, url=url, expires_at=preview.expires_at))


@router.post("/{public_id}/approve", response=PostOut)
def approve(request: HttpRequest, public_id: str, payload: ApproveIn) -> PostOut:
    user = actor(request)
    post = _post(request, public_id)
    # The token was created behind two-step sign-in; the approver must still have it set up.
    actions.approve(
        user,
        post,
        mfa_ok=user.mfa_confirmed_at is not None,
        note=payload.note,
        schedule_now=payload.schedule_now,
        request=request,
    )
    post.refresh_from_db()
    return post_out(post)


@router.post("/{public_id}/reject", response=PostOut)
def reject(request: HttpRequest, public_id: str, payload: ReasonIn) -> PostOut:
    return post_out(
        actions.reject(actor(request), _post(request, public_id), payload.reason, request)
    )


@router.post("/{public_id}/schedule", response=PostOut, summary="Approved -> scheduled")
def schedule(request: HttpRequest, public_id: str) -> PostOut:
    return post_out(actions.schedule(actor(request), _post(request, public_id), request))


@router.post("/{public_id}/reschedule", response=PostOut, summary="Move to another time")
def reschedule(request: HttpRequest, public_id: str, payload: RescheduleIn) -> PostOut:
    if payload.scheduled_at.tzinfo is None:
        raise ActionError({"scheduled_at": "Give the time with its offset."})
    post, _ = actions.reschedule(
        actor(request), _post(request, public_id), payload.scheduled_at, request
    )
    return post_out(post)


@router.get("/{public_id}/evidence", summary="The evidence package (zip)")
def evidence(request: HttpRequest, public_id: str) -> HttpResponse:
    data, _ = actions.export_evidence(actor(request), _post(request, public_id), request)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{public_id}.zip"'
    return response
