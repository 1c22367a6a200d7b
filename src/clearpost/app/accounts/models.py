"""Staff accounts, their roles in one practice, training records and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from clearpost.app.practices.models import Practice


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    REVIEWER = "reviewer", "Reviewer"
    CONTENT_CREATOR = "content_creator", "Content creator (approved poster)"
    CLINICIAN = "clinician", "Clinician"


# SEC-AUTHN: the roles that can approve, publish or see patients' identities need a
# second factor. Every role does one or the other, so every role has two-step sign-in.
MFA_ROLES = frozenset(Role)
# HIPAA-POLICY-SOCIAL: posting and reviewing need a current social-media training record.
TRAINED_ROLES = frozenset({Role.REVIEWER, Role.CONTENT_CREATOR})
# Roles that may see and manage patient identities and authorizations.
PATIENT_ROLES = frozenset({Role.OWNER, Role.PRIVACY_OFFICER, Role.CLINICIAN, Role.CONTENT_CREATOR})


def new_staff_id() -> str:
    return "st_" + secrets.token_urlsafe(12)


def new_token_id() -> str:
    return "tk_" + secrets.token_urlsafe(12)


class User(AbstractUser):
    # URLs name staff by a random public ID so one practice cannot enumerate another's.
    public_id = models.CharField(max_length=32, unique=True, default=new_staff_id, editable=False)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="staff", null=True
    )
    totp_secret = models.TextField(blank=True, help_text="Encrypted TOTP seed")
    mfa_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The 30-second TOTP time step last accepted: a code works once (no replay).
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    # A password someone else set (the owner adding staff) is changed at first sign-in.
    must_change_password = models.BooleanField(default=False)

    def role_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))

    @property
    def requires_mfa(self) -> bool:
        return bool(self.role_set() & MFA_ROLES)

    def current_training(self, on: dt.date | None = None) -> TrainingRecord | None:
        day = on or timezone.localdate()
        return (
            self.training_records.filter(completed_on__lte=day, expires_on__gte=day)
            .order_by("-expires_on")
            .first()
        )

    def training_due(self, on: dt.date | None = None) -> bool:
        return bool(self.role_set() & TRAINED_ROLES) and self.current_training(on) is None


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"


class TrainingRecord(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="training_records")
    course = models.CharField(max_length=200, default="Social media, PHI and patient content")
    completed_on = models.DateField()
    expires_on = models.DateField()
    # What the recorder typed as proof: a certificate number, where it is filed, or an
    # attestation in their own words. A record without it is not evidence.
    evidence = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on}..{self.expires_on})"


class LoginAttempt(models.Model):
    """Failed and successful sign-ins, for throttling and lockout (no passwords kept)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    succeeded = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{'success' if self.succeeded else 'failure'} for {self.username} at {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """Per-user API tokens. Only a SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    public_id = models.CharField(max_length=32, unique=True, default=new_token_id, editable=False)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"
