"""Preparing a release: validating the scope and creating the draft."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions.common import REVOCATION_LINK_WORDS, ActionError
from clearpost.app.authorizations.actions.templates import _statements
from clearpost.app.authorizations.models import (
    Authorization,
    TemplateVersion,
)
from clearpost.app.authorizations.scope import (
    PLATFORM_LABELS,
    ScopeInput,
    expiry_words,
    purpose_words,
)
from clearpost.app.patients.actions import require_patient_access
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice
from clearpost.engine.consent.check import (
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
    lint_template,
)
from clearpost.engine.consent.templates import (
    TemplateError,
    render_template,
    scope_in_plain_words,
    template_values,
)


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
