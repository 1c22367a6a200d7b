"""Release templates and authorizations over the API, on `authorizations.actions`.

Nothing here writes a row: preparing, revoking and template versions go through the
authorizations app's actions, and coverage is the engine's contract result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from clearpost.app.accounts.models import PATIENT_ROLES, Role
from clearpost.app.accounts.permissions import check_roles
from clearpost.app.api.base import actor
from clearpost.app.api.patients import get_patient
from clearpost.app.authorizations import actions
from clearpost.app.authorizations.coverage import check_use, standing_now
from clearpost.app.authorizations.models import Authorization, ReleaseTemplate, TemplateVersion
from clearpost.app.authorizations.scope import ScopeInput
from clearpost.app.patients.actions import require_patient_access

router = Router()
MAX_TEMPLATE_CHARS = actions.MAX_TEMPLATE_BYTES


# Templates --------------------------------------------------------------------------
class VersionOut(Schema):
    id: int
    number: int
    usable: bool
    readability_grade: float | None
    lint: dict[str, Any]
    created_at: dt.datetime
    frozen_at: dt.datetime | None
    text: str


class TemplateOut(Schema):
    id: int
    name: str
    usable: bool
    latest_version: VersionOut | None


class TemplateIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)


def version_out(version: TemplateVersion) -> VersionOut:
    return VersionOut(
        id=version.pk,
        number=version.number,
        usable=version.usable,
        readability_grade=version.readability_grade,
        lint=dict(version.lint or {}),
        created_at=version.created_at,
        frozen_at=version.frozen_at,
        text=version.text,
    )


def template_out(template: ReleaseTemplate, latest: TemplateVersion | None) -> TemplateOut:
    return TemplateOut(
        id=template.pk,
        name=template.name,
        usable=bool(latest and latest.usable),
        latest_version=version_out(latest) if latest else None,
    )


def _latest_by_template(templates: list[ReleaseTemplate]) -> dict[int, TemplateVersion]:
    latest: dict[int, TemplateVersion] = {}
    for version in TemplateVersion.objects.filter(template__in=templates).order_by("number"):
        latest[version.template_id] = version
    return latest


def get_template(request: HttpRequest, template_id: int) -> ReleaseTemplate:
    try:
        found: ReleaseTemplate = actions.scoped_templates(actor(request)).get(pk=template_id)
    except ReleaseTemplate.DoesNotExist:
        raise Http404 from None
    return found


@router.get("/templates", response=list[TemplateOut], tags=["templates"])
def list_templates(request: HttpRequest) -> list[TemplateOut]:
    templates = list(actions.scoped_templates(actor(request)).order_by("name"))
    latest = _latest_by_template(templates)
    return [template_out(t, latest.get(t.pk)) for t in templates]


@router.get("/templates/{template_id}", response=TemplateOut, tags=["templates"])
def get_one_template(request: HttpRequest, template_id: int) -> TemplateOut:
    template = get_template(request, template_id)
    return template_out(template, template.latest_version())


@router.post(
    "/templates",
    response={201: TemplateOut},
    tags=["templates"],
    summary="Create a template (refused with the lint findings when it is not usable)",
)
def create_template(request: HttpRequest, payload: TemplateIn) -> Status[TemplateOut]:
    version = actions.save_template_version(
        actor(request), name=payload.name, text=payload.text, request=request
    )
    return Status(201, template_out(version.template, version))


@router.post(
    "/templates/{template_id}/versions",
    response={201: TemplateOut},
    tags=["templates"],
    summary="Save a new version (versions are never edited; signed ones stay frozen)",
)
def create_version(
    request: HttpRequest, template_id: int, payload: TemplateIn
) -> Status[TemplateOut]:
    template = get_template(request, template_id)
    version = actions.save_template_version(
        actor(request), name=payload.name, text=payload.text, template=template, request=request
    )
    return Status(201, template_out(version.template, version))


# Authorizations ---------------------------------------------------------------------
class ScopeFields(Schema):
    platforms: list[str] = Field(max_length=20)
    media_types: list[str] = Field(max_length=10)
    identifiability: str = Field(max_length=32)
    name_shown: str = Field(default="none", max_length=32)
    body_regions: list[str] = Field(max_length=20)
    purposes: list[str] = Field(max_length=10)
    paid_promotion: bool = False
    patient_compensation: str = Field(default="", max_length=200)
    third_party_remuneration: bool = False
    expires_on: dt.date | None = None
    expiration_event: str = Field(default="", max_length=200)


class PrepareIn(ScopeFields):
    patient: str = Field(max_length=40, description="The patient's public ID (pt_...)")
    template: int = Field(description="A release template ID; its newest version is used")


class AuthorizationOut(Schema):
    id: str
    patient: str
    status: str
    template: int
    template_version: int
    platforms: list[str]
    media_types: list[str]
    identifiability: str
    name_shown: str
    body_regions: list[str]
    purposes: list[str]
    paid_promotion: bool
    patient_compensation: str
    expires_on: dt.date | None
    expiration_event: str
    created_at: dt.datetime
    signed_at: dt.datetime | None
    signer_relationship: str
    minor_assent: bool | None
    content_sha256: str
    pdf_sha256: str
    copy_given_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revocation_source: str
    expired_at: dt.datetime | None


class RevokeIn(Schema):
    note: str = Field(
        max_length=2000, description="The patient's written request: date and how it arrived"
    )


class UseIn(Schema):
    """A proposed use, exactly the contract's `use` object (check-consent.md)."""

    platform: str = Field(max_length=32)
    media_type: str = Field(max_length=32)
    shows_face: bool
    name_shown: str = Field(default="none", max_length=32)
    body_regions: list[str] = Field(max_length=20)
    purpose: str = Field(max_length=64)
    paid_promotion: bool = False
    at: str | None = Field(
        default=None, max_length=64, description="ISO 8601 instant with offset; default now"
    )


