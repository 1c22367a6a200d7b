from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client

from clearpost.app.accounts.actions import issue_api_token, revoke_api_token
from clearpost.app.accounts.models import ApiToken, Role
from clearpost.app.api.base import MAX_BODY_BYTES
from clearpost.app.api.tests.conftest import ApiClient
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations.models import (
    Authorization,
    ReleaseTemplate,
    Status,
)
from clearpost.app.patients.models import Patient
from clearpost.engine.consent.templates import DEFAULT_TEMPLATE

pytestmark = pytest.mark.django_db


# Authentication and bad input ---------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer cp_not-a-real-token", "Token cp_x", "Basic dXNlcjpwYXNz"],
)
def test_requests_without_a_valid_token_get_401(header) -> None:
    client = Client(**({"HTTP_AUTHORIZATION": header} if header else {}))
    response = client.get("/api/patients")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_presented_bad_token_is_audited() -> None:
    Client(HTTP_AUTHORIZATION="Bearer cp_forged").get("/api/patients")
    assert AuditEvent.objects.filter(action="api.auth_failure").exists()


def test_revoked_tokens_and_deactivated_users_are_refused(practice, make_user) -> None:
    user = make_user(practice, Role.CLINICIAN)
    raw = issue_api_token(user, "t")
    client = ApiClient(raw)
    assert client.get("/api/patients").status_code == 200
    revoke_api_token(user, ApiToken.objects.get(user=user))
    assert client.get("/api/patients").status_code == 401
    other = ApiClient(issue_api_token(user, "t2"))
    user.is_active = False
    user.save()
    assert other.get("/api/patients").status_code == 401


def test_malformed_json_is_400(practice, make_user, api_as) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    for body in (b"{not json", b"\xff\xfe\x00binary", b"[1, 2"):
        response = client.call("POST", "/api/patients", body)
        assert response.status_code == 400
        assert response.json()["detail"] == "The request body is not valid JSON."
    assert not Patient.objects.exists()


def test_oversized_body_is_413_and_not_read(practice, make_user, api_as) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    big = {"name": "x" * (MAX_BODY_BYTES + 10), "birth_date": "1990-01-01"}
    response = client.post("/api/patients", big)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert not Patient.objects.exists()


