"""One-time links for the kiosk and for patient revocation.

The URL token is `django.core.signing` over a random nonce: a forged or altered token
fails the signature check before any database lookup, and the database keeps only a
SHA-256 of the nonce, so a copy of the database cannot recreate a working link. Every
failure (forged, unknown, expired, used) raises the same `LinkInvalid`, so the page a
visitor sees discloses nothing about which it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core import signing
from django.utils import timezone

from clearpost.app.authorizations.models import Authorization, LinkToken

KIOSK_LIFETIME = dt.timedelta(minutes=30)
_SALT = "clearpost.authorizations.link."


class LinkInvalid(Exception):
    """The link cannot be used (forged, unknown, expired or already used)."""


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("ascii")).hexdigest()


def issue(authorization: Authorization, purpose: str, expires_at: dt.datetime) -> str:
    """Create the link row and return the token to put in the URL (shown once)."""
    nonce = secrets.token_urlsafe(24)
    LinkToken.objects.create(
        authorization=authorization,
        purpose=purpose,
        nonce_hash=_hash(nonce),
        expires_at=expires_at,
    )
    return signing.dumps(nonce, salt=_SALT + purpose)


def resolve(token: str, purpose: str, *, lock: bool = False) -> LinkToken:
    """The live link row for a token, or LinkInvalid."""
    if not token or len(token) > 300:
        raise LinkInvalid
    try:
        nonce = signing.loads(token, salt=_SALT + purpose)
    except signing.BadSignature:
        raise LinkInvalid from None
    if not isinstance(nonce, str):
        raise LinkInvalid
    rows = LinkToken.objects.select_related("authorization", "authorization__practice")
    if lock:
        rows = rows.select_for_update()
    link = rows.filter(nonce_hash=_hash(nonce), purpose=purpose).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise LinkInvalid
    return link


def use(link: LinkToken) -> None:
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])


def retire_unused(authorization: Authorization, purpose: str) -> None:
    """A new kiosk session ends any earlier one for the same release."""
    LinkToken.objects.filter(
        authorization=authorization, purpose=purpose, used_at__isnull=True
    ).update(used_at=timezone.now())
