"""Patients: the minimum identity a release needs, encrypted at rest.

Identity fields are AES-GCM ciphertexts bound to the patient's public ID; name and
record number also carry blind indexes for exact-match lookup. Reading an identity is
done through `patients.actions.reveal_identity`, which audits the read.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from clearpost import crypto
from clearpost.app.practices.models import Practice, PracticeScopedQuerySet


def new_public_id() -> str:
    return "pt_" + secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Identity:
    name: str
    birth_date: dt.date
    record_number: str
    date_of_death: dt.date | None

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Patient(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    name_enc = models.TextField()
    birth_date_enc = models.TextField()
    record_number_enc = models.TextField(blank=True)
    date_of_death_enc = models.TextField(blank=True)
    name_index = models.CharField(max_length=64, db_index=True)
    record_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = PracticeScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.public_id  # never the name: str() ends up in logs

    def _aad(self, field: str) -> str:
        return f"patient:{self.public_id}:{field}"

    def _seal(self, field: str, value: str) -> str:
        return (
            crypto.encrypt(settings.CLEARPOST_ENCRYPTION_KEY, value, self._aad(field))
            if value
            else ""
        )

    def _open(self, field: str, token: str) -> str:
        return (
            crypto.decrypt(settings.CLEARPOST_ENCRYPTION_KEY, token, self._aad(field))
            if token
            else ""
        )

    def set_identity(self, identity: Identity) -> None:
        self.name_enc = self._seal("name", identity.name.strip())
        self.birth_date_enc = self._seal("birth_date", identity.birth_date.isoformat())
        self.record_number_enc = self._seal("record_number", identity.record_number.strip())
        self.date_of_death_enc = self._seal(
            "date_of_death", identity.date_of_death.isoformat() if identity.date_of_death else ""
        )
        self.name_index = lookup_index(identity.name, "name")
        self.record_number_index = (
            lookup_index(identity.record_number, "mrn") if identity.record_number.strip() else ""
        )

    def decrypt_identity(self) -> Identity:
        """Use only through an audited action (patients.actions.reveal_identity)."""
        death = self._open("date_of_death", self.date_of_death_enc)
        return Identity(
            name=self._open("name", self.name_enc),
            birth_date=dt.date.fromisoformat(self._open("birth_date", self.birth_date_enc)),
            record_number=self._open("record_number", self.record_number_enc),
            date_of_death=dt.date.fromisoformat(death) if death else None,
        )


def lookup_index(value: str, purpose: str) -> str:
    return crypto.blind_index(settings.CLEARPOST_INDEX_KEY, value, purpose)


def name_words(name: str) -> set[str]:
    """The words a person might search a name by: each word, and each part of a
    hyphenated or apostrophed one ("Rodriguez-Villanueva" -> itself and both halves)."""
    words: set[str] = set()
    for word in crypto.normalise(name).split():
        words.add(word)
        words.update(p for p in re.split(r"[-'’]", word) if len(p) > 1)
    return {w for w in words if len(w) > 1}


class NameToken(models.Model):
    """A keyed blind index of one word of a patient's name, so a first or last name
    alone finds the patient without decrypting the table. Like the full-name index it
    shows which patients share a word, never the word itself."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="name_tokens")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    index = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "index"], name="patient_name_token")
        ]

    def __str__(self) -> str:
        return f"name token of {self.patient_id}"


def save_name_tokens(patient: Patient, name: str) -> None:
    """Replace the patient's word indexes (call inside the action's transaction)."""
    NameToken.objects.filter(patient=patient).delete()
    NameToken.objects.bulk_create(
        NameToken(
            patient=patient, practice_id=patient.practice_id, index=lookup_index(w, "name-word")
        )
        for w in sorted(name_words(name))
    )
