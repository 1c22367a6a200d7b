"""The only write paths for release templates and authorizations; each one is audited.

Views, the API and tasks call these functions and nothing else changes the rows. Each
function is one transaction: the change, its audit event and any domain event commit
together or not at all. Refusals raise `ActionError` with field-level messages that a
form can show as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task

from clearpost.app import events
from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import deny
from clearpost.app.audit.actions import record
from clearpost.app.authorizations import links
from clearpost.app.authorizations.models import (
    Authorization,
    CopyDelivery,
    DomainEvent,
    LinkToken,
    ReleaseTemplate,
    RevocationSource,
    SignerRelationship,
    Status,
    TemplateVersion,
    content_hash,
)
from clearpost.app.authorizations.pdf import CopyContent, render_copy
from clearpost.app.authorizations.scope import (
    PLATFORM_LABELS,
    ScopeInput,
    expiry_words,
    purpose_words,
)
from clearpost.app.authorizations.signature import SignatureError, validate_png
from clearpost.app.patients.actions import require_patient_access
from clearpost.app.patients.models import Identity, Patient
from clearpost.app.practices.models import Practice
from clearpost.engine.consent.check import (
    ADULT_AGE,
    age_on,
    expiry_instant,
    is_placeholder_event,
    practice_zone,
)
from clearpost.engine.consent.model import (
    BodyRegion,
    Identifiability,
    MediaType,
    NameShown,
    Platform,
)
from clearpost.engine.consent.template_lint import (
    DEFAULT_CHECKS,
    LintResult,
    Readability,
    RequiredStatement,
    TemplateText,
    lint_template,
)
from clearpost.engine.consent.templates import (
    DEFAULT_TEMPLATE,
    TemplateError,
    render_template,
    scope_in_plain_words,
    template_values,
)

DEFAULT_TEMPLATE_NAME = "Social media release (default)"
MAX_TEMPLATE_BYTES = 100_000
REVOCATION_LINK_WORDS = "the private link printed on your copy of this form"
# A revocation link must outlive every release it can end; 6 years matches retention.
REVOKE_LINK_LIFETIME = dt.timedelta(days=6 * 366)
TEMPLATE_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)


class ActionError(Exception):
    """A refused action; `errors` maps form field names ("" = whole form) to messages."""

    def __init__(self, errors: Mapping[str, str | list[str]]) -> None:
        self.errors: dict[str, list[str]] = {
            k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()
        }
        super().__init__("; ".join(m for ms in self.errors.values() for m in ms))


class TemplateRejected(ActionError):
    """The linter marks the template unusable; `lint` holds every finding."""

    def __init__(self, lint: LintResult) -> None:
        self.lint = lint
        blocking = [f.message for f in lint.findings if f.severity.value == "blocking"]
        super().__init__({"text": blocking or ["The template is not usable."]})


# Permissions ------------------------------------------------------------------------
def require_template_admin(actor: User, request: HttpRequest | None = None) -> None:
    if not actor.has_role(*TEMPLATE_ROLES):
        deny(
            actor,
            "release template editing",
            request=request,
            message="Only the owner and the privacy officer edit release templates.",
        )


def require_own_release(
    actor: User, authorization: Authorization, request: HttpRequest | None = None
) -> None:
    """Every action on one release: a patient role, and a release of the actor's practice."""
    require_patient_access(actor, request)
    if authorization.practice_id != actor.practice_id:
        raise PermissionDenied("Not a release of your practice.")


def scoped_templates(actor: User) -> QuerySet[ReleaseTemplate]:
    if actor.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return ReleaseTemplate.objects.filter(practice=actor.practice)


def scoped_authorizations(actor: User) -> QuerySet[Authorization]:
    """The actor's practice's releases; the only way code reaches them for a person."""
    if actor.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return Authorization.objects.filter(practice=actor.practice)


def usable_versions(actor: User) -> list[TemplateVersion]:
    """The newest version of each of the practice's templates, when it is usable."""
    out = []
    for template in scoped_templates(actor).order_by("name"):
        latest = template.latest_version()
        if latest is not None and latest.usable:
            out.append(latest)
    return out