# Patients -------------------------------------------------------------------------------
def test_create_get_list_and_lookup_patients_are_audited(practice, make_user, api_as) -> None:
    user = make_user(practice, Role.CLINICIAN)
    client = api_as(user)
    created = client.post(
        "/api/patients",
        {"name": "  Maria   Lopez ", "birth_date": "1985-02-03", "record_number": "MRN-7"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Maria Lopez" and body["id"].startswith("pt_")
    one = client.get(f"/api/patients/{body['id']}")
    assert one.status_code == 200 and one.json()["record_number"] == "MRN-7"
    assert AuditEvent.objects.filter(action="patient.view", object_id=body["id"]).exists()
    listed = client.get("/api/patients")
    assert [p["id"] for p in listed.json()] == [body["id"]]
    event = AuditEvent.objects.filter(action="patient.list").latest("seq")
    assert event.detail["patients"] == [body["id"]]
    by_name = client.get("/api/patients/lookup", {"name": "maria lopez"})
    assert [p["id"] for p in by_name.json()] == [body["id"]]
    by_number = client.get("/api/patients/lookup", {"record_number": "MRN-7"})
    assert [p["id"] for p in by_number.json()] == [body["id"]]
    assert [p["name"] for p in client.get("/api/patients/lookup", {"name": "Maria"}).json()] == [
        "Maria Lopez"
    ]
    assert client.get("/api/patients/lookup", {"name": "Mari"}).json() == []
    empty = client.get("/api/patients/lookup")
    assert empty.status_code == 422 and "name" in empty.json()["errors"]
    assert AuditEvent.objects.filter(action="patient.create", object_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birth_date": "1990-01-01"}, "name"),
        ({"name": "Ann Lee"}, "birth_date"),
        ({"name": "Ann Lee", "birth_date": "not a date"}, "birth_date"),
        ({"name": "Ann Lee", "birth_date": "2999-01-01"}, "birth_date"),
        ({"name": "A", "birth_date": "1990-01-01"}, "name"),
        (
            {"name": "Ann Lee", "birth_date": "1990-01-01", "date_of_death": "1980-01-01"},
            "date_of_death",
        ),
        (
            {"name": "Ann Lee", "birth_date": "1990-01-01", "record_number": "9" * 65},
            "record_number",
        ),
        ({"name": ["Ann"], "birth_date": "1990-01-01"}, "name"),
    ],
)
def test_patient_errors_are_field_level_and_save_nothing(
    practice, make_user, api_as, body, field
) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    response = client.post("/api/patients", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Patient.objects.exists()


def test_roles_without_patient_access_get_403_and_it_is_audited(
    practice, make_user, api_as
) -> None:
    reviewer = make_user(practice, Role.REVIEWER)
    client = api_as(reviewer)
    for response in (
        client.get("/api/patients"),
        client.post("/api/patients", {"name": "Ann Lee", "birth_date": "1990-01-01"}),
    ):
        assert response.status_code == 403
        assert response.json()["detail"]
    assert AuditEvent.objects.filter(action="permission.denied", actor=reviewer).count() == 2
    assert not Patient.objects.exists()


# Templates ------------------------------------------------------------------------------
def test_templates_list_and_versions_with_lint(practice, make_user, api_as) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    client = api_as(officer)
    created = client.post("/api/templates", {"name": "Our release", "text": DEFAULT_TEMPLATE})
    assert created.status_code == 201, created.content
    template = created.json()
    assert template["usable"] and template["latest_version"]["number"] == 1
    assert "findings" in template["latest_version"]["lint"]
    refused = client.post(
        f"/api/templates/{template['id']}/versions",
        {"name": "Our release", "text": "You agree that we may post your photos."},
    )
    assert refused.status_code == 422
    assert refused.json()["lint"]["usable"] is False
    assert any(f["rule"].startswith("HIPAA-AUTH") for f in refused.json()["lint"]["findings"])
    again = client.post(
        f"/api/templates/{template['id']}/versions",
        {"name": "Our release", "text": DEFAULT_TEMPLATE + "\nThank you.\n"},
    )
    assert again.status_code == 201 and again.json()["latest_version"]["number"] == 2
    names = [t["name"] for t in client.get("/api/templates").json()]
    assert names == ["Our release"]
    one = client.get(f"/api/templates/{template['id']}")
    assert one.status_code == 200 and one.json()["latest_version"]["number"] == 2


def test_only_template_admins_write_templates(practice, make_user, api_as) -> None:
    clinician = make_user(practice, Role.CLINICIAN)
    response = api_as(clinician).post("/api/templates", {"name": "Mine", "text": DEFAULT_TEMPLATE})
    assert response.status_code == 403
    assert not ReleaseTemplate.objects.filter(name="Mine").exists()
    assert AuditEvent.objects.filter(action="permission.denied", actor=clinician).exists()


# Authorizations -------------------------------------------------------------------------
def _prepare_body(patient_id: str, template_id: int, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "patient": patient_id,
        "template": template_id,
        "platforms": ["instagram", "website"],
        "media_types": ["photo"],
        "identifiability": "face_masked",
        "name_shown": "none",
        "body_regions": ["abdomen"],
        "purposes": ["marketing"],
        "expires_on": (dt.date.today() + dt.timedelta(days=300)).isoformat(),
    }
    body.update(overrides)
    return body


def test_prepare_list_get_and_check_a_release(
    practice, make_user, make_patient, make_release, api_as
) -> None:
    from clearpost.app.authorizations.actions import ensure_default_template

    staff = make_user(practice, Role.CLINICIAN, Role.CONTENT_CREATOR)
    patient = make_patient(staff)
    template = ensure_default_template(practice)
    client = api_as(staff)
    prepared = client.post("/api/authorizations", _prepare_body(patient.public_id, template.pk))
    assert prepared.status_code == 201, prepared.content
    assert prepared.json()["status"] == Status.DRAFT and prepared.json()["id"].startswith("au_")
    signed = make_release(staff, patient, platforms=("instagram",))
    listed = client.get(f"/api/patients/{patient.public_id}/authorizations").json()
    assert {a["id"] for a in listed} == {prepared.json()["id"], signed.public_id}
    detail = client.get(f"/api/authorizations/{signed.public_id}").json()
    assert detail["status"] == "signed" and len(detail["content_sha256"]) == 64
    use = {
        "platform": "instagram",
        "media_type": "photo",
        "shows_face": False,
        "name_shown": "none",
        "body_regions": ["abdomen"],
        "purpose": "marketing",
    }
    ok = client.post(f"/api/authorizations/{signed.public_id}/check", use)
    assert ok.status_code == 200 and ok.json()["covered"] is True, ok.content
    assert ok.json()["in_force_now"] is True and ok.json()["historical"] is False
    no = client.post(
        f"/api/authorizations/{signed.public_id}/check",
        {**use, "platform": "tiktok", "shows_face": True},
    ).json()
    assert no["covered"] is False
    codes = {r["code"] for r in no["reasons"]}
    assert {"PLATFORM_NOT_COVERED", "FACE_NOT_AUTHORIZED"} <= codes
    assert all(r["rule"] and r["message"] for r in no["reasons"])
    draft = client.post(f"/api/authorizations/{prepared.json()['id']}/check", use).json()
    assert draft["covered"] is False and "NOT_SIGNED" in {r["code"] for r in draft["reasons"]}
    bad = client.post(
        f"/api/authorizations/{signed.public_id}/check", {**use, "platform": "myspace"}
    )
    assert bad.status_code == 422 and "platform" in bad.json()["errors"]
    assert AuditEvent.objects.filter(action="authorization.check_use", actor=staff).count() == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": None, "expiration_event": "never"}, "expiration_event"),
        ({"platforms": []}, "platforms"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"identifiability": "deidentified", "name_shown": "full_name"}, "name_shown"),
        ({"purposes": []}, "purposes"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"expires_on": "tomorrow"}, "expires_on"),
        ({"paid_promotion": "maybe"}, "paid_promotion"),
    ],
)
def test_prepare_errors_are_field_level_and_save_nothing(
    practice, make_user, make_patient, api_as, overrides, field
) -> None:
    from clearpost.app.authorizations.actions import ensure_default_template

    staff = make_user(practice, Role.CLINICIAN)
    patient = make_patient(staff)
    template = ensure_default_template(practice)
    response = api_as(staff).post(
        "/api/authorizations", _prepare_body(patient.public_id, template.pk, **overrides)
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Authorization.objects.exists()


def test_staff_revocation_takes_effect_at_once(
    practice, make_user, make_patient, make_release, api_as
) -> None:
    staff = make_user(practice, Role.CLINICIAN)
    patient = make_patient(staff)
    auth = make_release(staff, patient)
    client = api_as(staff)
    short = client.post(f"/api/authorizations/{auth.public_id}/revoke", {"note": "no"})
    assert short.status_code == 422 and "note" in short.json()["errors"]
    done = client.post(
        f"/api/authorizations/{auth.public_id}/revoke",
        {"note": "Patient's letter dated 2026-05-01, received by post."},
    )
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert done.json()["revocation_source"] == "staff_written"
    check = client.post(
        f"/api/authorizations/{auth.public_id}/check",
        {
            "platform": "instagram",
            "media_type": "photo",
            "shows_face": False,
            "body_regions": ["abdomen"],
            "purpose": "marketing",
        },
    ).json()
    assert check["covered"] is False and "REVOKED" in {r["code"] for r in check["reasons"]}
    twice = client.post(
        f"/api/authorizations/{auth.public_id}/revoke", {"note": "Second letter, same request."}
    )
    assert twice.status_code == 422
    assert (
        AuditEvent.objects.filter(action="authorization.revoke", object_id=auth.public_id).count()
        == 1
    )


# Audit and docs -------------------------------------------------------------------------
def test_audit_verify_for_privacy_officers_only(practice, make_user, api_as) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    ok = api_as(officer).get("/api/audit/verify")
    assert ok.status_code == 200 and ok.json()["ok"] is True and ok.json()["problems"] == []
    clinician = make_user(practice, Role.CLINICIAN)
    assert api_as(clinician).get("/api/audit/verify").status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied", actor=clinician).exists()


def test_audit_verify_reports_a_tampered_event(practice, make_user, api_as) -> None:
    officer = make_user(practice, Role.PRIVACY_OFFICER)
    client = api_as(officer)
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # dropped inside the test's transaction
            cur.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent")
        cur.execute("UPDATE audit_auditevent SET action = 'tampered' WHERE seq = %s", [event.seq])
    body = client.get("/api/audit/verify").json()
    assert body["ok"] is False and body["problems"][0]["seq"] == event.seq


def test_openapi_docs_are_served_offline(client) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
    schema = client.get("/api/openapi.json").json()
    for path in (
        "/api/patients",
        "/api/patients/{public_id}",
        "/api/patients/lookup",
        "/api/templates",
        "/api/authorizations",
        "/api/authorizations/{public_id}/revoke",
        "/api/authorizations/{public_id}/check",
        "/api/audit/verify",
    ):
        assert path in schema["paths"], path
    assert "PatientIn" in schema["components"]["schemas"]
