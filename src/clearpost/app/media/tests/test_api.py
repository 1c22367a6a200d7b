"""The media library over the JSON API: chunked upload, status, report, derivative,
regions, links with coverage, pairs, deletion, and the one error shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import User
from clearpost.app.media import tasks
from clearpost.app.media.models import MediaItem, MediaStatus
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, 'photo system')}")


def _post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def api_upload(client: Client, path: Path, chunk: int = 1024 * 1024) -> Any:
    data = path.read_bytes()
    start = _post(client, "/api/media/uploads", {"name": path.name, "size": len(data)})
    assert start.status_code == 201, start.content
    upload_id, offset = start.json()["id"], 0
    while offset < len(data):
        sent = client.put(
            f"/api/media/uploads/{upload_id}?offset={offset}",
            data[offset : offset + chunk],
            content_type="application/octet-stream",
        )
        if sent.status_code != 200:
            return sent
        offset = sent.json()["received"]
    assert client.get(f"/api/media/uploads/{upload_id}").json()["received"] == len(data)
    return client.post(f"/api/media/uploads/{upload_id}/finish")


def test_the_whole_loop_over_the_api(team: Team, tmp_path: Path) -> None:
    client = _client(team.clinician)
    made = api_upload(client, media_files.face_photo(tmp_path, "a.jpg", "2026:01:05 09:00:00"))
    assert made.status_code == 201 and made.json()["status"] == "uploaded"
    item_id = made.json()["id"]
    item = MediaItem.objects.get(public_id=item_id)
    tasks.run_deid(item_id, item.generation)
    status = client.get(f"/api/media/{item_id}").json()
    assert status["status"] == "cleared" and status["progress_percent"] == 100
    report = client.get(f"/api/media/{item_id}/report").json()
    assert report["faces"] and report["verification"]["passed"]
    download = client.get(f"/api/media/{item_id}/derivative")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    bad = client.put(
        f"/api/media/{item_id}/regions",
        json.dumps({"regions": [{"polygon": [[1, 1], [2, 2]]}]}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "regions" in bad.json()["errors"]
    ok = client.put(
        f"/api/media/{item_id}/regions",
        json.dumps({"regions": [{"box": [10, 10, 50, 50], "label": "mirror"}]}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "uploaded"
    links = _post(client, f"/api/media/{item_id}/links", {"authorization": team.masked.public_id})
    assert links.status_code == 201
    assert links.json()[0]["patient"] == team.patient.public_id and "covered" in links.json()[0]
    other = api_upload(client, media_files.face_photo(tmp_path, "b.jpg", "2026:02:04 09:00:00"))
    other_id = other.json()["id"]
    _post(client, f"/api/media/{other_id}/links", {"patient": team.patient.public_id})
    pair = _post(client, "/api/media/pairs", {"before": item_id, "after": other_id})
    assert pair.status_code == 201 and pair.json()["days_between"] == 30
    assert client.get(f"/api/media/pairs/{pair.json()['id']}").status_code == 200
    assert client.delete(f"/api/media/{other_id}?reason=erasure").status_code == 204
    assert MediaItem.objects.get(public_id=other_id).status == MediaStatus.DELETED
    listed = client.get("/api/media").json()
    assert [i["id"] for i in listed] == [item_id]


def test_a_refused_upload_uses_the_error_shape(team: Team, tmp_path: Path) -> None:
    client = _client(team.creator)
    refused = api_upload(client, media_files.hostile(tmp_path)["polyglot.jpg"])
    body = refused.json()
    assert refused.status_code == 422 and body["refused"] is True
    assert body["detail"] and body["errors"]["file"][0].startswith("HIPAA-DEID-METADATA")
    assert MediaItem.objects.count() == 0


def test_a_reviewer_cannot_upload_and_a_chunk_over_8_mib_is_refused(team: Team) -> None:
    denied = _post(_client(team.reviewer), "/api/media/uploads", {"name": "a.jpg", "size": 10})
    assert denied.status_code == 403
    client = _client(team.creator)
    upload_id = _post(client, "/api/media/uploads", {"name": "a.jpg", "size": 9 << 20}).json()["id"]
    big = client.put(
        f"/api/media/uploads/{upload_id}?offset=0", b"\0" * (9 << 20), content_type="x/y"
    )
    assert big.status_code == 413
