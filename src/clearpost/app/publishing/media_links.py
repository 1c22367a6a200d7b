"""Public, expiring addresses for cleared media, for platforms that fetch by URL.

Instagram, Facebook and TikTok photo posts download the media from an address ClearPost
gives them. The address carries a signed token naming the cleared derivative (never the
original, never a patient) and expires after two days; nothing else is reachable by it.
Only cleared files are ever linked: the publisher builds links from cleared items only.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse

SALT = "clearpost.publishing.media"
MAX_AGE = 2 * 86400
TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


def token_for(storage_name: str, ext: str) -> str:
    return signing.dumps({"n": storage_name, "e": ext.lstrip(".").lower()}, salt=SALT)


def resolve(token: str) -> tuple[str, str]:
    """(storage name, mime type) for a valid, unexpired token; raises Http404 otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise Http404("No such media") from None
    ext = str(data.get("e", ""))
    if ext not in TYPES:
        raise Http404("No such media")
    return str(data["n"]), TYPES[ext]


def url_for(storage_name: str, ext: str) -> str:
    token = token_for(storage_name, ext)
    path = reverse("publishing:media", args=[token, ext.lstrip(".").lower()])
    return settings.SITE_URL + path


def serve(request: HttpRequest, token: str, ext: str) -> FileResponse:
    from clearpost.app.media.actions import storage

    name, mime = resolve(token)
    response = FileResponse(storage().open(name, "rb"), content_type=mime)
    # The platforms fetch these from their own origin (and their pages show them), so
    # this one response opts out of the site-wide same-origin resource policy.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
