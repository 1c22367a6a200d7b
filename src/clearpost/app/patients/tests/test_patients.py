from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from clearpost.app.accounts.models import Role
from clearpost.app.audit.models import AuditEvent
from clearpost.app.patients import actions
from clearpost.app.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_identity_is_encrypted_at_rest(practice, make_user, make_patient) -> None:
    owner = make_user(practice, Role.OWNER)
    patient = make_patient(owner, name="Sarah Jones", record_number="MRN-4471")
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM patients_patient WHERE id = %s", [patient.pk])
        raw = " ".join(str(v) for v in cur.fetchone())
    assert "Sarah" not in raw and "Jones" not in raw and "4471" not in raw and "1990" not in raw
    assert Patient.objects.get(pk=patient.pk).decrypt_identity().name == "Sarah Jones"


def test_exact_match_lookup_uses_blind_index(practice, make_user, make_patient) -> None:
    owner = make_user(practice, Role.OWNER)
    patient = make_patient(owner, name="Sarah Jones", record_number="MRN-4471")
    assert actions.find_by_name(owner, "  sarah   JONES") == [patient]
    assert actions.find_by_record_number(owner, "mrn-4471") == [patient]
    assert actions.find_by_name(owner, "Sara") == []  # whole words only


def test_first_or_last_name_alone_finds_the_patient_without_decrypting(
    practice, make_user, make_patient, login
) -> None:
    owner = make_user(practice, Role.OWNER)
    maria = make_patient(owner, name="María-José Rodríguez-Villanueva", record_number="M1")
    jones = make_patient(owner, name="Sarah Jones", record_number="J1")
    smith = make_patient(owner, name="Sarah Smith", record_number="S1")
    assert actions.find_by_name(owner, "jones") == [jones]
    assert {p.pk for p in actions.find_by_name(owner, "SARAH")} == {jones.pk, smith.pk}
    assert actions.find_by_name(owner, "rodríguez") == [maria]
    assert actions.find_by_name(owner, "Villanueva") == [maria]
    assert actions.find_by_name(owner, "maría-josé") == [maria]
    assert actions.find_by_name(owner, "Sarah Jones") == [jones]
    assert actions.find_by_name(owner, "Jones Sarah") == [jones]  # all words, any order
    with connection.cursor() as cur:
        cur.execute('SELECT "index" FROM patients_nametoken')
        stored = " ".join(r[0] for r in cur.fetchall())
    assert "jones" not in stored.lower() and "sarah" not in stored.lower()
    page = login(owner).get(reverse("patients:list"), {"q": "Jones"})
    assert b"Sarah Jones" in page.content and b"Sarah Smith" not in page.content


def test_name_words_of_other_practices_never_match(
    practice, other_practice, make_user, make_patient
) -> None:
    mine = make_user(practice, Role.OWNER)
    theirs = make_user(other_practice, Role.OWNER)
    make_patient(theirs, name="Sarah Jones")
    assert actions.find_by_name(mine, "Jones") == []


def test_every_identity_view_is_audited(practice, make_user, make_patient, login) -> None:
    owner = make_user(practice, Role.OWNER)
    patient = make_patient(owner)
    client = login(owner)
    before = AuditEvent.objects.filter(action="patient.view").count()
    response = client.get(reverse("patients:detail", args=[patient.public_id]))
    assert response.status_code == 200
    assert b"Sarah Jones" in response.content
    event = AuditEvent.objects.filter(action="patient.view").latest("seq")
    assert AuditEvent.objects.filter(action="patient.view").count() == before + 1
    assert event.actor == owner and event.object_id == patient.public_id
    client.get(reverse("patients:list"))
    listed = AuditEvent.objects.filter(action="patient.list").latest("seq")
    assert patient.public_id in listed.detail["patients"]


def test_practice_a_cannot_read_list_guess_or_find_practice_b(
    practice, other_practice, make_user, make_patient, login
) -> None:
    a = make_user(practice, Role.OWNER)
    b = make_user(other_practice, Role.OWNER)
    theirs = make_patient(b, name="Brianna Other", record_number="B-1")
    client = login(a)
    assert client.get(reverse("patients:detail", args=[theirs.public_id])).status_code == 404
    listing = client.get(reverse("patients:list"))
    assert b"Brianna" not in listing.content
    assert client.get(reverse("patients:list") + "?q=Brianna+Other").context["rows"] == []
    assert actions.find_by_record_number(a, "B-1") == []
    with pytest.raises(PermissionDenied):
        actions.reveal_identity(a, theirs)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "birth_date": "1990-01-01"}, "name", "required"),
        ({"name": "Ann Lee", "birth_date": "2999-01-01"}, "birth_date", "future"),
        ({"name": "Ann Lee", "birth_date": "not a date"}, "birth_date", "valid date"),
        (
            {"name": "Ann Lee", "birth_date": "1990-01-01", "date_of_death": "1980-01-01"},
            "date_of_death",
            "before",
        ),
    ],
)
def test_bad_patient_form_saves_nothing(practice, make_user, login, data, field, message) -> None:
    owner = make_user(practice, Role.OWNER)
    client = login(owner)
    response = client.post(reverse("patients:new"), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert Patient.objects.count() == 0


def test_reviewer_without_patient_role_is_denied_and_audited(
    practice, make_user, make_patient, login
) -> None:
    owner = make_user(practice, Role.OWNER)
    patient = make_patient(owner)
    reviewer = make_user(practice, Role.REVIEWER)
    response = login(reviewer).get(reverse("patients:detail", args=[patient.public_id]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied", actor=reviewer).exists()


def test_age_counts_birthdays() -> None:
    from clearpost.app.patients.models import Identity

    ident = Identity("A", dt.date(2008, 2, 29), "", None)
    assert ident.age_on(dt.date(2026, 2, 28)) == 17
    assert ident.age_on(dt.date(2026, 3, 1)) == 18
