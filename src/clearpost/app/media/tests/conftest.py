"""Media fixtures: staff of each role in one practice, a patient with releases, and a
client helper that uploads through the chunked protocol like the page's uploader."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.models import Role, User
from clearpost.app.api.tests.conftest import make_release  # noqa: F401
from clearpost.app.authorizations.models import Authorization
from clearpost.app.media.models import MediaItem
from clearpost.app.patients.models import Patient
from clearpost.app.practices.models import Practice


@dataclass
class Team:
    practice: Practice
    owner: User
    privacy: User
    clinician: User
    creator: User
    reviewer: User
    patient: Patient
    masked: Authorization  # face_masked release
    visible: Authorization  # face_visible release


@pytest.fixture
def team(
    practice: Practice,
    make_user: Callable[..., User],
    make_patient: Callable[..., Patient],
    make_release: Callable[..., Authorization],  # noqa: F811
) -> Team:
    owner = make_user(practice, Role.OWNER)
    patient = make_patient(owner, name="Jane Doe")
    return Team(
        practice=practice,
        owner=owner,
        privacy=make_user(practice, Role.PRIVACY_OFFICER),
        clinician=make_user(practice, Role.CLINICIAN),
        creator=make_user(practice, Role.CONTENT_CREATOR),
        reviewer=make_user(practice, Role.REVIEWER),
        patient=patient,
        masked=make_release(owner, patient, body_regions=("face", "neck")),
        visible=make_release(
            owner, patient, identifiability="face_visible", body_regions=("face", "neck")
        ),
    )


def chunked_upload(client: Client, path: Path, chunk: int = 256 * 1024) -> Any:
    """Start, send in chunks, finish: returns the finish response (201 or 422)."""
    data = path.read_bytes()
    start = client.post(
        "/media/uploads/",
        json.dumps({"name": path.name, "size": len(data)}),
        content_type="application/json",
    )
    if start.status_code != 201:
        return start
    upload_id = start.json()["id"]
    offset = 0
    while offset < len(data):
        piece = data[offset : offset + chunk]
        sent = client.put(
            f"/media/uploads/{upload_id}/?offset={offset}",
            piece,
            content_type="application/octet-stream",
        )
        if sent.status_code != 200:
            return sent
        offset = sent.json()["received"]
    return client.post(f"/media/uploads/{upload_id}/finish/")


def item_of(response: Any) -> MediaItem:
    assert response.status_code == 201, response.content[:300]
    return MediaItem.objects.get(public_id=response.json()["item"])
