"""The only write and identity-read paths for patients; every one is audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from clearpost.app.accounts.models import PATIENT_ROLES, User
from clearpost.app.accounts.permissions import deny
from clearpost.app.audit.actions import record
from clearpost.app.patients.models import (
    Identity,
    Patient,
    lookup_index,
    name_words,
    save_name_tokens,
)
from clearpost.app.practices.models import PracticeScopedQuerySet


def require_patient_access(actor: User, request: HttpRequest | None = None) -> None:
    if not actor.has_role(*PATIENT_ROLES):
        deny(
            actor,
            "patient access",
            rule="HIPAA-MINNEC-INTERNAL",
            request=request,
            message="Your role does not give access to patient records.",
        )


def create_patient(actor: User, identity: Identity, request: HttpRequest | None = None) -> Patient:
    require_patient_access(actor, request)
    assert actor.practice is not None
    with transaction.atomic():
        patient = Patient(practice=actor.practice, created_by=actor)
        patient.set_identity(identity)
        patient.save()
        save_name_tokens(patient, identity.name)
        record(
            "patient.create", actor=actor, obj=patient, rule="SEC-AUDIT-CONTROLS", request=request
        )
    return patient


def reveal_identity(
    actor: User, patient: Patient, request: HttpRequest | None = None, purpose: str = "view"
) -> Identity:
    """Decrypt one patient's identity for a person, and audit that they saw it."""
    require_patient_access(actor, request)
    if patient.practice_id != actor.practice_id:
        raise PermissionDenied("Not a patient of your practice.")
    identity = patient.decrypt_identity()
    record(
        "patient.view",
        actor=actor,
        obj=patient,
        rule="SEC-AUDIT-CONTROLS",
        detail={"purpose": purpose},
        request=request,
    )
    return identity


def reveal_many(
    actor: User,
    patients: Iterable[Patient],
    request: HttpRequest | None = None,
    purpose: str = "list",
) -> list[tuple[Patient, Identity]]:
    """A list page shows many identities: one audit event names every patient shown."""
    require_patient_access(actor, request)
    rows = [(p, p.decrypt_identity()) for p in patients if p.practice_id == actor.practice_id]
    if rows:
        record(
            "patient.list",
            actor=actor,
            rule="SEC-AUDIT-CONTROLS",
            object_type="patients.patient",
            detail={"purpose": purpose, "patients": [p.public_id for p, _ in rows]},
            request=request,
        )
    return rows


def scoped_patients(actor: User) -> PracticeScopedQuerySet:
    """The actor's practice's patients; the only way code reaches patient rows."""
    if actor.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return Patient.objects.for_practice(actor.practice)


def find_by_name(actor: User, name: str) -> list[Patient]:
    """By full name, or by any of its words (a first or last name alone), through the
    blind indexes: nothing is decrypted to search. Several words must all match."""
    require_patient_access(actor)
    scoped = scoped_patients(actor)
    found = {p.pk: p for p in scoped.filter(name_index=lookup_index(name, "name"))}
    words = name_words(name)
    if words:
        by_words = scoped
        for word in words:
            by_words = by_words.filter(name_tokens__index=lookup_index(word, "name-word"))
        found.update({p.pk: p for p in by_words.distinct()})
    return list(found.values())


def find_by_record_number(actor: User, record_number: str) -> list[Patient]:
    require_patient_access(actor)
    return list(
        scoped_patients(actor).filter(record_number_index=lookup_index(record_number, "mrn"))
    )
