"""Posts over the API: the workflow, roles, the error shape and isolation."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import Role, User
from clearpost.app.posts.models import Post
from clearpost.app.posts.tests.conftest import World
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, 'tests')}")


def body(world: World, **kw: object) -> dict[str, object]:
    values: dict[str, object] = {
        "post_type": "before_after",
        "caption": "Tummy tuck results, 6 weeks post-op. Individual results vary.",
        "media": [world.photo.public_id],
        "targets": [world.account.public_id],
        "scheduled_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
    }
    values.update(kw)
    return values


def test_create_submit_approve_and_evidence(world: World) -> None:
    author, reviewer = api(world.author), api(world.reviewer)
    created = author.post("/api/posts", body(world), content_type="application/json")
    assert created.status_code == 201, created.json()
    post_id = created.json()["id"]
    assert created.json()["gate"]["passed"] is True
    checked = author.post(f"/api/posts/{post_id}/check")
    assert checked.status_code == 200 and checked.json()["stage"] == "compose"
    submitted = author.post(f"/api/posts/{post_id}/submit")
    assert submitted.status_code == 200 and submitted.json()["state"] == "in_review"
    assert submitted.json()["approvals_missing"] == ["review"]
    refused = author.post(f"/api/posts/{post_id}/approve", {}, content_type="application/json")
    assert refused.status_code == 403 and "detail" in refused.json()
    link = author.post(f"/api/posts/{post_id}/preview-link")
    assert link.status_code == 201 and "/p/pp_" in link.json()["url"]
    approved = reviewer.post(f"/api/posts/{post_id}/approve", {}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["state"] == "scheduled"
    zipped = reviewer.get(f"/api/posts/{post_id}/evidence")
    assert zipped.status_code == 200
    assert "evidence.json" in zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()


def test_blocked_submit_answers_422_with_rule_ids(world: World) -> None:
    client = api(world.author)
    post_id = client.post(
        "/api/posts",
        body(world, caption="Thanks Sarah, your tummy tuck looks amazing!"),
        content_type="application/json",
    ).json()["id"]
    refused = client.post(f"/api/posts/{post_id}/submit")
    assert refused.status_code == 422
    messages = " ".join(refused.json()["errors"]["__all__"])
    assert "HIPAA-DEID-SAFE-HARBOR-18" in messages and "BA-TIME-SINCE" in messages


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"live": True}, "live"),
        ({"media": ["md_missing"]}, "media"),
        ({"post_type": "vlog"}, "post_type"),
        ({"scheduled_at": "2030-01-01T10:00:00"}, "scheduled_at"),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_saved(
    world: World, change: dict[str, object], field: str
) -> None:
    response = api(world.author).post(
        "/api/posts", body(world, **change), content_type="application/json"
    )
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Post.objects.exists()


def test_reschedule_and_reject(world: World) -> None:
    client = api(world.author)
    post_id = client.post("/api/posts", body(world), content_type="application/json").json()["id"]
    later = (timezone.now() + dt.timedelta(days=5)).isoformat()
    moved = client.post(
        f"/api/posts/{post_id}/reschedule", {"scheduled_at": later}, content_type="application/json"
    )
    assert moved.status_code == 200
    client.post(f"/api/posts/{post_id}/submit")
    rejected = api(world.reviewer).post(
        f"/api/posts/{post_id}/reject", {"reason": "Crop tighter"}, content_type="application/json"
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "draft"


def test_another_practice_sees_404(
    world: World, make_practice: Callable[..., Practice], make_user: Callable[..., User]
) -> None:
    post_id = (
        api(world.author)
        .post("/api/posts", body(world), content_type="application/json")
        .json()["id"]
    )
    stranger = api(make_user(make_practice(), Role.OWNER))
    for method, path in (
        ("get", f"/api/posts/{post_id}"),
        ("post", f"/api/posts/{post_id}/check"),
        ("post", f"/api/posts/{post_id}/submit"),
        ("get", f"/api/posts/{post_id}/evidence"),
    ):
        response = getattr(stranger, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": "Not found."}
    assert stranger.get("/api/posts").json() == []
