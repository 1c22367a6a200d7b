"""Issue 7: a video region drawn at several moments follows the picture (keyframes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.models import User
from clearpost.app.media import tasks
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team, chunked_upload, item_of

pytestmark = pytest.mark.django_db

MOVING: dict[str, Any] = {
    "label": "tattoo",
    "keyframes": [{"t": 0, "box": [10, 10, 40, 40]}, {"t": 1.5, "box": [40, 10, 40, 40]}],
}


def _post(client: Client, item: MediaItem, regions: list[dict[str, Any]]) -> Any:
    return client.post(
        f"/media/{item.public_id}/regions/",
        json.dumps({"regions": regions}),
        content_type="application/json",
    )


def test_a_video_keeps_keyframed_regions_and_is_redacted_again(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    client = login(team.clinician)
    item = item_of(chunked_upload(client, media_files.short_video(tmp_path)))
    assert tasks.run_deid(item.public_id, item.generation) == MediaStatus.CLEARED
    page = client.get(f"/media/{item.public_id}/regions/").content.decode()
    assert 'data-testid="follow"' in page and "Follow the picture" in page
    bad = _post(
        client,
        item,
        [{"keyframes": [{"t": 1, "box": [1, 1, 5, 5]}, {"t": 0.5, "box": [1, 1, 5, 5]}]}],
    )
    assert bad.status_code == 422
    assert "keyframes[1].t must be later" in bad.json()["detail"]
    saved = _post(client, item, [MOVING])
    assert saved.status_code == 200, saved.content
    item.refresh_from_db()
    assert item.regions == [MOVING]
    tasks.run_deid(item.public_id, item.generation)
    item.refresh_from_db()
    assert item.status == MediaStatus.CLEARED, (item.reason, item.report.get("verification"))
    assert "tattoo" in client.get(f"/media/{item.public_id}/regions/").content.decode()


def test_a_photo_refuses_keyframes(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    client = login(team.clinician)
    item = item_of(chunked_upload(client, media_files.face_photo(tmp_path)))
    assert tasks.run_deid(item.public_id, item.generation) == MediaStatus.CLEARED
    refused = _post(client, item, [MOVING])
    assert refused.status_code == 422
    assert "no start and end time" in refused.json()["detail"]
    item.refresh_from_db()
    assert item.regions == []
