"""Fixtures for release tests: the default template, a prepared release, a drawn signature."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image, ImageDraw

from clearpost.app.accounts.models import Role, User
from clearpost.app.authorizations import actions
from clearpost.app.authorizations.models import Authorization, TemplateVersion
from clearpost.app.authorizations.scope import ScopeInput
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice


def signature_png(width: int = 400, height: int = 150, ink: bool = True) -> bytes:
    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    if ink:
        draw = ImageDraw.Draw(img)
        draw.line([(20, 100), (80, 30), (140, 110), (220, 40), (300, 100)], fill="black", width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def scope(**overrides: Any) -> ScopeInput:
    values: dict[str, Any] = {
        "platforms": ("instagram", "website"),
        "media_types": ("photo",),
        "identifiability": "face_masked",
        "name_shown": "none",
        "body_regions": ("abdomen",),
        "purposes": ("marketing",),
        "paid_promotion": False,
        "patient_compensation": "",
        "third_party_remuneration": False,
        "expires_on": dt.date.today() + dt.timedelta(days=365),
        "expiration_event": "",
    }
    values.update(overrides)
    return ScopeInput(**values)


def signed_by(
    relationship: str = "self",
    name: str = "Sarah Jones",
    authority: str = "",
    assent: bool | None = None,
    png: bytes | None = None,
) -> actions.SignatureInput:
    return actions.SignatureInput(
        typed_name=name,
        relationship=relationship,
        authority_description=authority,
        minor_assent=assent,
        signature_png=signature_png() if png is None else png,
    )


@pytest.fixture
def template_version(practice: Practice) -> TemplateVersion:
    latest = actions.ensure_default_template(practice).latest_version()
    assert latest is not None
    return latest


@pytest.fixture
def staff(practice: Practice, make_user: Callable[..., User]) -> User:
    return make_user(practice, Role.CLINICIAN, Role.CONTENT_CREATOR)


@pytest.fixture
def patient(staff: User, make_patient: Callable[..., Patient]) -> Patient:
    return make_patient(staff)


@pytest.fixture
def prepared(staff: User, patient: Patient, template_version: TemplateVersion) -> Authorization:
    return actions.prepare_authorization(staff, patient, template_version, scope())


@pytest.fixture
def make_signed(
    staff: User, template_version: TemplateVersion
) -> Callable[..., actions.SignResult]:
    def make(
        patient: Patient, signature: actions.SignatureInput | None = None, **kw: Any
    ) -> actions.SignResult:
        auth = actions.prepare_authorization(staff, patient, template_version, scope(**kw))
        token = actions.open_kiosk(staff, auth)
        return actions.sign(token, signature or signed_by())

    return make


@pytest.fixture
def signed(make_signed: Callable[..., actions.SignResult], patient: Patient) -> actions.SignResult:
    return make_signed(patient)