# Templates --------------------------------------------------------------------------
def lint_text(
    text: str, *, third_party_remuneration: bool = False
) -> tuple[LintResult, float | None]:
    """The engine's lint plus the reading grade to show beside it."""
    result = lint_template(text, third_party_remuneration=third_party_remuneration)
    try:
        grade: float | None = round(Readability().grade(TemplateText.of(text)), 1)
    except Exception:  # the lint already reports an unmeasurable grade as blocking
        grade = None
    return result, grade


def _check_template_text(text: str) -> str:
    if "\x00" in text:
        raise ActionError({"text": "The template contains binary data; paste plain text."})
    if len(text.encode("utf-8")) > MAX_TEMPLATE_BYTES:
        raise ActionError(
            {"text": f"The template is larger than {MAX_TEMPLATE_BYTES // 1000} KB; shorten it."}
        )
    text = text.replace("\r\n", "\n").strip() + "\n"
    try:
        render_template(text, {})
    except TemplateError as exc:
        if "no value for placeholder" not in str(exc):
            raise ActionError({"text": str(exc)}) from None
    return text


def save_template_version(
    actor: User | None,
    *,
    name: str,
    text: str,
    template: ReleaseTemplate | None = None,
    practice: Practice | None = None,
    request: HttpRequest | None = None,
) -> TemplateVersion:
    """Save a new version (versions are never edited). Refused when lint finds it unusable."""
    if actor is not None:
        require_template_admin(actor, request)
        practice = actor.practice
    if practice is None:
        raise PermissionDenied("No practice for this template.")
    name = " ".join(name.split())
    if not name:
        raise ActionError({"name": "Give the template a name."})
    text = _check_template_text(text)
    lint, grade = lint_text(text)
    if not lint.usable:
        record(
            "template.refused",
            actor=actor,
            practice=practice,
            rule="HIPAA-AUTH-DEFECT-INCOMPLETE",
            object_type="authorizations.releasetemplate",
            object_id=str(template.pk) if template else "",
            detail={"rules": sorted({f.rule for f in lint.findings})},
            request=request,
        )
        raise TemplateRejected(lint)
    with transaction.atomic():
        if template is None:
            if ReleaseTemplate.objects.filter(practice=practice, name=name).exists():
                raise ActionError({"name": "A template with this name exists; edit it instead."})
            template = ReleaseTemplate.objects.create(
                practice=practice, name=name, created_by=actor
            )
        elif template.practice_id != practice.pk:
            raise PermissionDenied("Not a template of your practice.")
        elif template.name != name:
            if (
                ReleaseTemplate.objects.filter(practice=practice, name=name)
                .exclude(pk=template.pk)
                .exists()
            ):
                raise ActionError({"name": "Another template has this name."})
            template.name = name
            template.save(update_fields=["name"])
        latest = template.latest_version()
        version = TemplateVersion.objects.create(
            template=template,
            number=(latest.number + 1) if latest else 1,
            text=text,
            lint=lint.to_json(),
            usable=lint.usable,
            readability_grade=grade,
            created_by=actor,
        )
        record(
            "template.version",
            actor=actor,
            practice=practice,
            obj=template,
            rule="HIPAA-AUTH-PLAIN-LANGUAGE",
            after={"text": text},
            detail={"version": version.number, "grade": grade},
            request=request,
        )
    return version


def ensure_default_template(practice: Practice) -> ReleaseTemplate:
    """Give a practice the shipped template once (idempotent; used by the demo seed)."""
    existing: ReleaseTemplate | None = ReleaseTemplate.objects.filter(
        practice=practice, name=DEFAULT_TEMPLATE_NAME
    ).first()
    if existing is not None and existing.latest_version() is not None:
        return existing
    version = save_template_version(
        None,
        name=DEFAULT_TEMPLATE_NAME,
        text=DEFAULT_TEMPLATE,
        template=existing,
        practice=practice,
    )
    template: ReleaseTemplate = version.template
    return template


def _statements(text: str, third_party_remuneration: bool) -> dict[str, bool]:
    """Which required statements the template carries: the contract's *_statement flags."""
    prepared = TemplateText.of(text, third_party_remuneration=True)
    required = [c for c in DEFAULT_CHECKS if isinstance(c, RequiredStatement)]

    def present(rule_id: str, name_part: str = "") -> bool:
        checks = [c for c in required if c.rule == rule_id and name_part in c.name]
        return bool(checks) and not any(c.run(prepared) for c in checks)

    return {
        "revocation_statement": present("HIPAA-AUTH-STMT-REVOKE"),
        "no_conditioning_statement": present("HIPAA-AUTH-STMT-CONDITIONING"),
        "redisclosure_statement": present("HIPAA-AUTH-STMT-REDISCLOSURE"),
        "permanence_statement": present("ASPS-SM-CONSENT", "never be fully removed"),
        "remuneration_statement": present("HIPAA-AUTH-REMUNERATION"),
    }


