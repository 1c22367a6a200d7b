"""Patients over the API: the same validation as the web form, the same audited reveals."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from clearpost.app.api.base import actor
from clearpost.app.patients import actions
from clearpost.app.patients.models import Identity, Patient
from clearpost.app.patients.views import PatientForm

router = Router(tags=["patients"])


class PatientIn(Schema):
    name: str = Field(max_length=200)
    birth_date: dt.date
    record_number: str = Field(default="", max_length=64)
    date_of_death: dt.date | None = None


class PatientOut(Schema):
    id: str
    name: str
    birth_date: dt.date
    record_number: str
    date_of_death: dt.date | None
    created_at: dt.datetime


class ListQuery(Schema):
    limit: int = Field(default=50, ge=1, le=200)


class LookupQuery(Schema):
    name: str = Field(default="", max_length=200)
    record_number: str = Field(default="", max_length=64)


def patient_out(patient: Patient, identity: Identity) -> PatientOut:
    return PatientOut(
        id=patient.public_id,
        name=identity.name,
        birth_date=identity.birth_date,
        record_number=identity.record_number,
        date_of_death=identity.date_of_death,
        created_at=patient.created_at,
    )


def get_patient(request: HttpRequest, public_id: str) -> Patient:
    """Another practice's patient answers exactly like a missing one."""
    try:
        found: Patient = actions.scoped_patients(actor(request)).get(public_id=public_id)
    except Patient.DoesNotExist:
        raise Http404 from None
    return found


@router.post("", response={201: PatientOut}, summary="Add a patient")
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[PatientOut]:
    user = actor(request)
    actions.require_patient_access(user, request)
    form = PatientForm(data=payload.dict())
    if not form.is_valid():
        raise ValidationError(
            {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        )
    d = form.cleaned_data
    identity = Identity(
        d["name"], d["birth_date"], d.get("record_number") or "", d.get("date_of_death")
    )
    patient = actions.create_patient(user, identity, request)
    return Status(201, patient_out(patient, identity))


@router.get("", response=list[PatientOut], summary="The newest patients (each view is audited)")
def list_patients(request: HttpRequest, query: Query[ListQuery]) -> list[PatientOut]:
    limit = query.limit
    user = actor(request)
    actions.require_patient_access(user, request)
    patients: QuerySet[Patient] = actions.scoped_patients(user).order_by("-created_at")
    rows = actions.reveal_many(user, patients[:limit], request, purpose="api list")
    return [patient_out(p, i) for p, i in rows]


@router.get(
    "/lookup",
    response=list[PatientOut],
    summary="Find by full name, first or last name, or record number (nothing is decrypted to search)",
)
def lookup_patients(request: HttpRequest, query: Query[LookupQuery]) -> list[PatientOut]:
    user = actor(request)
    name, number = query.name.strip(), query.record_number.strip()
    if not name and not number:
        raise ValidationError(
            {"name": ["Give a name (or part of one: whole words) or a record number."]}
        )
    found: list[Patient] = []
    if name:
        found += actions.find_by_name(user, " ".join(name.split()))
    if number:
        found += actions.find_by_record_number(user, number)
    unique = list({p.pk: p for p in found}.values())
    rows = actions.reveal_many(user, unique, request, purpose="api lookup")
    return [patient_out(p, i) for p, i in rows]


@router.get("/{public_id}", response=PatientOut, summary="One patient (the view is audited)")
def get_one(request: HttpRequest, public_id: str) -> PatientOut:
    user = actor(request)
    actions.require_patient_access(user, request)
    patient = get_patient(request, public_id)
    return patient_out(patient, actions.reveal_identity(user, patient, request, purpose="api"))
