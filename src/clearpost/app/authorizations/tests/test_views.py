"""Staff pages, the kiosk and the revocation link through the Django test client."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import actions
from clearpost.app.authorizations.models import Authorization, ReleaseTemplate, Status
from clearpost.app.authorizations.tests.conftest import signature_png
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice

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
    # The handover signed staff out on this device.
    assert client.get(reverse("patients:list")).status_code == 302
    client = login(staff)

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


@pytest.fixture
def officer(practice: Practice, make_user: Callable[..., User]) -> User:
    return make_user(practice, Role.PRIVACY_OFFICER)


def test_template_page_shows_findings_and_saves_nothing(
    officer: User, login: Callable[[User], Client]
) -> None:
    client = login(officer)
    response = client.post(
        reverse("authorizations:template_new"),
        {"name": "Too short", "text": "You may post my photos."},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Not saved" in body and "HIPAA-AUTH-STMT-REVOKE" in body
    assert not ReleaseTemplate.objects.filter(name="Too short").exists()


def test_template_check_shows_the_grade_it_judged_and_each_finding_once(
    officer: User, login: Callable[[User], Client]
) -> None:
    hard = (
        "Notwithstanding the aforementioned contractual considerations, the undersigned "
        "individual irrevocably acknowledges, comprehends and unconditionally authorizes "
        "the institutionalized dissemination of photographic representations, "
        "notwithstanding extraordinarily multifaceted jurisdictional interpretations. "
    ) * 4
    response = login(officer).post(
        reverse("authorizations:template_new"), {"name": "Hard", "text": hard}
    )
    body = response.content.decode()
    grade = response.context["grade"]
    assert grade is not None and grade > 12  # the grade of the text that was checked
    assert f"Reading grade {grade:.1f}" in body  # the same figure as the finding
    messages = [f["message"] for f in response.context["lint"]["findings"]]
    for message in messages:
        # each finding shown once (in the Checks card), not again on the field
        assert body.count(escape(message)) == messages.count(message), message
    assert 'data-busy="Checking the template' in body  # a sign of progress while it runs


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("form.pdf", b"%PDF-1.4", "Upload a .txt or .md"),
        ("form.txt", b"abc\x00\x01\x02", "binary"),
        ("form.txt", "caf\u00e9".encode("latin-1"), "not UTF-8"),
        ("form.md", b"x" * 100_001, "larger than 100 KB"),
    ],
)
def test_template_upload_refused_with_reason(
    officer: User, login: Callable[[User], Client], filename: str, content: bytes, message: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(officer)
    response = client.post(
        reverse("authorizations:template_new"),
        {"name": "Uploaded", "upload": SimpleUploadedFile(filename, content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReleaseTemplate.objects.filter(name="Uploaded").exists()


def test_template_upload_of_the_default_saves_a_version(
    officer: User, login: Callable[[User], Client]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clearpost.engine.consent.templates import DEFAULT_TEMPLATE

    client = login(officer)
    response = client.post(
        reverse("authorizations:template_new"),
        {"name": "Uploaded", "upload": SimpleUploadedFile("f.md", DEFAULT_TEMPLATE.encode())},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Reading grade" in page.content and b"usable" in page.content


def test_clinician_cannot_edit_templates(staff: User, login: Callable[[User], Client]) -> None:
    assert login(staff).get(reverse("authorizations:template_list")).status_code == 403


def test_prepare_form_shows_field_errors_and_saves_nothing(
    staff: User, patient: Patient, template_version: object, login: Callable[[User], Client]
) -> None:
    client = login(staff)
    response = client.post(
        reverse("authorizations:prepare", args=[patient.public_id]),
        {
            **PREPARE,
            "platforms": [],
            "expires_on": "",
            "expiration_event": "never",
            "template": template_version.pk,  # type: ignore[attr-defined]
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "platforms" in form.errors and "expiration_event" in form.errors
    assert not Authorization.objects.exists()


def test_kiosk_refuses_blank_signature_and_keeps_the_link(
    staff: User, prepared: Authorization
) -> None:
    token = actions.open_kiosk(staff, prepared)
    tablet = Client()
    url = reverse("kiosk:sign", args=[token])
    blank = signature_png(ink=False)
    response = tablet.post(
        url, {"typed_name": "Sarah Jones", "relationship": "self", "signature": data_url(blank)}
    )
    assert response.status_code == 200
    assert "empty" in str(response.context["form"].errors["signature"])
    response = tablet.post(url, {"typed_name": "", "relationship": "self", "signature": ""})
    assert "typed_name" in response.context["form"].errors
    prepared.refresh_from_db()
    assert prepared.status == Status.AWAITING_SIGNATURE
    assert tablet.get(url).status_code == 200


@pytest.mark.parametrize(
    "path", ["/kiosk/forged-token/", "/r/forged-token/", "/kiosk/done/", "/kiosk/copy.pdf"]
)
def test_unusable_public_links_show_one_neutral_page(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "This link cannot be used" in body
    assert "Sign out" not in body


def test_revocation_link_for_another_release_does_not_leak(
    signed: actions.SignResult, staff: User
) -> None:
    url = "/" + signed.revocation_url.split("/", 3)[3]
    actions.revoke_by_staff(staff, signed.authorization, "letter from the patient")
    response = Client().get(url)
    assert response.status_code == 404
    assert signed.authorization.public_id not in response.content.decode()


def test_check_a_use_form(
    staff: User, signed: actions.SignResult, login: Callable[[User], Client]
) -> None:
    client = login(staff)
    response = client.post(
        reverse("authorizations:check", args=[signed.authorization.public_id]),
        {
            "platform": "tiktok",
            "media_type": "photo",
            "name_shown": "none",
            "body_regions": ["abdomen"],
            "purpose": "marketing",
        },
    )
    body = response.content.decode()
    assert "not covered" in body and "PLATFORM_NOT_COVERED" in body


def test_staff_revoke_form(
    staff: User, signed: actions.SignResult, login: Callable[[User], Client]
) -> None:
    client = login(staff)
    url = reverse("authorizations:revoke", args=[signed.authorization.public_id])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Letter received 2 March"}).status_code == 302
    assert Authorization.objects.get(pk=signed.authorization.pk).status == Status.REVOKED


def test_reading_the_release_page_is_audited(
    staff: User, signed: actions.SignResult, login: Callable[[User], Client]
) -> None:
    login(staff).get(reverse("authorizations:detail", args=[signed.authorization.public_id]))
    actions_seen = set(AuditEvent.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"authorization.view", "patient.view"} <= actions_seen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Title\n\nPlain line", "<h2>Title</h2>\n<p>Plain line</p>"),
        ("- one\n- two", "<ul><li>one</li><li>two</li></ul>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("## <b>x</b>", "<h3>&lt;b&gt;x&lt;/b&gt;</h3>"),
        ("a\nb\n\nc", "<p>a<br>b</p>\n<p>c</p>"),
    ],
)
def test_release_text_rendering_escapes_everything(text: str, expected: str) -> None:
    from clearpost.app.authorizations.templatetags.authorizations import release_html

    assert release_html(text) == expected


def test_expiry_event_form(
    staff: User,
    patient: Patient,
    make_signed: Callable[..., actions.SignResult],
    login: Callable[[User], Client],
) -> None:
    auth = make_signed(
        patient, expires_on=None, expiration_event="when the clinic closes"
    ).authorization
    client = login(staff)
    page = client.get(reverse("authorizations:detail", args=[auth.public_id])).content.decode()
    assert "The event happened" in page
    url = reverse("authorizations:expiry_event", args=[auth.public_id])
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Clinic closed on 1 May"}).status_code == 302
    assert Authorization.objects.get(pk=auth.pk).status == Status.EXPIRED
