"""Staff pages and the patient's preview page, through the test client."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.audit.models import AuditEvent
from clearpost.app.media.models import MediaPair
from clearpost.app.posts import actions
from clearpost.app.posts.models import Post, State
from clearpost.app.posts.tests.conftest import World, make_item
from clearpost.app.publishing import media_links

pytestmark = pytest.mark.django_db


def _local(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone(dt.timedelta(hours=-5))).strftime("%Y-%m-%dT%H:%M")


def test_compose_creates_a_draft_and_shows_its_checks(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.author)
    page = client.get(reverse("posts:new"))
    assert page.status_code == 200 and world.photo.public_id in page.content.decode()
    when = timezone.now() + dt.timedelta(days=2)
    response = client.post(
        reverse("posts:new"),
        {
            "post_type": "before_after",
            "caption": "Tummy tuck results, 6 weeks post-op. Individual results vary.",
            "media": [world.photo.public_id],
            "targets": [world.account.public_id],
            "scheduled_at": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M"),
            "name_shown": "none",
            "purpose": "marketing",
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(post.public_id + "/")
    detail = client.get(response["Location"]).content.decode()
    assert "Every check passes" in detail and "Submit for review" in detail


def test_compose_refuses_bad_media_with_a_message(
    world: World, login: Callable[[User], Client]
) -> None:
    response = login(world.author).post(
        reverse("posts:new"), {"post_type": "faq", "caption": "x", "media": ["md_nope"]}
    )
    assert response.status_code == 422 and "HIPAA-DEID-SAFE-HARBOR-18" in response.content.decode()
    assert not Post.objects.exists()


def test_live_check_marks_the_name_with_its_rule_and_offers_the_fix(
    world: World, login: Callable[[User], Client]
) -> None:
    response = login(world.author).post(
        reverse("posts:check"),
        {"caption": "Thanks Sarah, your tummy tuck looks amazing!", "post_type": "faq"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="block"' in body and "HIPAA-DEID-SAFE-HARBOR-18" in body
    assert 'data-testid="use-suggestion"' in body


def test_submit_preview_approve_through_pages(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    author = login(world.author)
    author.post(reverse("posts:submit", args=[draft.public_id]))
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW
    assert author.post(reverse("posts:approve", args=[draft.public_id])).status_code == 403
    page = author.post(reverse("posts:preview_link", args=[draft.public_id]))
    assert page.status_code == 200  # not required, but allowed while in review
    url = page.content.decode().split('data-testid="preview-url">')[1].split("<")[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    patient = Client()
    preview = patient.get(reverse("patient_preview:page", args=[token]))
    text = preview.content.decode()
    assert preview.status_code == 200 and draft.caption in text
    assert world.patient.public_id not in text and "Sarah" not in text
    img = patient.get(reverse("patient_preview:media", args=[token, world.photo.public_id]))
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    done = patient.post(reverse("patient_preview:page", args=[token]), {"decision": "approve"})
    assert done.status_code == 200
    again = patient.get(reverse("patient_preview:page", args=[token]))
    assert again.status_code == 404
    reviewer = login(world.reviewer)
    world.reviewer.refresh_from_db()
    reviewer.post(reverse("posts:approve", args=[draft.public_id]), {"schedule_now": "on"})
    draft.refresh_from_db()
    assert draft.state == State.SCHEDULED


def test_calendar_week_and_month_show_state_and_risk(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    client = login(world.author)
    assert draft.scheduled_at is not None
    day = draft.scheduled_at.astimezone(dt.timezone(dt.timedelta(hours=-5))).date()
    for view in ("week", "month"):
        body = client.get(
            reverse("posts:calendar"), {"view": view, "d": day.isoformat()}
        ).content.decode()
        assert f'data-testid="chip-{draft.public_id}"' in body
        assert "risk-medium" in body and "Draft" in body
    week = client.get(reverse("posts:calendar"), {"d": day.isoformat()}).content.decode()
    assert "Fill this slot" in week


def test_drag_reschedule_keeps_the_time_and_reruns_the_gate(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    assert draft.scheduled_at is not None
    runs = draft.gate_runs.count()
    target = (draft.scheduled_at + dt.timedelta(days=2)).astimezone(
        dt.timezone(dt.timedelta(hours=-5))
    )
    response = login(world.author).post(
        reverse("posts:reschedule", args=[draft.public_id]),
        {"date": target.date().isoformat()},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 204 and "checks ran again" in response["X-ClearPost-Message"]
    draft.refresh_from_db()
    assert draft.gate_runs.count() == runs + 1
    assert draft.scheduled_at is not None
    local = draft.scheduled_at.astimezone(target.tzinfo)
    assert local.date() == target.date() and local.time() == target.time()


def test_evidence_package_matches_the_audit_trail(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    response = login(world.reviewer).get(reverse("posts:evidence", args=[draft.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(zf.namelist()) == {"evidence.json", "summary.pdf", "manifest.json"}
    records = json.loads(zf.read("evidence.json"))
    assert zf.read("summary.pdf").startswith(b"%PDF")
    assert records["checks"] and all(c["ok"] for c in records["checks"]), records["checks"]
    assert records["media"][0]["derivative_sha256"] == world.photo.derivative_sha256
    assert records["releases"][0]["id"] == world.release.public_id
    assert {a["kind"] for a in records["approvals"]} == {"review"}
    seqs = {e["seq"]: e["hash"] for e in records["audit_events"]}
    for event in AuditEvent.objects.filter(object_id=draft.public_id).exclude(
        action="post.evidence_export"
    ):
        assert seqs[event.seq] == event.hash
    export = AuditEvent.objects.get(action="post.evidence_export")
    manifest = json.loads(zf.read("manifest.json"))
    assert export.detail["evidence_sha256"] == manifest["evidence.json"]


def test_dashboard_shows_what_needs_each_person(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    actions.submit(world.author, draft)
    body = login(world.reviewer).get(reverse("home")).content.decode()
    assert "To review" in body and draft.public_id in body
    bad = actions.create_post(world.author, world.data(caption="Thanks Sarah, looking amazing!"))
    mine = login(world.author).get(reverse("home")).content.decode()
    assert "drafts with failed checks" in mine and bad.public_id in mine


def test_live_check_offers_the_pairs_timeframe_for_a_before_after(
    world: World, login: Callable[[User], Client]
) -> None:
    before = make_item(world.practice, world.patient, world.release, content=b"before")
    pair = MediaPair.objects.create(
        practice=world.practice,
        before=before,
        after=world.photo,
        before_date=dt.date(2026, 1, 5),
        after_date=dt.date(2026, 2, 16),
    )
    body = (
        login(world.author)
        .post(
            reverse("posts:check"),
            {"caption": "Tummy tuck results.", "post_type": "before_after", "pair": pair.public_id},
        )
        .content.decode()
    )
    assert "BA-TIME-SINCE" in body and 'data-timeframe="6 weeks post-op"' in body


def test_preview_link_by_email_sends_a_working_link_and_keeps_no_address(
    world: World, draft: Post, login: Callable[[User], Client], mailoutbox: list[object]
) -> None:
    actions.submit(world.author, draft)
    client = login(world.author)
    bad = client.post(reverse("posts:preview_email", args=[draft.public_id]), {"email": "nope"})
    assert bad.status_code == 302 and not mailoutbox and not draft.previews.exists()
    client.post(
        reverse("posts:preview_email", args=[draft.public_id]), {"email": "sarah@example.org"}
    )
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body  # type: ignore[attr-defined]
    link = next(word for word in body.split() if "/p/pp_" in word)
    assert Client().get(link).status_code == 200
    event = AuditEvent.objects.get(action="post.preview_email")
    assert "sarah@example.org" not in str(event.detail)


def test_patient_preview_and_media_links_open_half_way_through_two_step(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    """A staff member who typed a password but not yet the code, on the shared tablet,
    still sees the patient's page (its token is the credential), not the MFA step."""
    author = login(world.author)
    author.post(reverse("posts:submit", args=[draft.public_id]))
    page = author.post(reverse("posts:preview_link", args=[draft.public_id]))
    url = page.content.decode().split('data-testid="preview-url">')[1].split("<")[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    half_way = Client()
    half_way.force_login(world.reviewer)  # password accepted, MFA step not done
    assert world.reviewer.requires_mfa
    staff_page = half_way.get(reverse("posts:calendar"))
    assert staff_page.status_code == 302 and "/accounts/mfa" in staff_page["Location"]
    preview = half_way.get(reverse("patient_preview:page", args=[token]))
    assert preview.status_code == 200 and draft.caption in preview.content.decode()
    img = half_way.get(reverse("patient_preview:media", args=[token, world.photo.public_id]))
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    link = media_links.url_for(world.photo.derivative, "jpg").split("://", 1)[1]
    served = half_way.get("/" + link.split("/", 1)[1])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_detail_links_each_publication_to_the_publishing_record(
    world: World, login: Callable[[User], Client]
) -> None:
    from clearpost.app.publishing.models import Publication, PublicationState

    post = actions.create_post(world.author, world.data())
    client = login(world.author)
    record = reverse("publishing:post", args=[post.public_id])
    before = client.get(reverse("posts:detail", args=[post.public_id])).content.decode()
    assert record not in before and 'data-testid="publications"' not in before
    Publication.objects.create(
        practice=world.practice,
        post=post,
        account=world.account,
        state=PublicationState.PUBLISHED,
        url="https://instagram.example/p/abc",
    )
    page = client.get(reverse("posts:detail", args=[post.public_id])).content.decode()
    assert f'href="{record}"' in page
    assert "Published" in page and "https://instagram.example/p/abc" in page
    assert world.account.display_name in page
    assert "style=" not in page.split('data-testid="publications"')[1].split("</div>")[0]
    assert client.get(record).status_code == 200
