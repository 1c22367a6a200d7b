"""Where a practice publishes: its connected professional accounts.

A connected account is a practice's own business, creator, page or organization account
on one platform (ASPS-PROFESSIONAL-ACCOUNT: never a staff member's personal account),
or one of the two targets that need no platform (the practice website's gallery and the
"ready to post" kit). Its tokens are AES-GCM ciphertexts bound to the account's public
ID, like every other secret at rest. The posts gate reads `is_professional`,
`is_usable()` and `age_restriction_applied`; the publishing providers own the rest.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from clearpost import crypto
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet


def new_public_id() -> str:
    return "ca_" + secrets.token_urlsafe(12)


class Platform(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook Page"
    TIKTOK = "tiktok", "TikTok"
    LINKEDIN = "linkedin", "LinkedIn page"
    X = "x", "X"
    WEBSITE = "website", "Practice website gallery"
    KIT = "kit", "Ready-to-post kit"


class AccountKind(models.TextChoices):
    BUSINESS = "business", "Business account"
    CREATOR = "creator", "Creator account"
    PAGE = "page", "Page"
    ORGANIZATION = "organization", "Organization page"
    PRACTICE_OWNED = "practice_owned", "Owned by the practice (no platform)"
    PERSONAL = "personal", "Personal account"


PROFESSIONAL_KINDS = frozenset(
    {
        AccountKind.BUSINESS,
        AccountKind.CREATOR,
        AccountKind.PAGE,
        AccountKind.ORGANIZATION,
        AccountKind.PRACTICE_OWNED,
    }
)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_REAUTH = "needs_reauth", "Needs to be connected again"
    DISCONNECTED = "disconnected", "Disconnected"


class ConnectedAccount(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="connected_accounts"
    )
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    external_id = models.CharField(max_length=128, blank=True)
    display_name = models.CharField(max_length=200)
    handle = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    # ASPS-GRAPHIC-CONTENT: graphic surgical content may go only where the platform's
    # age restriction is applied on this account.
    age_restriction_applied = models.BooleanField(default=False)
    access_token_enc = models.TextField(blank=True)
    refresh_token_enc = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "platform", "external_id"], name="one_connection_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_professional(self) -> bool:
        return self.kind in PROFESSIONAL_KINDS

    def is_usable(self, at: dt.datetime | None = None) -> bool:
        """Connected, professional, and (for platform accounts) holding an unexpired token."""
        if self.status != AccountStatus.ACTIVE or not self.is_professional:
            return False
        if self.token_expires_at is None:
            return True
        return self.token_expires_at > (at or timezone.now())

    def _aad(self, field: str) -> str:
        return f"connected_account:{self.public_id}:{field}"

    def set_tokens(self, access: str, refresh: str = "") -> None:
        key = settings.CLEARPOST_ENCRYPTION_KEY
        self.access_token_enc = crypto.encrypt(key, access, self._aad("access")) if access else ""
        self.refresh_token_enc = (
            crypto.encrypt(key, refresh, self._aad("refresh")) if refresh else ""
        )

    def access_token(self) -> str:
        token = self.access_token_enc
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, token, self._aad("access")) if token else ""

    def refresh_token(self) -> str:
        token = self.refresh_token_enc
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, token, self._aad("refresh")) if token else ""
