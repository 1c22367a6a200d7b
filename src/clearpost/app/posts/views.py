"""Staff pages for posts: compose with the live caption check, the post page (gate,
per-platform preview, submit, preview link, approve/reject, reschedule, evidence).

Thin: every change goes through `posts.actions`. The calendar and dashboard pieces
live in `views_calendar.py`, the patient's page in `views_public.py`.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clearpost.app.accounts.middleware import MFA_OK
from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import selectors as media_selectors
from clearpost.app.media.models import MediaPair
from clearpost.app.posts import actions, content, platforms
from clearpost.app.posts.models import (
    EDITABLE_STATES,
    ApprovalKind,
    CaptionTemplate,
    NameShown,
    Post,
    PostType,
    Purpose,
    State,
)
from clearpost.app.publishing.models import ConnectedAccount
from clearpost.engine import gate
from clearpost.engine.text.model import Result as TextResult

MAX_LIVE_CHECK = 5000


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return user


def _zone(user: User) -> ZoneInfo:
    assert user.practice is not None
    return ZoneInfo(user.practice.time_zone)


def parse_local(value: str, zone: ZoneInfo) -> dt.datetime | None:
    """A datetime-local field in the practice's time zone; None when empty or invalid."""
    try:
        naive = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive


def _local_value(when: dt.datetime | None, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if when else ""


def timeframe_words(pair: MediaPair) -> str:
    days = pair.days_between
    if days is None or days < 0:
        return ""
    if days < 14:
        return f"{days} days post-op"
    if days < 90:
        return f"{days // 7} weeks post-op"
    return f"{round(days / 30.44)} months post-op"


def highlight(caption: str, result: TextResult | None) -> list[dict[str, Any]]:
    """The caption cut into plain and marked pieces, for showing findings on the words."""
    if result is None:
        return [{"text": caption}]
    spans = sorted(
        (f for f in result.findings if f.start is not None and f.end is not None),
        key=lambda f: f.start or 0,
    )
    pieces: list[dict[str, Any]] = []
    pos = 0
    for i, f in enumerate(spans):
        assert f.start is not None and f.end is not None
        if f.start < pos:
            continue
        if f.start > pos:
            pieces.append({"text": caption[pos : f.start]})
        pieces.append({"text": caption[f.start : f.end], "finding": i, "f": f})
        pos = f.end
    if pos < len(caption):
        pieces.append({"text": caption[pos:]})
    return pieces


def _form_context(user: User, post: Post | None, data: dict[str, Any]) -> dict[str, Any]:
    practice = user.practice
    assert practice is not None
    actions.ensure_caption_templates(practice)
    zone = _zone(user)
    pairs = list(
        MediaPair.objects.filter(practice=practice)
        .select_related("before", "after")
        .order_by("-created_at")[:50]
    )
    return {
        "post": post,
        "data": data,
        "post_types": PostType.choices,
        "name_choices": NameShown.choices,
        "purpose_choices": Purpose.choices,
        "items": list(media_selectors.cleared_items(practice)[:100]),
        "accounts": list(
            ConnectedAccount.objects.filter(practice=practice).order_by("platform", "display_name")
        ),
        "pairs": [(p, timeframe_words(p)) for p in pairs],
        "templates": list(CaptionTemplate.objects.filter(practice=practice).order_by("name")),
        "zone": practice.time_zone,
        "scheduled_value": data.get("scheduled_local")
        or _local_value(post.scheduled_at if post else None, zone),
    }


def _input_from(request: HttpRequest, zone: ZoneInfo) -> tuple[actions.PostInput, dict[str, Any]]:
    p = request.POST
    when = parse_local(p.get("scheduled_at", ""), zone)
    data = actions.PostInput(
        post_type=p.get("post_type", ""),
        caption=p.get("caption", "").replace("\r\n", "\n"),
        media=p.getlist("media"),
        targets=p.getlist("targets"),
        scheduled_at=when,
        name_shown=p.get("name_shown", "none"),
        purpose=p.get("purpose", "marketing"),
        paid_promotion=p.get("paid_promotion") == "on",
        graphic=p.get("graphic") == "on",
        pair=p.get("pair", ""),
    )
    raw = {
        "post_type": data.post_type,
        "caption": data.caption,
        "media": list(data.media),
        "targets": list(data.targets),
        "name_shown": data.name_shown,
        "purpose": data.purpose,
        "paid_promotion": data.paid_promotion,
        "graphic": data.graphic,
        "pair": data.pair,
        "scheduled_local": p.get("scheduled_at", ""),
    }
    return data, raw


def _data_of(post: Post) -> dict[str, Any]:
    return {
        "post_type": post.post_type,
        "caption": post.caption,
        "media": [pm.item.public_id for pm in post.ordered_media()],
        "targets": [a.public_id for a in post.target_accounts()],
        "name_shown": post.name_shown,
        "purpose": post.purpose,
        "paid_promotion": post.paid_promotion,
        "graphic": post.graphic,
        "pair": post.pair.public_id if post.pair else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, public_id: str = "") -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id) if public_id else None
    zone = _zone(user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, raw = _input_from(request, zone)
        try:
            if post is None:
                post = actions.create_post(user, data, request)
            else:
                post = actions.update_post(user, post, data, request)
        except ActionError as exc:
            errors = exc.errors
        else:
            messages.success(request, "Saved. The checks below show what is left to do.")
            return HttpResponseRedirect(reverse("posts:detail", args=[post.public_id]))
    else:
        raw = _data_of(post) if post else {"post_type": request.GET.get("post_type", "")}
    ctx = _form_context(user, post, raw)
    ctx["errors"] = errors
    return render(request, "posts/compose.html", ctx, status=422 if errors else 200)


@login_required
@require_POST
def live_check(request: HttpRequest) -> HttpResponse:
    """The debounced caption check (htmx): findings on the words, with a one-click fix."""
    user = _user(request)
    assert user.practice is not None
    caption = request.POST.get("caption", "").replace("\r\n", "\n")[:MAX_LIVE_CHECK]
    result = content.check_caption(user.practice, caption) if caption.strip() else None
    post_type = request.POST.get("post_type", "")
    pair_id = request.POST.get("pair", "")
    timeframe = ""
    if pair_id:
        pair = MediaPair.objects.filter(practice=user.practice, public_id=pair_id).first()
        timeframe = timeframe_words(pair) if pair else ""
    needs_timeframe = post_type == "before_after" and not gate.has_timeframe(caption)
    return render(
        request,
        "posts/_caption_check.html",
        {
            "caption": caption,
            "result": result,
            "unavailable": bool(caption.strip()) and result is None,
            "pieces": highlight(caption, result),
            "needs_timeframe": needs_timeframe,
            "timeframe": timeframe,
        },
    )


def _qr_svg(data: str) -> str:
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=6)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def _detail_context(user: User, post: Post) -> dict[str, Any]:
    findings = post.gate.get("findings", [])
    is_author = user.pk == post.author_id
    have = {ap.kind for ap in actions.active_approvals(post)}
    can_review = user.has_role(*actions.REVIEW_ROLES) and ApprovalKind.REVIEW not in have
    can_privacy = (
        post.identifiable
        and user.has_role(*actions.PRIVACY_ROLES)
        and ApprovalKind.PRIVACY not in have
    )
    return {
        "post": post,
        "zone": user.practice.time_zone if user.practice else "UTC",
        "findings": findings,
        "blocking": [f for f in findings if f.get("blocking")],
        "media": post.ordered_media(),
        "targets": post.target_accounts(),
        "views": platforms.views_for(post),
        "approvals": list(post.approvals.select_related("approver").order_by("approved_at")),
        "active": actions.active_approvals(post),
        "missing": actions.missing_approvals(post),
        "previews": list(post.previews.order_by("-created_at")[:5]),
        # The publishing record (receipts, attempts, takedowns) lives on its own page;
        # here each target's state and a link to it.
        "publications": list(post.publications.select_related("account").order_by("pk")),
        "is_author": is_author,
        "can_edit": (is_author or user.has_role("owner")) and post.state in EDITABLE_STATES,
        "can_submit": (is_author or user.has_role("owner")) and post.state == State.DRAFT,
        "can_preview": post.state in (State.AWAITING_PATIENT, State.IN_REVIEW)
        and post.preview_required,
        "can_approve": post.state == State.IN_REVIEW
        and not is_author
        and (can_review or can_privacy),
        "can_reject": user.has_role(*actions.REVIEW_ROLES, *actions.PRIVACY_ROLES)
        and post.state
        in (State.IN_REVIEW, State.AWAITING_PATIENT, State.APPROVED, State.SCHEDULED),
        "can_justify": user.has_role(*actions.JUSTIFY_ROLES) and not is_author,
        "can_schedule": post.state == State.APPROVED,
        "can_move": post.state in EDITABLE_STATES,
        "scheduled_value": _local_value(post.scheduled_at, _zone(user)),
    }


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    return render(request, "posts/detail.html", _detail_context(user, post))


