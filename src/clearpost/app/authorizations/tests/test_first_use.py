"""First-use fixes: one practice time zone (named) on the page, in the PDF and in the
check; the signed PDF drops the paper form's blank signature lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from clearpost.app.accounts.models import User
from clearpost.app.authorizations import actions, pdf
from clearpost.app.authorizations.models import Authorization
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db


def _record_pdf(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[Any]]:
    """Every paragraph written into the signed copy, and the content it was made from."""
    lines: list[str] = []
    contents: list[Any] = []
    real_para, real_render = pdf._Doc.para, pdf.render_copy

    def para(self: Any, value: str, *a: Any, **kw: Any) -> None:
        lines.append(value)
        real_para(self, value, *a, **kw)

    def render(content: Any) -> bytes:
        contents.append(content)
        return real_render(content)

    monkeypatch.setattr(pdf._Doc, "para", para)
    monkeypatch.setattr(actions.signing, "render_copy", render)  # where sign() looks it up
    return lines, contents


def test_signed_pdf_has_no_blank_signature_lines(
    monkeypatch: pytest.MonkeyPatch, make_signed: Callable[..., actions.SignResult], patient: Any
) -> None:
    lines, _ = _record_pdf(monkeypatch)
    signed = make_signed(patient)
    assert "_____" in signed.authorization.rendered_text  # the form has them...
    assert not [line for line in lines if "___" in line]  # ...the signed copy does not
    assert any(line.startswith("Signed by: Sarah Jones") for line in lines)


@pytest.mark.parametrize(
    ("line", "blank"),
    [
        ("Signed: ______________ Date: ______________", True),
        ("Relationship and authority: ______________", True),
        ("Printed name: ____", True),
        ("You may revoke this at any time: write to us.", False),
        ("Fees: $100 ___ maybe", False),
    ],
)
def test_blank_form_line_pattern(line: str, blank: bool) -> None:
    assert bool(pdf.BLANK_FORM_LINE.match(line)) is blank


def test_one_time_zone_named_on_page_pdf_and_audit(
    monkeypatch: pytest.MonkeyPatch,
    practice: Practice,
    staff: User,
    patient: Any,
    make_signed: Callable[..., actions.SignResult],
    login: Callable[[User], Client],
) -> None:
    practice.time_zone = "America/Chicago"
    practice.save()
    _, contents = _record_pdf(monkeypatch)
    auth: Authorization = make_signed(patient).authorization
    local = auth.signed_at.astimezone(ZoneInfo("America/Chicago"))  # type: ignore[union-attr]
    assert contents[0].signed_at == f"{local:%Y-%m-%d %H:%M} (America/Chicago)"
    page = login(staff).get(reverse("authorizations:detail", args=[auth.public_id]))
    html = page.content.decode()
    assert f"Signed {local:%Y-%m-%d %H:%M} America/Chicago" in html
    assert "UTC" not in html and "When (America/Chicago)" in html


def test_kiosk_signs_with_the_typed_name_instead_of_drawing(
    staff: User, prepared: Authorization
) -> None:
    """The keyboard alternative to the pad: no drawing at all, the typed name adopted."""
    token = actions.open_kiosk(staff, prepared)
    tablet = Client()
    url = reverse("kiosk:sign", args=[token])
    page = tablet.get(url).content.decode()
    assert 'name="typed_signature"' in page and "my typed name above is my signature" in page
    unchosen = tablet.post(url, {"typed_name": "Sarah Jones", "relationship": "self"})
    assert unchosen.status_code == 200  # neither drawn nor adopted: not signed
    response = tablet.post(
        url, {"typed_name": "Sarah Jones", "relationship": "self", "typed_signature": "on"}
    )
    assert response.status_code == 302, response.context["form"].errors
    prepared.refresh_from_db()
    assert prepared.status == "signed" and prepared.signing_method == "typed"
    png = prepared.open_bytes("signature")
    assert png.startswith(b"\x89PNG")


def test_typed_signature_image_passes_the_drawn_signature_checks() -> None:
    from clearpost.app.authorizations.signature import (
        SignatureError,
        typed_signature_png,
        validate_png,
    )

    assert validate_png(typed_signature_png("Jo Li")).startswith(b"\x89PNG")
    with pytest.raises(SignatureError):
        typed_signature_png(" ")
