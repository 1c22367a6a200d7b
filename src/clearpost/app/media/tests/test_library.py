"""The media library end to end without a browser: upload, refusal, sealed storage,
background de-identification, regions, faces, links, pairs, access and deletion."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.storage import storages
from django.test import Client
from PIL import Image

from clearpost.app.accounts.models import User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.media import actions, tasks, usage
from clearpost.app.media.models import (
    STAGE_WORDS,
    Kind,
    MediaItem,
    MediaPair,
    MediaStatus,
    UploadSession,
)
from clearpost.app.media.tests import media_files
from clearpost.app.media.tests.conftest import Team, chunked_upload, item_of
from clearpost.engine.media.exiftool import shared

pytestmark = pytest.mark.django_db


def _stored_files() -> list[str]:
    root = Path(storages["default"].location)  # type: ignore[attr-defined]
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _uploads_left(settings: Any) -> list[Path]:
    folder = Path(settings.DATA_DIR) / "uploads"
    return list(folder.glob("*")) if folder.exists() else []


def _processed(item: MediaItem) -> MediaItem:
    assert tasks.run_deid(item.public_id, item.generation) in MediaStatus.values
    item.refresh_from_db()
    return item


def detail(pixels: np.ndarray) -> float:
    """Mean difference between neighbouring pixels: high for stripes or a face's
    features, near zero inside pixelated blocks."""
    return float(np.abs(np.diff(pixels, axis=1)).mean())


def _pixels(item: MediaItem) -> np.ndarray:
    with storages["default"].open(item.derivative, "rb") as fh:
        return np.asarray(Image.open(io.BytesIO(fh.read())).convert("RGB")).astype(np.float32)


PLAIN = {
    "empty.jpg": "The file is empty. Copy it again from the camera or phone.",
    "notes.jpg": "This is not a photo or video format ClearPost reads. Export it as JPEG, PNG, "
    "HEIC, MP4 or MOV.",
    "truncated.jpg": "The file is damaged or incomplete. Copy it again from the device.",
    "polyglot.jpg": "The file is also another kind of file (a hidden document or archive). Use "
    "the original photo from the camera instead.",
    "bomb.png": "The picture claims an impossible size. Use another file.",
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_hostile_upload_is_refused_with_a_reason_and_nothing_is_stored(
    team: Team, login: Callable[[User], Client], tmp_path: Path, settings: Any, name: str
) -> None:
    # Its own data folder and storage: the suite runs in parallel workers that share one
    # data folder, and another worker's upload must not read as something this one left.
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "data" / "media")},
        },
    }
    assert Path(storages["default"].location).is_relative_to(tmp_path)  # type: ignore[attr-defined]
    path = media_files.hostile(tmp_path)[name]
    before, parts = _stored_files(), _uploads_left(settings)
    response = chunked_upload(login(team.creator), path)
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["refused"] and body["reason"].split(":")[0].startswith("HIPAA-")
    assert body["detail"] == PLAIN[name]
    assert MediaItem.objects.count() == 0 and UploadSession.objects.count() == 0
    assert _stored_files() == before and _uploads_left(settings) == parts
    assert AuditEvent.objects.filter(action="media.upload_refused").count() == 1


def test_plain_form_takes_several_files_and_lists_refusals(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    bad = media_files.hostile(tmp_path)
    good = media_files.face_photo(tmp_path)
    with (
        good.open("rb") as g,
        bad["polyglot.jpg"].open("rb") as p,
        bad["notes.jpg"].open("rb") as n,
    ):
        response = login(team.creator).post("/media/upload/", {"files": [p, g, n]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kept (1)" in page and "Refused (2)" in page and "polyglot.jpg" in page
    assert MediaItem.objects.count() == 1


def test_size_limit_is_enforced_while_the_upload_streams(
    team: Team, login: Callable[[User], Client], tmp_path: Path, settings: Any
) -> None:
    settings.CLEARPOST_MEDIA_MAX_PHOTO_MB = 1
    noise = np.random.default_rng(1).integers(0, 255, (1400, 1400, 3), dtype=np.uint8)
    path = tmp_path / "big.jpg"
    Image.fromarray(noise).save(path, "JPEG", quality=98)
    assert path.stat().st_size > 2 * 1024 * 1024
    parts = _uploads_left(settings)
    client = login(team.creator)
    start = client.post(
        "/media/uploads/",
        json.dumps({"name": "big.jpg", "size": path.stat().st_size}),
        content_type="application/json",
    ).json()
    first = client.put(
        f"/media/uploads/{start['id']}/?offset=0",
        path.read_bytes()[: 128 * 1024],
        content_type="application/octet-stream",
    )
    assert first.status_code == 422 and "1 MiB limit" in first.json()["reason"]
    assert UploadSession.objects.count() == 0 and _uploads_left(settings) == parts


def test_a_dropped_upload_resumes_from_the_last_byte(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    path = media_files.face_photo(tmp_path)
    data = path.read_bytes()
    client = login(team.creator)
    upload_id = client.post(
        "/media/uploads/",
        json.dumps({"name": path.name, "size": len(data)}),
        content_type="application/json",
    ).json()["id"]
    client.put(f"/media/uploads/{upload_id}/?offset=0", data[:100_000], content_type="x/y")
    # The connection drops; the client asks where to resume, and a wrong offset is refused.
    assert client.get(f"/media/uploads/{upload_id}/").json()["received"] == 100_000
    wrong = client.put(f"/media/uploads/{upload_id}/?offset=0", data[:10], content_type="x/y")
    assert wrong.status_code == 409 and wrong.json()["received"] == 100_000
    client.put(f"/media/uploads/{upload_id}/?offset=100000", data[100_000:], content_type="x/y")
    finished = client.post(f"/media/uploads/{upload_id}/finish/")
    item = item_of(finished)
    assert item.original_sha256 == media_files_sha(path)
    # Another person cannot continue someone's upload.
    assert login(team.clinician).get(f"/media/uploads/{upload_id}/").status_code == 404


def media_files_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upload_is_sealed_deidentified_and_shown_side_by_side(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    path = media_files.face_photo(tmp_path)
    client = login(team.clinician)
    item = item_of(chunked_upload(client, path))
    assert item.status == MediaStatus.UPLOADED and item.kind == "photo"
    assert item.captured_at is not None and item.captured_at.date().isoformat() == "2026-03-01"
    sealed = storages["default"].open(item.original, "rb").read()
    assert sealed[:4] == b"CPM1" and b"TestCam" not in sealed and b"\xff\xd8\xff" not in sealed[:16]
    assert b"".join(actions.original_chunks(item)) == path.read_bytes()
    assert item.original_name == "jane-doe-cheek.jpg" and "jane" not in item.original_name_enc

    page = client.get(f"/media/{item.public_id}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    item = _processed(item)
    assert item.status == MediaStatus.CLEARED, item.reason
    assert item.report["faces"] and item.report["input"] == "original"
    tags = shared().read(Path(storages["default"].path(item.derivative)))
    assert not [k for k in tags if "GPS" in k or k.endswith(":Make")]
    polled = client.get(f"/media/{item.public_id}/progress/")
    assert polled["HX-Refresh"] == "true"
    page = client.get(f"/media/{item.public_id}/").content.decode()
    assert 'class="outline face"' in page and "CA-BPC-651-ALTERED" in page
    assert 'data-testid="original"' in page and 'data-testid="derivative"' in page
    assert "GPSLatitude" in page  # listed among the metadata removed
    assert client.get(f"/media/{item.public_id}/derivative/").status_code == 200


def test_the_task_is_idempotent_and_ignores_stale_generations(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    item = item_of(chunked_upload(login(team.creator), media_files.face_photo(tmp_path)))
    first = item.generation
    item = _processed(item)
    assert tasks.run_deid(item.public_id, first) == "skipped"  # already finished
    actions.rerun_deid(team.creator, item)
    item.refresh_from_db()
    assert tasks.run_deid(item.public_id, first) == "skipped"  # an old generation
    assert actions.finish_deid(item.public_id, first, dict(item.report), None) is None
    assert tasks.run_deid(item.public_id, item.generation) == "cleared"


def test_drawn_regions_are_applied_and_verified(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    path = media_files.face_photo(tmp_path)
    client = login(team.clinician)
    item = _processed(item_of(chunked_upload(client, path)))
    x, y, w, h = media_files.TATTOO_BOX
    before = _pixels(item)[y : y + h, x : x + w]
    bad = client.post(
        f"/media/{item.public_id}/regions/",
        json.dumps({"regions": [{"box": [x, y, -1, h]}]}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "region 1: box[2] must be" in bad.json()["detail"]
    saved = client.post(
        f"/media/{item.public_id}/regions/",
        json.dumps({"regions": [{"box": [x, y, w, h], "label": "tattoo"}]}),
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["saved"] == 1
    item = _processed(MediaItem.objects.get(pk=item.pk))
    assert item.status == MediaStatus.CLEARED, item.reason
    after = _pixels(item)[y : y + h, x : x + w]
    # The rings alternate every 3 px (the jacket alone measures ~2.4); a redacted
    # region is flat blocks.
    assert detail(before) > 12 and detail(after) < detail(before) / 4
    fx, fy, fw, fh = item.report["faces"][0]["box"]
    plain = np.asarray(Image.open(io.BytesIO(b"".join(actions.original_chunks(item)))))
    face_before = plain[fy : fy + fh, fx : fx + fw].astype(np.float32)
    assert detail(_pixels(item)[fy : fy + fh, fx : fx + fw]) < detail(face_before) / 4
    assert AuditEvent.objects.filter(action="media.regions", object_id=item.public_id).exists()
    assert "tattoo" in client.get(f"/media/{item.public_id}/").content.decode()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("clinician", True),
        ("privacy", True),
        ("creator", False),
        ("reviewer", False),
        ("owner", False),
    ],
)
def test_only_privacy_officer_and_clinicians_see_originals_and_every_view_is_audited(
    team: Team, login: Callable[[User], Client], tmp_path: Path, role: str, allowed: bool
) -> None:
    item = item_of(chunked_upload(login(team.creator), media_files.face_photo(tmp_path)))
    user = getattr(team, role)
    response = login(user).get(f"/media/{item.public_id}/original/")
    if allowed:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"".join(actions.original_chunks(item))  # type: ignore[attr-defined]
        assert AuditEvent.objects.filter(action="media.original_view", actor=user).count() == 1
    else:
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action="permission.denied", actor=user).exists()
        assert not AuditEvent.objects.filter(action="media.original_view").exists()


def test_a_face_stays_visible_only_with_covering_releases_and_the_privacy_officer(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    item = _processed(
        item_of(chunked_upload(login(team.creator), media_files.face_photo(tmp_path)))
    )
    reason = "Patient asked to show her face; release signed for face shown."
    with pytest.raises(Exception, match="Only privacy officer"):
        actions.leave_faces_visible(team.clinician, item, reason)
    with pytest.raises(ActionError, match="Link the patient"):
        actions.leave_faces_visible(team.privacy, item, reason)
    actions.set_body_regions(team.creator, item, ["face"])
    actions.link_patient(team.creator, item, team.patient, team.masked)
    with pytest.raises(ActionError, match="does not cover a face"):
        actions.leave_faces_visible(team.privacy, item, reason)
    with pytest.raises(ActionError, match="Write why"):
        actions.leave_faces_visible(team.privacy, item, "ok")
    item.links.all().delete()
    actions.link_patient(team.creator, item, team.patient, team.visible)
    actions.leave_faces_visible(team.privacy, item, reason)
    item = _processed(MediaItem.objects.get(pk=item.pk))
    assert item.status == MediaStatus.CLEARED and item.faces_left_visible
    event = AuditEvent.objects.get(action="media.faces_left_visible")
    assert event.actor == team.privacy and event.detail["reason"] == reason


def test_links_show_coverage_and_no_patient_labels(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    client = login(team.clinician)
    item = _processed(item_of(chunked_upload(client, media_files.face_photo(tmp_path))))
    client.post(f"/media/{item.public_id}/body-regions/", {"body_regions": ["neck"]})
    client.post(f"/media/{item.public_id}/links/", {"authorization": team.masked.public_id})
    page = client.get(f"/media/{item.public_id}/").content.decode()
    assert "Jane Doe" in page and 'data-testid="coverage"' in page and "covered" in page
    link = item.links.get()
    assert link.patient == team.patient and link.authorization == team.masked
    assert actions.coverage(item, link) is not None and actions.coverage(item, link).covered  # type: ignore[union-attr]
    refused = client.post(f"/media/{item.public_id}/no-patient/", {"kind": "stock"}, follow=True)
    assert "Remove the patient links first" in refused.content.decode()
    other = _processed(item_of(chunked_upload(client, media_files.face_photo(tmp_path, "b.jpg"))))
    client.post(f"/media/{other.public_id}/no-patient/", {"kind": "stock"})
    other.refresh_from_db()
    assert other.shows_no_patient and other.no_patient_kind == "stock"
    assert "CA-BPC-651-MODEL" in client.get(f"/media/{other.public_id}/").content.decode()


def test_pairs_need_the_same_patient_and_a_reason_for_an_edited_date(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    import datetime as dt

    client = login(team.clinician)
    a = item_of(
        chunked_upload(client, media_files.face_photo(tmp_path, "a.jpg", "2026:01:05 09:00:00"))
    )
    b = item_of(
        chunked_upload(client, media_files.face_photo(tmp_path, "b.jpg", "2026:03:02 09:00:00"))
    )
    with pytest.raises(ActionError, match="BA-SAME-PATIENT"):
        actions.create_pair(team.clinician, a, b)
    actions.link_patient(team.clinician, a, team.patient, None)
    actions.link_patient(team.clinician, b, team.patient, None)
    pair = actions.create_pair(team.clinician, a, b)
    assert pair.days_between == 56 and pair.date_edit_reason == ""
    with pytest.raises(ActionError, match="Say why"):
        actions.create_pair(team.clinician, a, b, after_date=dt.date(2026, 3, 9))
    edited = actions.create_pair(
        team.clinician, a, b, after_date=dt.date(2026, 3, 9), reason="Camera clock was wrong"
    )
    assert edited.days_between == 63
    page = client.get(f"/media/pairs/{pair.public_id}/").content.decode()
    assert "56 days" in page and "BA-TIME-SINCE" in page


def test_delete_removes_the_files_and_is_blocked_while_published(
    team: Team,
    login: Callable[[User], Client],
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(team.clinician)
    item = _processed(item_of(chunked_upload(client, media_files.face_photo(tmp_path))))
    files = [item.original, item.derivative]
    assert all(storages["default"].exists(f) for f in files)

    def published(candidate: MediaItem) -> bool:
        return candidate.pk == item.pk

    usage.register_usage_check(published)
    try:
        with pytest.raises(ActionError, match="Take the post down"):
            actions.delete_item(team.clinician, item, "erasure request")
    finally:
        usage.unregister_usage_check(published)
    with pytest.raises(Exception, match="Only"):
        actions.delete_item(team.creator, item, "erasure request")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/media/{item.public_id}/delete/", {"reason": "erasure request"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == MediaStatus.DELETED and not item.original and not item.derivative
    assert not any(storages["default"].exists(f) for f in files)
    assert AuditEvent.objects.get(action="media.delete").detail["reason"] == "erasure request"
    assert client.get(f"/media/{item.public_id}/").status_code == 404
    assert MediaPair.objects.count() == 0


def test_a_short_video_is_deidentified(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    item = item_of(chunked_upload(login(team.creator), media_files.short_video(tmp_path)))
    assert item.kind == "video"
    item = _processed(item)
    assert item.status == MediaStatus.CLEARED, item.reason
    assert item.progress_stage == "done" and item.percent == 100


def test_the_plain_form_cuts_off_a_file_over_its_limit_while_it_streams(
    team: Team, login: Callable[[User], Client], tmp_path: Path, settings: Any
) -> None:
    settings.CLEARPOST_MEDIA_MAX_PHOTO_MB = 1
    noise = np.random.default_rng(2).integers(0, 255, (1400, 1400, 3), dtype=np.uint8)
    big = tmp_path / "big.jpg"
    Image.fromarray(noise).save(big, "JPEG", quality=98)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (120, 90), (140, 110, 90)).save(small, "JPEG")
    with big.open("rb") as b, small.open("rb") as s:
        response = login(team.creator).post("/media/upload/", {"files": [b, s]})
    page = response.content.decode()
    assert "Kept (1)" in page and "Refused (1)" in page and "1 MiB limit" in page
    assert MediaItem.objects.count() == 1


def test_the_registered_task_runs_and_a_stuck_item_is_queued_again(
    team: Team, login: Callable[[User], Client], tmp_path: Path
) -> None:
    import datetime as dt

    from django.utils import timezone

    item = item_of(chunked_upload(login(team.creator), media_files.face_photo(tmp_path)))
    assert tasks.deid_item.call(item.public_id, item.generation) == "cleared"
    # A worker died while processing: the item stays "processing" until recovered.
    MediaItem.objects.filter(pk=item.pk).update(
        status=MediaStatus.PROCESSING, updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert tasks.recover_stale() == [item.public_id]
    item.refresh_from_db()
    assert item.status == MediaStatus.UPLOADED and item.progress_stage == "queued"
    assert tasks.run_deid(item.public_id, item.generation) == "cleared"


@pytest.mark.parametrize(
    ("stage", "done", "percent"),
    [
        ("detect", 0, 0),
        ("detect", 50, 48),
        ("detect", 100, 95),
        ("encode", 100, 98),
        ("verify", 100, 99),
        ("redo", 10, 10),
    ],
)
def test_video_progress_follows_the_one_pass(stage: str, done: int, percent: int) -> None:
    """The engine searches, redacts, encodes and checks each frame in one pass, so the
    bar moves with the frames it has done, not in three equal thirds; a second pass
    after a failed output check starts the bar again and says why."""
    item = MediaItem(kind=Kind.VIDEO, progress_stage=stage, progress_done=done, progress_total=100)
    assert item.percent == percent
    assert item.stage_label == STAGE_WORDS[stage]