def _refused(request: HttpRequest, exc: ActionError) -> None:
    for msgs in exc.errors.values():
        for m in msgs:
            messages.error(request, m)


def _back(post: Post) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("posts:detail", args=[post.public_id]))


@login_required
@require_POST
def submit(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        result = actions.submit(user, post, request)
    except ActionError as exc:
        _refused(request, exc)
    else:
        if result.passed:
            messages.success(request, "Submitted. It passed every check.")
        else:
            messages.error(request, "Not submitted: fix the findings marked as blocking.")
    return _back(post)


@login_required
@require_POST
def preview_link(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        preview, token = actions.create_preview(user, post, request)
    except ActionError as exc:
        _refused(request, exc)
        return _back(post)
    url = request.build_absolute_uri(reverse("patient_preview:page", args=[token]))
    ctx = _detail_context(user, post)
    ctx.update({"new_link": url, "new_qr": _qr_svg(url), "new_preview": preview})
    response = render(request, "posts/detail.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def preview_email(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        actions.email_preview(
            user,
            post,
            request.POST.get("email", ""),
            lambda token: request.build_absolute_uri(reverse("patient_preview:page", args=[token])),
            request,
        )
    except ActionError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "The preview link was e-mailed to the patient.")
    return _back(post)


@login_required
@require_POST
def approve(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        actions.approve(
            user,
            post,
            mfa_ok=bool(request.session.get(MFA_OK)),
            note=request.POST.get("note", ""),
            schedule_now=request.POST.get("schedule_now", "on") == "on",
            request=request,
        )
    except ActionError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Approval recorded for this exact content and time window.")
    return _back(post)


@login_required
@require_POST
def reject(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        actions.reject(user, post, request.POST.get("reason", ""), request)
    except ActionError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Sent back to the author with your reason.")
    return _back(post)


@login_required
@require_POST
def justify(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        actions.justify(
            user, post, request.POST.get("key", ""), request.POST.get("text", ""), request
        )
    except ActionError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Justification recorded.")
    return _back(post)


@login_required
@require_POST
def schedule(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    try:
        actions.schedule(user, post, request)
    except ActionError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Scheduled.")
    return _back(post)


@login_required
@require_POST
def reschedule(request: HttpRequest, public_id: str) -> HttpResponse:
    """The keyboard path and the calendar's drag both land here. htmx/fetch callers get
    204 plus a message header; a form post goes back to where it came from."""
    user = _user(request)
    post = actions.post_for(user, public_id)
    zone = _zone(user)
    when = parse_local(request.POST.get("scheduled_at", ""), zone)
    if when is None and request.POST.get("date") and post.scheduled_at is not None:
        day = dt.date.fromisoformat(request.POST["date"])
        local = post.scheduled_at.astimezone(zone)
        when = dt.datetime.combine(day, local.time(), tzinfo=zone)
    fetch = request.headers.get("X-Requested-With") == "fetch"
    if when is None:
        messages.error(request, "Choose a date and time.")
        return HttpResponse(status=422) if fetch else _back(post)
    try:
        post, result = actions.reschedule(user, post, when, request)
    except ActionError as exc:
        if fetch:
            return HttpResponse("; ".join(m for ms in exc.errors.values() for m in ms), status=422)
        _refused(request, exc)
        return _back(post)
    note = f"Moved. The checks ran again: {'passed' if result.passed else 'blocked'}; state {post.get_state_display().lower()}."
    if fetch:
        response = HttpResponse(status=204)
        response["X-ClearPost-Message"] = note
        return response
    messages.success(request, note)
    target = request.POST.get("next", "")
    if target.startswith("/posts/"):
        return HttpResponseRedirect(target)
    return _back(post)


@login_required
def evidence(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    post = actions.post_for(user, public_id)
    data, _ = actions.export_evidence(user, post, request)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{post.public_id}.zip"'
    response["Cache-Control"] = "no-store"
    return response
