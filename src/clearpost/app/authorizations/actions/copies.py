"""Reading a signed release, copies for the patient, the signer check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions.common import ActionError, require_own_release
from clearpost.app.authorizations.models import (
    Authorization,
    CopyDelivery,
)


# Reading and copies -----------------------------------------------------------------
@dataclass(frozen=True)
class SignedRelease:
    signer_name: str
    authority_description: str
    revocation_note: str
    signature_png: bytes = field(repr=False)


def read_signed_release(
    actor: User,
    authorization: Authorization,
    request: HttpRequest | None = None,
    purpose: str = "view",
) -> SignedRelease:
    """Decrypt a signed release's PHI for a person, and audit that they saw it."""
    require_own_release(actor, authorization, request)
    record(
        "authorization.view",
        actor=actor,
        obj=authorization,
        rule="SEC-AUDIT-CONTROLS",
        detail={"purpose": purpose},
        request=request,
    )
    return SignedRelease(
        signer_name=authorization.open("signer_name"),
        authority_description=authorization.open("authority_description"),
        revocation_note=authorization.open("revocation_note"),
        signature_png=authorization.open_bytes("signature"),
    )


def _deliver(
    auth: Authorization,
    method: str,
    actor: User | None,
    hint: str,
    request: HttpRequest | None,
) -> CopyDelivery:
    delivery = CopyDelivery.objects.create(
        authorization=auth, method=method, by=actor, recipient_hint=hint, pdf_sha256=auth.pdf_sha256
    )
    if auth.copy_given_at is None:
        auth.copy_given_at = delivery.at
        auth.save(update_fields=["copy_given_at", "updated_at"])
    record(
        "authorization.copy",
        actor=actor,
        actor_label=None if actor is not None else "kiosk",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-COPY",
        detail={"method": method, "pdf_sha256": auth.pdf_sha256},
        request=request,
    )
    return delivery


def _require_pdf(auth: Authorization) -> bytes:
    if auth.signed_at is None or not auth.pdf_enc:
        raise ActionError({"": "This release is not signed yet, so there is no copy."})
    pdf = auth.open_bytes("pdf")
    if hashlib.sha256(pdf).hexdigest() != auth.pdf_sha256:
        raise ActionError(
            {"": "The stored copy does not match its recorded hash; tell the privacy officer."}
        )
    return pdf


def download_copy(
    actor: User | None, authorization: Authorization, request: HttpRequest | None = None
) -> bytes:
    """The PDF copy for download; records the delivery (HIPAA-AUTH-COPY).

    `actor` is None only for the kiosk's own "take your copy" button right after signing.
    """
    if actor is not None:
        require_own_release(actor, authorization, request)
    with transaction.atomic():
        pdf = _require_pdf(authorization)
        _deliver(authorization, CopyDelivery.Method.DOWNLOAD, actor, "", request)
    return pdf


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


def email_copy(
    actor: User, authorization: Authorization, address: str, request: HttpRequest | None = None
) -> CopyDelivery:
    """Send the PDF copy by e-mail (the outbox folder in the embedded setup)."""
    require_own_release(actor, authorization, request)
    address = address.strip()
    try:
        validate_email(address)
    except Exception:
        raise ActionError({"email": "Enter a valid e-mail address."}) from None
    with transaction.atomic():
        pdf = _require_pdf(authorization)
        practice = authorization.practice
        message = EmailMessage(
            subject=f"Your copy of your media release from {practice.name}",
            body=(
                f"Attached is your copy of the media release you signed with {practice.name}.\n"
                "It also has your private link to take back your permission at any time.\n"
            ),
            to=[address],
        )
        message.attach(f"media-release-{authorization.public_id}.pdf", pdf, "application/pdf")
        message.send(fail_silently=False)
        return _deliver(
            authorization, CopyDelivery.Method.EMAIL, actor, _mask_email(address), request
        )


def attest_signer_verified(
    actor: User, authorization: Authorization, note: str, request: HttpRequest | None = None
) -> Authorization:
    """Staff record that they checked the signer's identity and authority document
    (HIPAA-AUTH-VERIFY-SIGNER); the note is hashed into the audit event, never stored."""
    require_own_release(actor, authorization, request)
    note = note.strip()
    if len(note) < 5:
        raise ActionError(
            {"note": "Say which document you checked (for example: court order, ID)."}
        )
    with transaction.atomic():
        auth: Authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.signed_at is None:
            raise ActionError({"": "The release is not signed yet."})
        if auth.signer_verified_at is not None:
            raise ActionError({"": "The signer's check is already recorded."})
        auth.signer_verified_at = timezone.now()
        auth.signer_verified_by = actor
        auth.save()
        record(
            "authorization.signer_verified",
            actor=actor,
            obj=auth,
            rule="HIPAA-AUTH-VERIFY-SIGNER",
            after={"note": note},
            detail={"relationship": auth.signer_relationship},
            request=request,
        )
    return auth
