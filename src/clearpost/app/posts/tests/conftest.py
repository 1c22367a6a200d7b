"""A practice ready to post: staff of each role (approvers with two-step sign-in), a
patient with a signed release, a cleared photo linked to both, and a connected account."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from clearpost.app.accounts.models import Role, User
from clearpost.app.authorizations import actions as auth_actions
from clearpost.app.authorizations.models import Authorization
from clearpost.app.authorizations.tests.conftest import scope, signed_by
from clearpost.app.media import actions as media_actions
from clearpost.app.media.models import MediaItem, MediaLink
from clearpost.app.patients.models import Patient
from clearpost.app.posts import actions
from clearpost.app.posts.models import Post
from clearpost.app.practices.models import Practice
from clearpost.app.publishing.models import ConnectedAccount

CAPTION = "Tummy tuck results, 6 weeks post-op. Individual results vary."


@dataclass
class World:
    practice: Practice
    author: User
    reviewer: User
    privacy: User
    patient: Patient
    release: Authorization
    photo: MediaItem
    account: ConnectedAccount

    def data(self, **kw: Any) -> actions.PostInput:
        values: dict[str, Any] = {
            "post_type": "before_after",
            "caption": CAPTION,
            "media": [self.photo.public_id],
            "targets": [self.account.public_id],
            "scheduled_at": timezone.now() + dt.timedelta(days=3),
        }
        values.update(kw)
        return actions.PostInput(**values)


def jpeg(seed: bytes, size: tuple[int, int] = (800, 1000)) -> bytes:
    """A small photo whose colour comes from `seed`, so each item has its own hash."""
    colour = tuple(hashlib.sha256(seed).digest()[:3])
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def make_item(
    practice: Practice, patient: Patient | None, release: Authorization | None, **kw: Any
) -> MediaItem:
    """A cleared item as the media library leaves it (derivative stored, report kept)."""
    body = jpeg(kw.pop("content", b"derivative-bytes"))
    digest = hashlib.sha256(body).hexdigest()
    name = media_actions.storage().save(
        f"media/derivatives/test/{digest[:32]}.jpg", ContentFile(body)
    )
    values: dict[str, Any] = {
        "practice": practice,
        "kind": "photo",
        "status": "cleared",
        "derivative": name,
        "derivative_sha256": digest,
        "derivative_ext": ".jpg",
        "body_regions": ["abdomen"],
        "shows_no_patient": patient is None,
        "no_patient_kind": "" if patient else "facility",
        "report": {
            "verification": {"passed": True},
            "width": 800,
            "height": 1000,
            "output_sha256": digest,
        },
    }
    values.update(kw)
    item = MediaItem.objects.create(**values)
    if patient is not None:
        MediaLink.objects.create(item=item, patient=patient, authorization=release)
    return item


@pytest.fixture
def world(
    practice: Practice,
    make_user: Callable[..., User],
    make_patient: Callable[..., Patient],
) -> World:
    owner = make_user(practice, Role.OWNER, Role.CLINICIAN)
    author = make_user(practice, Role.CONTENT_CREATOR)
    reviewer = make_user(practice, Role.REVIEWER)
    privacy = make_user(practice, Role.PRIVACY_OFFICER)
    for u in (reviewer, privacy):
        u.mfa_confirmed_at = timezone.now()
        u.save(update_fields=["mfa_confirmed_at"])
    patient = make_patient(owner)
    version = auth_actions.ensure_default_template(practice).latest_version()
    assert version is not None
    auth = auth_actions.prepare_authorization(owner, patient, version, scope())
    token = auth_actions.open_kiosk(owner, auth)
    release = auth_actions.sign(token, signed_by()).authorization
    photo = make_item(practice, patient, release)
    account = ConnectedAccount.objects.create(
        practice=practice,
        platform="instagram",
        kind="business",
        external_id="17841",
        display_name="Riverside Aesthetics",
        handle="@riverside",
    )
    return World(practice, author, reviewer, privacy, patient, release, photo, account)


@pytest.fixture
def draft(world: World) -> Post:
    return actions.create_post(world.author, world.data())
