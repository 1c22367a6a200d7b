"""The audit page a privacy officer reads: a record in words, filters, and a verify
button that checks the practice's own chain and says plainly what it found."""

from __future__ import annotations

import pytest
from django.db import connection

from clearpost.app.accounts.models import Role
from clearpost.app.audit.actions import record
from clearpost.app.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(practice, make_user):
    user = make_user(practice, Role.PRIVACY_OFFICER, username="olivia")
    user.first_name, user.last_name = "Olivia", "Officer"
    user.save()
    return user


def test_page_reads_like_a_record_in_the_practice_time_zone(officer, login, practice) -> None:
    practice.time_zone = "America/Chicago"
    practice.save()
    record("patient.view", actor=officer, object_type="patients.patient", object_id="pt_abc")
    body = login(officer).get("/audit/").content.decode()
    assert "Olivia Officer" in body and "Viewed a patient&#x27;s identity" in body
    assert "Patient" in body and "pt_abc" in body
    assert "Times in America/Chicago" in body
    record(
        "authorization.sign",
        actor_label="kiosk",
        practice=practice,
        object_type="authorizations.releasetemplate",
    )
    again = login(officer).get("/audit/").content.decode()
    assert "The patient, at the signing kiosk" in again and "Release template" in again
    assert 'type="date"' in body and 'name="who"' in body


def test_filters_by_person_action_object_and_date(officer, login, practice, make_user) -> None:
    other = make_user(practice, Role.CLINICIAN, username="carl")
    record("patient.view", actor=officer, object_type="patients.patient", object_id="pt_one")
    record("patient.create", actor=other, object_type="patients.patient", object_id="pt_two")
    client = login(officer)
    by_person = client.get("/audit/", {"who": other.public_id}).content.decode()
    assert "pt_two" in by_person and "pt_one" not in by_person
    by_action = client.get("/audit/", {"action": "patient.view"}).content.decode()
    assert "pt_one" in by_action and "pt_two" not in by_action
    by_object = client.get("/audit/", {"object": "pt_two"}).content.decode()
    assert "pt_two" in by_object and "pt_one" not in by_object
    past = client.get("/audit/", {"until": "2000-01-01"}).content.decode()
    assert "pt_one" not in past and "No events." in past
    bad_date = client.get("/audit/", {"since": "not-a-date"})
    assert bad_date.status_code == 200


def test_verify_button_says_intact(officer, login) -> None:
    response = login(officer).post("/audit/verify/")
    assert response.status_code == 200
    assert "Intact." in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.verify", actor=officer).exists()


def test_verify_button_names_tampering_of_this_practice_only(
    officer, login, practice, other_practice, make_user
) -> None:
    stranger = make_user(other_practice, Role.PRIVACY_OFFICER)
    client = login(officer)
    assert client.post("/audit/verify/").status_code == 200  # checkpoint written
    assert login(stranger).post("/audit/verify/").status_code == 200
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE chain = %s", [other_practice.pk])
        cur.execute("DELETE FROM audit_chainhead WHERE chain = %s", [other_practice.pk])
    mine = client.post("/audit/verify/")
    assert mine.status_code == 200 and "Intact." in mine.content.decode()
    theirs = login(stranger).post("/audit/verify/")
    text = theirs.content.decode()
    assert (
        theirs.status_code == 409
        and "Tampering found." in text
        and "every event was deleted" in text
    )


def test_only_owner_and_privacy_officer_may_read_or_verify(practice, make_user, login) -> None:
    clinician = login(make_user(practice, Role.CLINICIAN))
    assert clinician.get("/audit/").status_code == 403
    assert clinician.post("/audit/verify/").status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied").count() == 2


def test_verify_needs_post(officer, login) -> None:
    assert login(officer).get("/audit/verify/").status_code == 405
