"""Pages: connected accounts (connect, warnings, disconnect), a post's publications with
receipts and errors, and the open takedowns the privacy officer works through.

Thin: they read through practice-scoped queries, call actions, and render.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import require_roles
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.env import Env
from clearpost.app.posts.actions import post_for
from clearpost.app.practices.models import Practice
from clearpost.app.publishing import accounts, config, inbox, takedown
from clearpost.app.publishing.models import (
    AccountStatus,
    CommentState,
    ConnectedAccount,
    InboxComment,
    Publication,
    Takedown,
    TakedownState,
)

ADMIN_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)
TAKEDOWN_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER, Role.REVIEWER)
SESSION_KEY = "publishing_oauth"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _practice(user: User) -> Practice:
    if user.practice is None:
        raise Http404("No practice")
    return user.practice


def _callback_uri(request: HttpRequest, platform: str) -> str:
    return request.build_absolute_uri(reverse("publishing:callback", args=[platform]))


@require_roles(*ADMIN_ROLES, what="manage connected accounts")
def accounts_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = [
        {"account": a, "warnings": accounts.warnings(a)}
        for a in ConnectedAccount.objects.for_practice(_practice(user))
        .exclude(status=AccountStatus.DISCONNECTED)
        .order_by("platform", "display_name")
    ]
    platforms = [
        {"name": p, "label": p.title() if p != "x" else "X", "ready": config.platform(p).configured}
        for p in config.PLATFORMS
    ]
    return render(request, "publishing/accounts.html", {"rows": rows, "platforms": platforms})


@require_POST
@require_roles(*ADMIN_ROLES, what="connect accounts")
def connect(request: HttpRequest, platform: str) -> HttpResponse:
    if platform not in config.PLATFORMS:
        raise Http404("No such platform")
    try:
        start = accounts.start_connect(platform, _callback_uri(request, platform))
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("publishing:accounts")
    request.session[SESSION_KEY] = {
        "platform": platform,
        "state": start.state,
        "verifier": start.verifier,
    }
    return HttpResponseRedirect(start.url)


@require_roles(*ADMIN_ROLES, what="connect accounts")
def callback(request: HttpRequest, platform: str) -> HttpResponse:
    pending: dict[str, Any] = request.session.pop(SESSION_KEY, {}) or {}
    if pending.get("platform") != platform or pending.get("state") != request.GET.get("state"):
        messages.error(
            request, "The connection could not be verified (state mismatch). Start again."
        )
        return redirect("publishing:accounts")
    code = request.GET.get("code", "")
    if not code:
        messages.error(
            request,
            f"{platform} did not grant access: {request.GET.get('error_description', 'no code')}.",
        )
        return redirect("publishing:accounts")
    try:
        found = accounts.finish_connect(
            _user(request),
            platform,
            code,
            _callback_uri(request, platform),
            pending.get("verifier", ""),
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("publishing:accounts")
    messages.success(request, "Connected: " + ", ".join(a.display_name for a in found) + ".")
    return redirect("publishing:accounts")


@require_POST
@require_roles(*ADMIN_ROLES, what="disconnect accounts")
def disconnect(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    account = (
        ConnectedAccount.objects.for_practice(_practice(user)).filter(public_id=public_id).first()
    )
    if account is None:
        raise Http404("No such account")
    accounts.disconnect(user, account)
    messages.success(request, f"{account.display_name} is disconnected.")
    return redirect("publishing:accounts")


@login_required
def post_publications(request: HttpRequest, post_id: str) -> HttpResponse:
    user = _user(request)
    post = post_for(user, post_id)
    pubs = (
        Publication.objects.for_practice(_practice(user))
        .filter(post=post)
        .select_related("account")
        .prefetch_related("attempts", "takedowns")
        .order_by("pk")
    )
    return render(request, "publishing/post.html", {"post": post, "pubs": pubs})


@require_roles(*TAKEDOWN_ROLES, what="see takedowns")
def takedowns_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scoped = Takedown.objects.for_practice(_practice(user)).select_related(
        "publication__account", "publication__post"
    )
    return render(
        request,
        "publishing/takedowns.html",
        {
            "open": scoped.filter(state=TakedownState.OPEN).order_by("deadline"),
            "done": scoped.filter(state=TakedownState.DONE).order_by("-done_at")[:20],
        },
    )


@require_POST
@require_roles(*TAKEDOWN_ROLES, what="record takedowns")
def takedown_done(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    td = Takedown.objects.for_practice(_practice(user)).filter(public_id=public_id).first()
    if td is None:
        raise Http404("No such takedown")
    try:
        takedown.complete_manual(user, td, request.POST.get("note", ""))
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Recorded: the post was taken down by hand.")
    return redirect("publishing:takedowns")


INBOX_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER, Role.REVIEWER, Role.CONTENT_CREATOR)


@require_roles(*INBOX_ROLES, what="see the comments inbox")
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = (
        InboxComment.objects.for_practice(_practice(user))
        .select_related("publication__account", "publication__post", "account", "pending_reply_by")
        .order_by("-received_at")[:100]
    )
    items = []
    can_approve = user.has_role(*inbox.APPROVER_ROLES)
    for row in rows:
        text, author = inbox.read_text(user, row)
        items.append(
            {
                "row": row,
                "text": text,
                "author": author,
                "pending": row.pending_reply() if row.pending_reply_enc else "",
                "can_approve": can_approve and row.pending_reply_by_id != user.pk,
            }
        )
    return render(
        request,
        "publishing/inbox.html",
        {
            "items": items,
            "needs_approval": inbox.replies_need_approval(_practice(user)),
            "can_set": user.has_role(*inbox.SETTINGS_ROLES),
        },
    )


@require_POST
@require_roles(*inbox.SETTINGS_ROLES, what="change the reply approval setting")
def inbox_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    on = request.POST.get("replies_need_approval") == "1"
    try:
        inbox.set_replies_need_approval(user, on)
        messages.success(
            request,
            "Replies now wait for a second person's approval."
            if on
            else "Replies are sent by the person who checks them.",
        )
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:inbox")


@require_POST
@require_roles(*INBOX_ROLES, what="approve replies")
def inbox_approve(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    row = InboxComment.objects.for_practice(_practice(user)).filter(public_id=public_id).first()
    if row is None:
        raise Http404("No such comment")
    try:
        inbox.approve_reply(user, row)
        messages.success(request, "Reply approved and sent.")
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:inbox")


@require_POST
@require_roles(*INBOX_ROLES, what="reply to comments")
def inbox_reply(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    row = InboxComment.objects.for_practice(_practice(user)).filter(public_id=public_id).first()
    if row is None:
        raise Http404("No such comment")
    text = request.POST.get("text", "")
    try:
        if request.POST.get("check_only"):
            inbox.checked(row.practice, text)
            messages.success(
                request, f"Checked, ready to paste where you reply by hand: {text.strip()}"
            )
        else:
            done = inbox.send_reply(user, row, text)
            messages.success(
                request,
                "Reply checked; it waits for a reviewer or privacy officer to approve it."
                if done.state == CommentState.AWAITING_APPROVAL
                else "Reply checked and sent.",
            )
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("publishing:inbox")


@csrf_exempt
def meta_webhook(request: HttpRequest) -> HttpResponse:
    """Meta's webhook: GET answers the subscription challenge, POST must carry a valid
    `X-Hub-Signature-256`; an unsigned or wrongly signed body is refused (403)."""
    if request.method == "GET":
        expected = Env().string("CLEARPOST_META_WEBHOOK_VERIFY_TOKEN", "")
        if expected and request.GET.get("hub.verify_token") == expected:
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse(status=403)
    if request.method != "POST":
        return HttpResponse(status=405)
    secret = config.platform("instagram").client_secret
    header = request.headers.get("X-Hub-Signature-256", "")
    if not inbox.verify_meta_signature(secret, request.body, header):
        return HttpResponse(status=403)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    inbox.on_meta_webhook(payload if isinstance(payload, dict) else {})
    return HttpResponse(status=200)
