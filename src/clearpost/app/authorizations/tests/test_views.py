"""Staff pages, the kiosk and the revocation link through the Django test client."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.models import Authorization, Status
from clearpost.app.authorizations.tests.conftest import signature_png
from clearpost.app.patients.models import Patient

pytestmark = pytest.mark.django_db


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


PREPARE = {
    "platforms": ["instagram", "website"],
    "media_types": ["photo"],
    "identifiability": "face_masked",
    "name_shown": "none",
    "body_regions": ["abdomen"],
    "purposes": ["marketing"],
    "expires_on": "2099-01-31",
    "expiration_event": "",
}


def test_prepare_sign_copy_revoke_through_pages(
    staff: User, patient: Patient, template_version: object, login: Callable[[User], Client]
) -> None:
    client = login(staff)
    page = client.get(reverse("patients:detail", args=[patient.public_id]))
    assert b"Prepare a media release" in page.content
    response = client.post(
        reverse("authorizations:prepare", args=[patient.public_id]),
        {**PREPARE, "template": template_version.pk},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    auth = Authorization.objects.get(patient=patient)
    assert auth.status == Status.DRAFT
    response = client.post(reverse("authorizations:open_kiosk", args=[auth.public_id]))
    kiosk_url = response["Location"]
    assert kiosk_url.startswith("/kiosk/")

    patient_tablet = Client()
    page = patient_tablet.get(kiosk_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Copies may never be fully removed" in body
    assert "Sign out" not in body and "/patients/" not in body  # no staff navigation
    response = patient_tablet.post(
        kiosk_url,
        {
            "typed_name": "Sarah Jones",
            "relationship": "self",
            "signature": data_url(signature_png()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    done = patient_tablet.get(reverse("kiosk:done"))
    revoke_url = done.context["revocation_url"]
    copy = patient_tablet.get(reverse("kiosk:copy"))
    assert copy.content.startswith(b"%PDF")
    # The kiosk link is single-use.
    assert patient_tablet.get(kiosk_url).status_code == 404

    detail = client.get(reverse("authorizations:detail", args=[auth.public_id]))
    auth.refresh_from_db()
    assert auth.content_sha256 in detail.content.decode()
    pdf = client.get(reverse("authorizations:copy_pdf", args=[auth.public_id]))
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    response = client.post(
        reverse("authorizations:email_copy", args=[auth.public_id]), {"email": "sarah@example.com"}
    )
    assert response.status_code == 302
    assert mail.outbox[-1].attachments[0][2] == "application/pdf"

    path = "/" + revoke_url.split("/", 3)[3]
    confirm = Client().get(path)
    assert b"Take back your permission" in confirm.content
    done_page = Client().post(path)
    assert b"your permission is taken back" in done_page.content
    auth.refresh_from_db()
    assert auth.status == Status.REVOKED
    assert Client().post(path).status_code == 404  # used
    detail = client.get(reverse("authorizations:detail", args=[auth.public_id]))
    assert b"Revoked" in detail.content