# Preparing --------------------------------------------------------------------------
def _today(practice: Practice) -> dt.date:
    return timezone.now().astimezone(practice_zone(practice.time_zone)).date()


def validate_scope(scope: ScopeInput, practice: Practice) -> dict[str, str]:
    """Field-level problems with a scope; empty when it can be prepared."""
    errors: dict[str, str] = {}
    enums: list[tuple[str, tuple[str, ...], Any]] = [
        ("platforms", scope.platforms, Platform),
        ("media_types", scope.media_types, MediaType),
        ("body_regions", scope.body_regions, BodyRegion),
    ]
    for name, values, enum in enums:
        if not values:
            errors[name] = "Choose at least one."
        elif any(v not in {e.value for e in enum} for v in values):
            errors[name] = "Unknown choice."
    if not scope.purposes:
        errors["purposes"] = "Choose at least one purpose (HIPAA-AUTH-ELEMENT-PURPOSE)."
    if scope.identifiability not in {e.value for e in Identifiability}:
        errors["identifiability"] = "Choose how recognisable the patient may be."
    if scope.name_shown not in {e.value for e in NameShown}:
        errors["name_shown"] = "Choose which name may be shown."
    elif (
        scope.identifiability == Identifiability.DEIDENTIFIED and scope.name_shown != NameShown.NONE
    ):
        errors["name_shown"] = "A de-identified release cannot show a name."
    if len(scope.patient_compensation) > 200:
        errors["patient_compensation"] = "Keep this under 200 characters."
    event = scope.expiration_event.strip()
    if scope.expires_on is None and not event:
        errors["expires_on"] = (
            "A marketing release must expire: give a date or an event (HIPAA-AUTH-ELEMENT-EXPIRY)."
        )
    elif event and is_placeholder_event(event):
        errors["expiration_event"] = (
            f"“{event}” is not an expiry: a marketing release must end (HIPAA-AUTH-ELEMENT-EXPIRY)."
        )
    if scope.expires_on is not None and scope.expires_on <= _today(practice):
        errors["expires_on"] = "The expiry date must be after today."
    return errors


def _information_description(scope: ScopeInput) -> str:
    return "; ".join(scope_in_plain_words(scope.engine_scope()))


def prepare_authorization(
    actor: User,
    patient: Patient,
    version: TemplateVersion,
    scope: ScopeInput,
    request: HttpRequest | None = None,
) -> Authorization:
    """Staff set the scope for one patient; the release is a draft until the kiosk opens."""
    require_patient_access(actor, request)
    practice = actor.practice
    assert practice is not None
    if patient.practice_id != practice.pk or version.template.practice_id != practice.pk:
        raise PermissionDenied("Not a patient or template of your practice.")
    errors = validate_scope(scope, practice)
    latest = version.template.latest_version()
    if latest is None or latest.pk != version.pk:
        errors["template"] = "Use the newest version of the template."
    elif not version.usable:
        errors["template"] = "This template is not usable; fix its findings first."
    elif scope.third_party_remuneration:
        lint = lint_template(version.text, third_party_remuneration=True)
        if not lint.usable:
            errors["third_party_remuneration"] = (
                "The template has no remuneration statement (HIPAA-AUTH-REMUNERATION); "
                "use a template that has one."
            )
    if errors:
        raise ActionError(errors)
    engine_scope = scope.engine_scope()
    expiry = expiry_words(scope.expires_on, scope.expiration_event.strip())
    values = template_values(
        engine_scope,
        practice_name=practice.name,
        purposes=purpose_words(scope.purposes),
        expiry=expiry,
        revocation_link=REVOCATION_LINK_WORDS,
        revocation_email=practice.contact_email or "the practice",
        third_party_remuneration=scope.third_party_remuneration,
    )
    try:
        rendered = render_template(version.text, {k: values[k] for k in values})
    except TemplateError as exc:
        raise ActionError({"template": str(exc)}) from None
    with transaction.atomic():
        auth = Authorization.objects.create(
            practice=practice,
            patient=patient,
            template_version=version,
            created_by=actor,
            platforms=list(scope.platforms),
            media_types=list(scope.media_types),
            identifiability=scope.identifiability,
            name_shown=scope.name_shown,
            body_regions=list(scope.body_regions),
            purposes=list(scope.purposes),
            paid_promotion=scope.paid_promotion,
            patient_compensation=scope.patient_compensation.strip(),
            third_party_remuneration=scope.third_party_remuneration,
            information_description=_information_description(scope),
            disclosers=[practice.name, f"the staff of {practice.name}"],
            recipients="the general public via "
            + ", ".join(PLATFORM_LABELS[Platform(p)] for p in scope.platforms),
            expires_on=scope.expires_on,
            expiration_event=scope.expiration_event.strip(),
            statements=_statements(version.text, scope.third_party_remuneration),
            rendered_text=rendered,
        )
        record(
            "authorization.prepare",
            actor=actor,
            obj=auth,
            rule="HIPAA-AUTH-ELEMENT-DESCRIPTION",
            after={"rendered_text": rendered},
            detail={"patient": patient.public_id, "template_version": version.pk},
            request=request,
        )
    return auth


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


