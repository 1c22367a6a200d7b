"""The demo practice gets media once, through the real path; the dashboard lists
media to review."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from clearpost.app.accounts.models import User
from clearpost.app.demo import seed_demo
from clearpost.app.media import actions, tasks
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team, chunked_upload, item_of

pytestmark = pytest.mark.django_db


def test_demo_media_is_seeded_once_and_processes() -> None:
    seed_demo()
    seed_demo()
    # The media demo's own two items wait for the worker; the posts demo adds its own
    # photos, already de-identified, so they are told apart by status.
    items = list(MediaItem.objects.filter(status=MediaStatus.UPLOADED).order_by("pk"))
    assert len(items) == 2
    assert MediaItem.objects.exclude(status=MediaStatus.UPLOADED).count() > 0
    assert items[0].regions and items[1].shows_no_patient and items[1].no_patient_kind == "staff"
    assert all(i.status == MediaStatus.UPLOADED and i.original for i in items)
    assert tasks.run_deid(items[1].public_id, items[1].generation) == "cleared"


def test_the_dashboard_lists_media_to_review(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    item = item_of(chunked_upload(login(team.creator), media_files.face_photo(tmp_path)))
    page = login(team.reviewer).get("/")
    assert item.public_id not in page.content.decode()  # not processed yet
    tasks.run_deid(item.public_id, item.generation)
    html = login(team.reviewer).get("/").content.decode()
    assert 'data-testid="media-to-review"' in html and item.public_id in html
    actions.mark_no_patient(team.creator, item, "facility")
    assert item.public_id not in login(team.reviewer).get("/").content.decode()
