"""Media library pages: list and upload, item progress and result, files.

Thin: `actions` (and `uploads` for the bytes) do the work and the auditing. Every
object URL goes through `selectors.item_for`, so another practice's item is a 404
exactly like a missing one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import actions, intake, selectors, uploads
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.presenter import result_context

STALE_PROCESSING_S = 15 * 60
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
}
FORMAT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "m4v": "video/mp4",
    "webm": "video/webm",
}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return user


def _item(request: HttpRequest, public_id: str) -> MediaItem:
    practice = _user(request).practice
    assert practice is not None
    return selectors.item_for(practice, public_id)


def can_upload(user: User) -> bool:
    return user.has_role(*actions.UPLOAD_ROLES)


def can_see_original(user: User) -> bool:
    return user.has_role(*actions.ORIGINAL_ROLES)


@login_required
def library(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.practice is not None
    items = list(selectors.items(user.practice)[:200])
    return render(
        request,
        "media/library.html",
        {
            "items": items,
            "can_upload": can_upload(user),
            "limits": {
                "photo_mb": settings.CLEARPOST_MEDIA_MAX_PHOTO_MB,
                "video_mb": settings.CLEARPOST_MEDIA_MAX_VIDEO_MB,
                "video_minutes": settings.CLEARPOST_MEDIA_MAX_VIDEO_SECONDS // 60,
            },
            "chunk_bytes": 4 * 1024 * 1024,
        },
    )


@csrf_exempt
@login_required
def upload_form(request: HttpRequest) -> HttpResponse:
    """The multi-file form without JavaScript. The limit-enforcing handler must be in
    place before the body is read, so CSRF is checked after, by `_upload_form`."""
    request.upload_handlers = [uploads.LimitedUploadHandler(request)]
    return _upload_form(request)


@csrf_protect
@require_POST
def _upload_form(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    handler = request.upload_handlers[0]
    assert isinstance(handler, uploads.LimitedUploadHandler)
    accepted: list[MediaItem] = []
    refused: list[dict[str, str]] = []
    files = request.FILES.getlist("files")  # parses the body: the handler's refusals follow
    for name, reason in handler.refused:
        refusal = intake.UploadRefused(reason)
        actions.record_refusal(user, refusal, request)
        refused.append({"name": name, "reason": refusal.reason, "plain": refusal.plain})
    for upload in files:
        path = (
            Path(upload.temporary_file_path()) if hasattr(upload, "temporary_file_path") else None
        )
        tmp_dir = None
        if path is None:  # small files stay in memory: give the engine a real file
            tmp_dir = Path(tempfile.mkdtemp(prefix="up-", dir=uploads._dir()))
            path = tmp_dir / "upload"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
        try:
            accepted.append(actions.ingest(user, path, upload.name or "upload", request))
        except intake.UploadRefused as refusal:
            actions.record_refusal(user, refusal, request)
            refused.append(
                {"name": upload.name or "file", "reason": refusal.reason, "plain": refusal.plain}
            )
        finally:
            if tmp_dir is not None:
                shutil.rmtree(tmp_dir, ignore_errors=True)
    return render(request, "media/uploaded.html", {"accepted": accepted, "refused": refused})


# ---- chunked, resumable upload (the page's uploader)


def _json_error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status)


@require_POST
@login_required
def chunk_start(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    try:
        body = json.loads(request.body or b"{}")
        size = int(body.get("size", 0))
        name = str(body.get("name", "upload"))
    except (ValueError, TypeError, AttributeError):
        return _json_error("Send JSON with name and size.", 400)
    try:
        session = uploads.start(user, name, size, request)
    except intake.UploadRefused as refusal:
        actions.record_refusal(user, refusal, request)
        return _json_error(refusal.plain, 422, reason=refusal.reason, refused=True)
    return JsonResponse({"id": session.public_id, "received": 0, "size": session.size}, status=201)


@login_required
def chunk(request: HttpRequest, upload_id: str) -> JsonResponse:
    """GET: how much arrived (to resume). PUT ?offset=N: the next chunk, raw bytes."""
    user = _user(request)
    session = uploads.session_for(user, upload_id)
    if session is None:
        raise Http404("No such upload")
    if request.method == "GET":
        return JsonResponse(
            {"id": session.public_id, "received": session.received, "size": session.size}
        )
    if request.method != "PUT":
        return _json_error("Use GET or PUT.", 405)
    try:
        offset = int(request.GET.get("offset", "-1"))
        length = int(request.META.get("CONTENT_LENGTH") or "0")
    except ValueError:
        return _json_error("offset and Content-Length must be numbers.", 400)
    try:
        received = uploads.append(session, offset, request, length)  # type: ignore[arg-type]
    except intake.UploadRefused as refusal:
        actions.record_refusal(user, refusal, request)
        return _json_error(refusal.plain, 422, reason=refusal.reason, refused=True)
    except ActionError as exc:
        fresh = uploads.session_for(user, upload_id)
        return _json_error(str(exc), 409, received=fresh.received if fresh else 0)
    return JsonResponse({"id": session.public_id, "received": received, "size": session.size})


@require_POST
@login_required
def chunk_finish(request: HttpRequest, upload_id: str) -> JsonResponse:
    user = _user(request)
    session = uploads.session_for(user, upload_id)
    if session is None:
        raise Http404("No such upload")
    try:
        item = uploads.finish(user, session, request)
    except intake.UploadRefused as refusal:
        return _json_error(refusal.plain, 422, reason=refusal.reason, refused=True)
    except ActionError as exc:
        return _json_error(str(exc), 409, received=session.received)
    return JsonResponse(
        {"item": item.public_id, "url": reverse("media:detail", args=[item.public_id])},
        status=201,
    )


# ---- one item


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    item = _item(request, public_id)
    context = result_context(request, user, item)
    context["stale"] = (
        item.status == MediaStatus.PROCESSING
        and (timezone.now() - item.updated_at).total_seconds() > STALE_PROCESSING_S
    )
    return render(request, "media/detail.html", context)


@login_required
def progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """Polled by htmx every second while the item is being processed; a finished item
    asks the page to reload so the result shows (the notice is in the page)."""
    item = _item(request, public_id)
    response = render(request, "media/_progress.html", {"item": item, "polling": not item.finished})
    if item.finished and request.GET.get("was") != "done":
        response["HX-Refresh"] = "true"
    return response


def _stream(chunks: Any, content_type: str, filename: str, download: bool) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def original(request: HttpRequest, public_id: str) -> StreamingHttpResponse:
    user = _user(request)
    item = _item(request, public_id)
    if not item.original:
        raise Http404("No original")
    download = request.GET.get("download") == "1"
    chunks = actions.open_original(user, item, request, "download" if download else "view")
    content_type = FORMAT_TYPES.get(item.original_format, "application/octet-stream")
    return _stream(chunks, content_type, f"{item.public_id}-original", download)


@login_required
def derivative(request: HttpRequest, public_id: str) -> FileResponse:
    user = _user(request)
    item = _item(request, public_id)
    if item.status != MediaStatus.CLEARED or not item.derivative:
        raise Http404("No de-identified file")
    download = request.GET.get("download") == "1"
    if download:
        actions.audit_derivative_download(user, item, request)
    ext = item.derivative_ext or Path(item.derivative).suffix
    response = FileResponse(
        actions.storage().open(item.derivative, "rb"),
        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"),
        as_attachment=download,
        filename=f"{item.public_id}{ext}",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@login_required
def rerun(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    try:
        actions.rerun_deid(_user(request), item, request)
    except ActionError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("media:detail", args=[item.public_id]))


@require_POST
@login_required
def delete(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    try:
        actions.delete_item(_user(request), item, request.POST.get("reason", ""), request)
    except ActionError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("media:detail", args=[item.public_id]))
    messages.info(request, "The item was deleted: original and de-identified copy removed.")
    return HttpResponseRedirect(reverse("media:library"))
