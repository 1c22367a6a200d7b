"""The patient's preview: no login, phone-sized, exactly the media derivatives and the
caption per platform, and one decision per link. Every failure (unknown, expired,
decided, the post changed) shows the same page, so the link discloses nothing."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clearpost.app.media import actions as media_actions
from clearpost.app.media.models import MediaStatus
from clearpost.app.posts import actions, platforms

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
}


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "posts/preview_invalid.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in {"approve", "decline"}:
            return _invalid(request)
        try:
            pv = actions.decide_preview(
                token, decision == "approve", request.POST.get("reason", ""), request
            )
        except actions.LinkInvalid:
            return _invalid(request)
        return render(
            request,
            "posts/preview_done.html",
            {"approved": decision == "approve", "practice_name": pv.post.practice.name},
        )
    try:
        pv = actions.preview_for_token(token)
    except actions.LinkInvalid:
        return _invalid(request)
    post = pv.post
    # The site-wide Referrer-Policy (same-origin) keeps the token from other sites; a
    # stricter no-referrer would make browsers send "Origin: null" and fail CSRF.
    return render(
        request,
        "posts/preview_public.html",
        {
            "token": token,
            "practice_name": post.practice.name,
            "views": platforms.views_for(post),
            "caption": post.caption,
            "media": post.ordered_media(),
            "expires_at": pv.expires_at,
        },
    )


@never_cache
def media(request: HttpRequest, token: str, public_id: str) -> FileResponse:
    """One derivative of the previewed post, and nothing else."""
    try:
        pv = actions.preview_for_token(token)
    except actions.LinkInvalid:
        raise Http404("No such preview") from None
    found = next(
        (pm.item for pm in pv.post.ordered_media() if pm.item.public_id == public_id), None
    )
    if found is None or found.status != MediaStatus.CLEARED or not found.derivative:
        raise Http404("No such media")
    ext = found.derivative_ext or Path(found.derivative).suffix
    return FileResponse(
        media_actions.storage().open(found.derivative, "rb"),
        content_type=CONTENT_TYPES.get(ext.lower(), "application/octet-stream"),
    )
