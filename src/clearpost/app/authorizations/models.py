"""Release templates, patient authorizations (media releases) and their one-time links.

A signed authorization is evidence (HIPAA-AUTH-RETAIN-6Y): once signed, its text, scope,
signer and signature can never change. `Authorization.save()` refuses any change to a
frozen field and `delete()` refuses outright; only the lifecycle fields that revocation
and expiry set may move, and only `authorizations.actions` sets them.

PHI at rest is sealed with AES-GCM bound to the row's public ID (signature image, PDF
copy, signer name, revocation note), like the patient's identity.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models

from clearpost import crypto
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet


class ImmutableError(RuntimeError):
    """Something tried to change or delete a signed authorization."""


def new_authorization_id() -> str:
    return "au_" + secrets.token_urlsafe(12)


class ReleaseTemplate(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="one_template_name")
        ]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> TemplateVersion | None:
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """One saved text of a template. Versions are never edited: an edit is a new version,
    so the text a patient signed can always be shown again exactly."""

    template = models.ForeignKey(ReleaseTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    lint = models.JSONField(default=dict)
    usable = models.BooleanField(default=False)
    readability_grade = models.FloatField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    frozen_at = models.DateTimeField(null=True, blank=True, help_text="First used for a signature")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = TemplateVersion.objects.filter(pk=self.pk).values("text", "number").first()
            if stored and (stored["text"] != self.text or stored["number"] != self.number):
                raise ImmutableError("a template version is never edited; save a new version")
        super().save(*args, **kwargs)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_SIGNATURE = "awaiting_signature", "Awaiting signature"
    SIGNED = "signed", "Signed"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class SignerRelationship(models.TextChoices):
    SELF = "self", "The patient"
    PARENT = "parent", "Parent"
    GUARDIAN = "guardian", "Legal guardian"
    PERSONAL_REPRESENTATIVE = "personal_representative", "Personal representative"
    EXECUTOR = "executor", "Executor or administrator of the estate"


class RevocationSource(models.TextChoices):
    STAFF_WRITTEN = "staff_written", "Staff, on the patient's written request"
    PATIENT_LINK = "patient_link", "Patient, through the private link"


SIGNED_STATES = frozenset({Status.SIGNED, Status.REVOKED, Status.EXPIRED})
# What revocation, expiry and copy delivery may still change on a signed row.
LIFECYCLE_FIELDS = frozenset(
    {
        "status",
        "revoked_at",
        "revocation_source",
        "revocation_note_enc",
        "revoked_by_id",
        "expired_at",
        "copy_given_at",
        "updated_at",
    }
)


class Authorization(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(
        max_length=32, unique=True, default=new_authorization_id, editable=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="authorizations")
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="authorizations"
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    # Scope (the contract's `scope` and `elements`), fixed when prepared.
    platforms = models.JSONField(default=list)
    media_types = models.JSONField(default=list)
    identifiability = models.CharField(max_length=16)
    name_shown = models.CharField(max_length=16, default="none")
    body_regions = models.JSONField(default=list)
    purposes = models.JSONField(default=list)
    paid_promotion = models.BooleanField(default=False)
    patient_compensation = models.CharField(max_length=200, blank=True)
    third_party_remuneration = models.BooleanField(default=False)
    information_description = models.TextField()
    disclosers = models.JSONField(default=list)
    recipients = models.TextField()
    expires_on = models.DateField(null=True, blank=True)
    expiration_event = models.CharField(max_length=200, blank=True)
    # What the template states, from its lint when prepared (the contract's *_statement).
    statements = models.JSONField(default=dict)
    rendered_text = models.TextField(blank=True)

    # Signing.
    signer_relationship = models.CharField(
        max_length=32, choices=SignerRelationship.choices, blank=True
    )
    signer_name_enc = models.TextField(blank=True)
    authority_description_enc = models.TextField(blank=True)
    minor_assent = models.BooleanField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signing_method = models.CharField(max_length=16, blank=True)
    signature_enc = models.TextField(blank=True, help_text="AES-GCM sealed PNG (base64)")
    content_sha256 = models.CharField(max_length=64, blank=True)
    pdf_enc = models.TextField(blank=True, help_text="AES-GCM sealed PDF copy (base64)")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    copy_given_at = models.DateTimeField(null=True, blank=True)

    # End of life.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_source = models.CharField(
        max_length=16, choices=RevocationSource.choices, blank=True
    )
    revocation_note_enc = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    expired_at = models.DateTimeField(null=True, blank=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return self.public_id

    # Immutability ------------------------------------------------------------------
    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Authorization.objects.filter(pk=self.pk).first()
            if stored is not None and stored.status in SIGNED_STATES:
                changed = [
                    f.attname
                    for f in self._meta.concrete_fields
                    if f.attname not in LIFECYCLE_FIELDS
                    and getattr(stored, f.attname) != getattr(self, f.attname)
                ]
                if changed:
                    raise ImmutableError(
                        "a signed authorization cannot change (" + ", ".join(changed) + ")"
                    )
                if self.status not in SIGNED_STATES:
                    raise ImmutableError("a signed authorization cannot return to unsigned")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status in SIGNED_STATES or self.signed_at is not None:
            raise ImmutableError("a signed authorization is kept (HIPAA-AUTH-RETAIN-6Y)")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status in SIGNED_STATES

    # Sealing -----------------------------------------------------------------------
    def _aad(self, field: str) -> str:
        return f"authorization:{self.public_id}:{field}"

    def seal(self, field: str, value: str) -> str:
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.encrypt(key, value, self._aad(field)) if value else ""

    def open(self, field: str) -> str:
        """Decrypt a sealed field; callers audit the read (actions.read_signed_release)."""
        token: str = getattr(self, f"{field}_enc")
        key = settings.CLEARPOST_ENCRYPTION_KEY
        return crypto.decrypt(key, token, self._aad(field)) if token else ""

    def seal_bytes(self, field: str, data: bytes) -> str:
        return self.seal(field, base64.b64encode(data).decode("ascii"))

    def open_bytes(self, field: str) -> bytes:
        return base64.b64decode(self.open(field)) if getattr(self, f"{field}_enc") else b""


def content_hash(rendered_text: str, signature_png: bytes) -> str:
    """SHA-256 over the exact text signed and the signature image, length-prefixed so
    no text/signature split can collide with another."""
    text = rendered_text.encode("utf-8")
    digest = hashlib.sha256()
    digest.update(len(text).to_bytes(8, "big"))
    digest.update(text)
    digest.update(len(signature_png).to_bytes(8, "big"))
    digest.update(signature_png)
    return digest.hexdigest()


class CopyDelivery(models.Model):
    """Each time the patient's copy left the practice (HIPAA-AUTH-COPY)."""

    class Method(models.TextChoices):
        DOWNLOAD = "download", "Downloaded"
        EMAIL = "email", "E-mailed"

    authorization = models.ForeignKey(
        Authorization, on_delete=models.PROTECT, related_name="deliveries"
    )
    method = models.CharField(max_length=16, choices=Method.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recipient_hint = models.CharField(max_length=200, blank=True, help_text="masked address")
    pdf_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.method} at {self.at:%Y-%m-%d %H:%M}"


class LinkToken(models.Model):
    """A one-time link (kiosk signing or patient revocation). Only a hash of the random
    part is stored; the URL also carries a Django signature so a guessed or altered
    token is refused before any lookup."""

    class Purpose(models.TextChoices):
        KIOSK = "kiosk", "Kiosk signing"
        REVOKE = "revoke", "Patient revocation"

    authorization = models.ForeignKey(Authorization, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} link"


class DomainEvent(models.Model):
    """A durable fact other features react to (see `clearpost.app.events`).

    Written in the same transaction as the change it announces, so an event exists
    exactly when its change was committed; subscribers run after commit and can be
    re-run (`delivered_at` is empty until every subscriber succeeded)."""

    name = models.CharField(max_length=80, db_index=True)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+", null=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
