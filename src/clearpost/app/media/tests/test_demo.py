"""The demo practice gets media once, through the real path."""

from __future__ import annotations

import pytest

from clearpost.app.demo import seed_demo
from clearpost.app.media import tasks
from clearpost.app.media.models import MediaItem, MediaStatus

pytestmark = pytest.mark.django_db


def test_demo_media_is_seeded_once_and_processes() -> None:
    seed_demo()
    seed_demo()
    items = list(MediaItem.objects.order_by("pk"))
    assert len(items) == 2
    assert items[0].regions and items[1].shows_no_patient and items[1].no_patient_kind == "staff"
    assert all(i.status == MediaStatus.UPLOADED and i.original for i in items)
    assert tasks.run_deid(items[1].public_id, items[1].generation) == "cleared"