class ReasonOut(Schema):
    code: str
    rule: str
    message: str


class CheckOut(Schema):
    covered: bool  # at `checked_at`; see `in_force_now` before acting on a past answer
    reasons: list[ReasonOut]
    checked_at: str
    historical: bool  # checked for a time before now
    revoked_now: bool
    expired_now: bool
    in_force_now: bool
    note: str


def authorization_out(auth: Authorization) -> AuthorizationOut:
    version = auth.template_version
    return AuthorizationOut(
        id=auth.public_id,
        patient=auth.patient.public_id,
        status=auth.status,
        template=version.template_id,
        template_version=version.number,
        platforms=list(auth.platforms),
        media_types=list(auth.media_types),
        identifiability=auth.identifiability,
        name_shown=auth.name_shown,
        body_regions=list(auth.body_regions),
        purposes=list(auth.purposes),
        paid_promotion=auth.paid_promotion,
        patient_compensation=auth.patient_compensation,
        expires_on=auth.expires_on,
        expiration_event=auth.expiration_event,
        created_at=auth.created_at,
        signed_at=auth.signed_at,
        signer_relationship=auth.signer_relationship,
        minor_assent=auth.minor_assent,
        content_sha256=auth.content_sha256,
        pdf_sha256=auth.pdf_sha256,
        copy_given_at=auth.copy_given_at,
        revoked_at=auth.revoked_at,
        revocation_source=auth.revocation_source,
        expired_at=auth.expired_at,
    )


def _authorizations(request: HttpRequest) -> QuerySet[Authorization]:
    user = actor(request)
    require_patient_access(user, request)
    return actions.scoped_authorizations(user).select_related("patient", "template_version")


def get_authorization(request: HttpRequest, public_id: str) -> Authorization:
    try:
        return _authorizations(request).get(public_id=public_id)
    except Authorization.DoesNotExist:
        raise Http404 from None


@router.get(
    "/patients/{public_id}/authorizations",
    response=list[AuthorizationOut],
    tags=["authorizations"],
)
def list_for_patient(request: HttpRequest, public_id: str) -> list[AuthorizationOut]:
    require_patient_access(actor(request), request)
    patient = get_patient(request, public_id)
    rows = _authorizations(request).filter(patient=patient).order_by("-created_at")
    return [authorization_out(a) for a in rows]


@router.get("/authorizations/{public_id}", response=AuthorizationOut, tags=["authorizations"])
def get_one(request: HttpRequest, public_id: str) -> AuthorizationOut:
    return authorization_out(get_authorization(request, public_id))


@router.post(
    "/authorizations",
    response={201: AuthorizationOut},
    tags=["authorizations"],
    summary="Prepare a release for signing (a draft until the patient signs at the kiosk)",
)
def prepare(request: HttpRequest, payload: PrepareIn) -> Status[AuthorizationOut]:
    user = actor(request)
    require_patient_access(user, request)
    patient = get_patient(request, payload.patient)
    template = get_template(request, payload.template)
    version = template.latest_version()
    if version is None:
        raise Http404
    scope = ScopeInput(
        platforms=tuple(payload.platforms),
        media_types=tuple(payload.media_types),
        identifiability=payload.identifiability,
        name_shown=payload.name_shown,
        body_regions=tuple(payload.body_regions),
        purposes=tuple(payload.purposes),
        paid_promotion=payload.paid_promotion,
        patient_compensation=payload.patient_compensation,
        third_party_remuneration=payload.third_party_remuneration,
        expires_on=payload.expires_on,
        expiration_event=payload.expiration_event,
    )
    auth = actions.prepare_authorization(user, patient, version, scope, request)
    return Status(201, authorization_out(auth))


@router.post(
    "/authorizations/{public_id}/revoke",
    response=AuthorizationOut,
    tags=["authorizations"],
    summary="Revoke on the patient's written request; takes effect at once",
)
def revoke(request: HttpRequest, public_id: str, payload: RevokeIn) -> AuthorizationOut:
    auth = get_authorization(request, public_id)
    return authorization_out(actions.revoke_by_staff(actor(request), auth, payload.note, request))


@router.post(
    "/authorizations/{public_id}/check",
    response=CheckOut,
    tags=["authorizations"],
    summary="Does this release cover a proposed use? (the engine's check-consent result)",
)
def check(request: HttpRequest, public_id: str, payload: UseIn) -> CheckOut:
    user = actor(request)
    check_roles(user, (*PATIENT_ROLES, Role.REVIEWER), request, "check a release")
    try:
        auth = (
            actions.scoped_authorizations(user)
            .select_related("patient", "practice")
            .get(public_id=public_id)
        )
    except Authorization.DoesNotExist:
        raise Http404 from None
    use = payload.dict(exclude_none=True)
    result = check_use(auth, use, actor=user)
    now = standing_now(auth, use)
    return CheckOut(
        covered=result.covered,
        reasons=[ReasonOut(code=r.code, rule=r.rule, message=r.message) for r in result.reasons],
        checked_at=now.checked_at.isoformat(),
        historical=now.historical,
        revoked_now=now.revoked_now,
        expired_now=now.expired_now,
        in_force_now=now.in_force_now,
        note=now.note(),
    )
