"""The kiosk and signing: the page the patient sees and the signature itself."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations import links
from clearpost.app.authorizations.actions.common import (
    REVOKE_LINK_LIFETIME,
    ActionError,
    require_own_release,
)
from clearpost.app.authorizations.actions.preparing import _today, scope_lines
from clearpost.app.authorizations.models import (
    Authorization,
    LinkToken,
    SignerRelationship,
    Status,
    content_hash,
)
from clearpost.app.authorizations.pdf import CopyContent, render_copy
from clearpost.app.authorizations.scope import (
    expiry_words,
)
from clearpost.app.authorizations.signature import SignatureError, validate_png
from clearpost.app.patients.models import Identity
from clearpost.engine.consent.check import (
    ADULT_AGE,
    age_on,
    practice_zone,
)


# Kiosk ------------------------------------------------------------------------------
def open_kiosk(
    actor: User, authorization: Authorization, request: HttpRequest | None = None
) -> str:
    """Start a single-use, short-lived signing session; returns the token for /kiosk/<token>/."""
    require_own_release(actor, authorization, request)
    if authorization.status not in (Status.DRAFT, Status.AWAITING_SIGNATURE):
        raise ActionError({"": "This release is already signed, revoked or expired."})
    if authorization.expires_on is not None and authorization.expires_on < _today(
        authorization.practice
    ):
        raise ActionError({"": "This release's expiry date has passed; prepare a new one."})
    with transaction.atomic():
        links.retire_unused(authorization, LinkToken.Purpose.KIOSK)
        token = links.issue(
            authorization, LinkToken.Purpose.KIOSK, timezone.now() + links.KIOSK_LIFETIME
        )
        authorization.status = Status.AWAITING_SIGNATURE
        authorization.save(update_fields=["status", "updated_at"])
        record(
            "authorization.kiosk_open",
            actor=actor,
            obj=authorization,
            rule="HIPAA-AUTH-NO-COMPOUND",
            request=request,
        )
    return token


@dataclass(frozen=True)
class KioskPage:
    """What the kiosk shows: the release and what the signer must provide. No staff data."""

    authorization: Authorization
    scope_lines: list[str]
    expiry: str
    minor: bool
    deceased: bool
    relationships: list[tuple[str, str]]


def _relationships(minor: bool, deceased: bool) -> list[tuple[str, str]]:
    if deceased:
        allowed = [SignerRelationship.EXECUTOR]
    elif minor:
        allowed = [
            SignerRelationship.PARENT,
            SignerRelationship.GUARDIAN,
            SignerRelationship.PERSONAL_REPRESENTATIVE,
        ]
    else:
        allowed = [
            SignerRelationship.SELF,
            SignerRelationship.GUARDIAN,
            SignerRelationship.PERSONAL_REPRESENTATIVE,
        ]
    return [(r.value, r.label) for r in allowed]


def _patient_state(identity: Identity, day: dt.date) -> tuple[bool, bool]:
    deceased = identity.date_of_death is not None and identity.date_of_death <= day
    minor = not deceased and age_on(identity.birth_date, day) < ADULT_AGE
    return minor, deceased


def kiosk_page(token: str, request: HttpRequest | None = None) -> KioskPage:
    """Resolve a kiosk link (LinkInvalid when unusable) and describe the signing page."""
    link = links.resolve(token, LinkToken.Purpose.KIOSK)
    auth = link.authorization
    if auth.status != Status.AWAITING_SIGNATURE:
        raise links.LinkInvalid
    identity = auth.patient.decrypt_identity()
    minor, deceased = _patient_state(identity, _today(auth.practice))
    record(
        "authorization.kiosk_view",
        actor_label="kiosk",
        practice=auth.practice,
        obj=auth,
        rule="SEC-AUDIT-CONTROLS",
        detail={"read": "patient age and status for the signer choice"},
        request=request,
    )
    return KioskPage(
        authorization=auth,
        scope_lines=scope_lines(auth),
        expiry=expiry_words(auth.expires_on, auth.expiration_event),
        minor=minor,
        deceased=deceased,
        relationships=_relationships(minor, deceased),
    )


@dataclass(frozen=True)
class SignatureInput:
    typed_name: str
    relationship: str
    authority_description: str
    minor_assent: bool | None
    signature_png: bytes
    method: str = "drawn"  # or "typed": the typed name adopted as the signature


@dataclass(frozen=True)
class SignResult:
    authorization: Authorization
    revocation_url: str


def signer_problems(
    signature: SignatureInput, identity: Identity, signed_on: dt.date
) -> dict[str, str]:
    """Who may sign for this patient on this day (HIPAA-PR-*), as field errors."""
    errors: dict[str, str] = {}
    name = " ".join(signature.typed_name.split())
    if len(name) < 2:
        errors["typed_name"] = "Type your full name."
    elif len(name) > 200:
        errors["typed_name"] = "The name is too long."
    rel = signature.relationship
    if rel not in SignerRelationship.values:
        errors["relationship"] = "Choose who is signing."
        return errors
    minor, deceased = _patient_state(identity, signed_on)
    authority = signature.authority_description.strip()
    if deceased and rel != SignerRelationship.EXECUTOR:
        errors["relationship"] = (
            "The patient has died; only the executor or administrator of the estate can sign "
            "(HIPAA-PR-DECEASED)."
        )
    elif not deceased and rel == SignerRelationship.EXECUTOR:
        errors["relationship"] = "An executor signs only for a patient who has died."
    elif minor and rel == SignerRelationship.SELF:
        errors["relationship"] = (
            "The patient is under 18; a parent or guardian must sign (HIPAA-PR-MINOR)."
        )
    elif not minor and rel == SignerRelationship.PARENT:
        errors["relationship"] = (
            "The patient is an adult; they sign themselves, or a guardian with legal authority."
        )
    if rel != SignerRelationship.SELF and not authority:
        errors["authority_description"] = (
            "Describe your legal authority to sign for the patient (HIPAA-AUTH-ELEMENT-REP-AUTHORITY)."
        )
    if len(authority) > 500:
        errors["authority_description"] = "Keep this under 500 characters."
    if minor and signature.minor_assent is None:
        errors["minor_assent"] = "Record whether the patient (a minor) agrees."
    return errors


def _base_url(request: HttpRequest | None) -> str:
    return request.build_absolute_uri("/").rstrip("/") if request is not None else settings.SITE_URL


def sign(token: str, signature: SignatureInput, request: HttpRequest | None = None) -> SignResult:
    """Sign at the kiosk: validate, freeze the release, hash it, render and seal the copy.

    Raises LinkInvalid for an unusable link and ActionError for what the signer must fix
    (the link stays usable then, so they can correct and sign again).
    """
    try:
        png = validate_png(signature.signature_png)
    except SignatureError as exc:
        raise ActionError({"signature": str(exc)}) from None
    with transaction.atomic():
        link = links.resolve(token, LinkToken.Purpose.KIOSK, lock=True)
        auth = Authorization.objects.select_for_update().get(pk=link.authorization_id)
        if auth.status != Status.AWAITING_SIGNATURE:
            raise links.LinkInvalid
        practice = auth.practice
        zone = practice_zone(practice.time_zone)
        now = timezone.now()
        signed_on = now.astimezone(zone).date()
        if auth.expires_on is not None and auth.expires_on < signed_on:
            raise ActionError({"": "This release's expiry date has passed; ask the staff."})
        identity = auth.patient.decrypt_identity()
        problems = signer_problems(signature, identity, signed_on)
        if problems:
            raise ActionError(problems)
        minor, _ = _patient_state(identity, signed_on)
        name = " ".join(signature.typed_name.split())
        authority = signature.authority_description.strip()
        auth.signer_relationship = signature.relationship
        auth.signer_name_enc = auth.seal("signer_name", name)
        auth.authority_description_enc = (
            auth.seal("authority_description", authority)
            if signature.relationship != SignerRelationship.SELF
            else ""
        )
        auth.minor_assent = signature.minor_assent if minor else None
        auth.signed_at = now
        auth.signing_method = "typed" if signature.method == "typed" else "drawn"
        auth.signature_enc = auth.seal_bytes("signature", png)
        auth.content_sha256 = content_hash(auth.rendered_text, png)
        revoke_token = links.issue(auth, LinkToken.Purpose.REVOKE, now + REVOKE_LINK_LIFETIME)
        revocation_url = f"{_base_url(request)}/r/{revoke_token}/"
        pdf = render_copy(
            CopyContent(
                practice_name=practice.name,
                authorization_id=auth.public_id,
                patient_name=identity.name,
                rendered_text=auth.rendered_text,
                scope_lines=scope_lines(auth),
                signer_name=name,
                signer_relationship=SignerRelationship(signature.relationship).label,
                authority_description=authority if signature.relationship != "self" else "",
                minor_assent=(
                    ("given" if signature.minor_assent else "not given") if minor else ""
                ),
                signed_at=f"{now.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})",
                expiry=expiry_words(auth.expires_on, auth.expiration_event),
                content_sha256=auth.content_sha256,
                template_label=str(auth.template_version),
                signature_png=png,
                revocation_url=revocation_url,
            )
        )
        auth.pdf_enc = auth.seal_bytes("pdf", pdf)
        auth.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        auth.status = Status.SIGNED
        auth.save()
        version = auth.template_version
        if version.frozen_at is None:
            version.frozen_at = now
            version.save(update_fields=["frozen_at"])
        links.use(link)
        record(
            "authorization.sign",
            actor_label="kiosk",
            practice=practice,
            obj=auth,
            rule="HIPAA-AUTH-ELEMENT-SIGNATURE-DATE",
            after={"content_sha256": auth.content_sha256, "pdf_sha256": auth.pdf_sha256},
            detail={
                "relationship": signature.relationship,
                "minor": minor,
                "content_sha256": auth.content_sha256,
                "pdf_sha256": auth.pdf_sha256,
            },
            request=request,
        )
    return SignResult(auth, revocation_url)
