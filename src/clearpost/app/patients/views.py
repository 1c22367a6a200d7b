"""Patient list, detail and creation. Thin: the actions do the work and the auditing."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.patients import actions
from clearpost.app.patients.models import Identity, Patient


class PatientForm(forms.Form):
    name = forms.CharField(max_length=200, label="Full name")
    birth_date = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    record_number = forms.CharField(max_length=64, required=False, label="Record number (optional)")
    date_of_death = forms.DateField(
        required=False,
        label="Date of death (if deceased)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_name(self) -> str:
        name: str = " ".join(self.cleaned_data["name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Enter the patient's full name.")
        return name

    def clean_birth_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["birth_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if day.year < 1900:
            raise forms.ValidationError("Check the year of birth.")
        return day

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        birth, death = data.get("birth_date"), data.get("date_of_death")
        if isinstance(birth, dt.date) and isinstance(death, dt.date):
            if death < birth:
                self.add_error("date_of_death", "The date of death is before the date of birth.")
            if death > timezone.localdate():
                self.add_error("date_of_death", "The date of death cannot be in the future.")
        return data


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def get_patient(request: HttpRequest, public_id: str) -> Patient:
    """Another practice's patient is indistinguishable from one that does not exist."""
    try:
        patient: Patient = actions.scoped_patients(_user(request)).get(public_id=public_id)
    except Patient.DoesNotExist:
        raise Http404("No such patient") from None
    return patient


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    query = request.GET.get("q", "").strip()
    if query:
        found = actions.find_by_name(user, query) + actions.find_by_record_number(user, query)
        patients = list({p.pk: p for p in found}.values())
    else:
        patients = list(actions.scoped_patients(user).order_by("-created_at")[:50])
    rows = actions.reveal_many(user, patients, request)
    return render(request, "patients/list.html", {"rows": rows, "q": query})


@login_required
def patient_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actions.require_patient_access(user, request)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        patient = actions.create_patient(
            user,
            Identity(
                d["name"], d["birth_date"], d.get("record_number") or "", d.get("date_of_death")
            ),
            request,
        )
        return HttpResponseRedirect(reverse("patients:detail", args=[patient.public_id]))
    return render(request, "patients/new.html", {"form": form})


@login_required
def patient_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient(request, public_id)
    identity = actions.reveal_identity(user, patient, request)
    return render(
        request,
        "patients/detail.html",
        {"patient": patient, "identity": identity, "age": identity.age_on(timezone.localdate())},
    )