def scope_lines(auth: Authorization) -> list[str]:
    return scope_in_plain_words(scope_input(auth).engine_scope())


def scope_input(auth: Authorization) -> ScopeInput:
    return ScopeInput(
        platforms=tuple(auth.platforms),
        media_types=tuple(auth.media_types),
        identifiability=auth.identifiability,
        name_shown=auth.name_shown,
        body_regions=tuple(auth.body_regions),
        purposes=tuple(auth.purposes),
        paid_promotion=auth.paid_promotion,
        patient_compensation=auth.patient_compensation,
        third_party_remuneration=auth.third_party_remuneration,
        expires_on=auth.expires_on,
        expiration_event=auth.expiration_event,
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


# Revocation and expiry --------------------------------------------------------------
def _close_links(auth: Authorization, now: dt.datetime) -> None:
    """A release that has ended leaves no usable kiosk or revocation link behind."""
    LinkToken.objects.filter(authorization=auth, used_at__isnull=True).update(used_at=now)


def _publish_end(auth: Authorization, name: str, **extra: str) -> DomainEvent:
    """The domain event later features subscribe to: IDs only, never PHI."""
    payload: dict[str, object] = {
        "authorization": auth.public_id,
        "patient": auth.patient.public_id,
        "practice": auth.practice_id,
        **extra,
    }
    return events.publish(name, payload, practice=auth.practice)


def _revoke(
    auth: Authorization,
    source: str,
    *,
    actor: User | None,
    note: str,
    request: HttpRequest | None,
) -> Authorization:
    now = timezone.now()
    auth.status = Status.REVOKED
    auth.revoked_at = now
    auth.revocation_source = source
    auth.revoked_by = actor
    auth.revocation_note_enc = auth.seal("revocation_note", note)
    auth.save()
    _close_links(auth, now)
    record(
        "authorization.revoke",
        actor=actor,
        actor_label=None if actor is not None else "patient link",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-REVOKE-WRITTEN",
        after={"revoked_at": now.isoformat(), "source": source},
        detail={"source": source},
        request=request,
    )
    event = _publish_end(
        auth, events.AUTHORIZATION_REVOKED, revoked_at=now.isoformat(), source=source
    )
    record(
        "authorization.revoke_effect",
        actor=actor,
        actor_label=None if actor is not None else "patient link",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-REVOKE-EFFECT",
        detail={"event": event.pk, "subscribers": len(events.subscribers(event.name))},
        request=request,
    )
    return auth


def revoke_by_staff(
    actor: User, authorization: Authorization, note: str, request: HttpRequest | None = None
) -> Authorization:
    """Staff enter the patient's written request to revoke; it takes effect at once."""
    require_own_release(actor, authorization, request)
    note = note.strip()
    if len(note) < 5:
        raise ActionError(
            {"note": "Describe the patient's written request (date, how it arrived)."}
        )
    if len(note) > 2000:
        raise ActionError({"note": "Keep the note under 2000 characters."})
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.status != Status.SIGNED:
            raise ActionError({"": "Only a signed release in effect can be revoked."})
        return _revoke(
            auth, RevocationSource.STAFF_WRITTEN, actor=actor, note=note, request=request
        )


def revocation_page(token: str) -> Authorization:
    """The release a patient's revocation link points at (LinkInvalid when unusable)."""
    link = links.resolve(token, LinkToken.Purpose.REVOKE)
    if link.authorization.status != Status.SIGNED:
        raise links.LinkInvalid
    return link.authorization


def revoke_by_link(token: str, request: HttpRequest | None = None) -> Authorization:
    """The patient's one click: no login, the single-use link is the proof."""
    with transaction.atomic():
        link = links.resolve(token, LinkToken.Purpose.REVOKE, lock=True)
        auth = Authorization.objects.select_for_update().get(pk=link.authorization_id)
        if auth.status != Status.SIGNED:
            raise links.LinkInvalid
        links.use(link)
        return _revoke(
            auth,
            RevocationSource.PATIENT_LINK,
            actor=None,
            note="Revoked by the patient through the private link.",
            request=request,
        )


def _expire(
    auth: Authorization,
    now: dt.datetime,
    *,
    actor: User | None,
    detail: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    auth.status = Status.EXPIRED
    auth.expired_at = now
    auth.save()
    _close_links(auth, now)
    event = _publish_end(auth, events.AUTHORIZATION_EXPIRED, expired_at=now.isoformat())
    record(
        "authorization.expire",
        actor=actor,
        actor_label=None if actor is not None else "system",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-DEFECT-EXPIRED",
        after={"expired_at": now.isoformat()},
        detail={"event": event.pk, **detail},
        request=request,
    )


def record_expiration_event(
    actor: User, authorization: Authorization, note: str, request: HttpRequest | None = None
) -> Authorization:
    """Staff record that the release's expiration event happened (164.508(b)(2)(i): the
    release is invalid once the practice knows). An event has no date the task can see."""
    require_own_release(actor, authorization, request)
    note = note.strip()
    if len(note) < 5:
        raise ActionError({"note": "Say how the practice learned that the event happened."})
    with transaction.atomic():
        auth: Authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.status != Status.SIGNED or not auth.expiration_event:
            raise ActionError({"": "Only a signed release with an expiry event can end this way."})
        _expire(
            auth, timezone.now(), actor=actor, detail={"cause": "expiration event"}, request=request
        )
        return auth


def due_for_expiry(now: dt.datetime | None = None) -> list[Authorization]:
    """Signed releases whose expiry day has ended in their practice's time zone."""
    now = now or timezone.now()
    rows = Authorization.objects.filter(
        status=Status.SIGNED,
        expires_on__isnull=False,
        expires_on__lte=now.date() + dt.timedelta(days=1),
    ).select_related("practice")
    out = []
    for auth in rows:
        assert auth.expires_on is not None
        if expiry_instant(auth.expires_on, practice_zone(auth.practice.time_zone)) <= now:
            out.append(auth)
    return out


def expire_due(now: dt.datetime | None = None) -> list[str]:
    """Expire every due release (idempotent: an expired one is never due again)."""
    now = now or timezone.now()
    done: list[str] = []
    for candidate in due_for_expiry(now):
        with transaction.atomic():
            auth = Authorization.objects.select_for_update().get(pk=candidate.pk)
            if auth.status != Status.SIGNED:
                continue
            _expire(auth, now, actor=None, detail={"expires_on": str(auth.expires_on)})
            done.append(auth.public_id)
    return done


EXPIRY_INTERVAL = dt.timedelta(hours=1)


@task()
def expire_authorizations() -> list[str]:
    """Background task: expire due releases, retry undelivered domain events (so a
    subscriber that failed on revocation gets another go), then queue the next run."""
    done = expire_due()
    events.deliver_pending()
    schedule_expiry(EXPIRY_INTERVAL)
    return done


def schedule_expiry(delay: dt.timedelta = EXPIRY_INTERVAL) -> bool:
    """Keep exactly one future run of `expire_authorizations` queued.

    django.tasks has no periodic scheduler, so the task re-queues itself with
    `run_after`; `clearpost setup` starts the chain. Backends that cannot defer (the
    immediate backend) are left alone: there the command or a test runs expiry.
    """
    backend = expire_authorizations.get_backend()
    if not backend.supports_defer:
        return False
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(
            task_path=expire_authorizations.module_path, status="READY"
        ).exists()
        if pending:
            return False
    expire_authorizations.using(run_after=timezone.now() + delay).enqueue()
    return True
