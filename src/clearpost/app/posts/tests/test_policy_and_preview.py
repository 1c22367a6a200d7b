"""The practice's post policy, the per-platform preview and the privacy officer's list
of open takedowns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.authorizations.models import Authorization
from clearpost.app.posts import actions, platforms
from clearpost.app.posts.models import Post, PostPolicy, State
from clearpost.app.posts.tests.conftest import World, make_item
from clearpost.app.publishing.models import ConnectedAccount

pytestmark = pytest.mark.django_db


def test_policy_page_saves_and_the_gate_follows_it(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    assert not draft.preview_required
    response = login(world.privacy).post(
        reverse("posts:policy"),
        {"minors_allowed": "on", "preview_before_after": "required"},
    )
    assert response.status_code == 302
    policy = PostPolicy.objects.get(practice=world.practice)
    assert policy.minors_allowed and policy.preview == {"before_after": "required"}
    result = actions.check_post(world.author, draft)
    assert result.preview_required


@pytest.mark.parametrize("who", ["author", "reviewer"])
def test_policy_is_for_owner_and_privacy_officer_only(
    world: World, login: Callable[[User], Client], who: str
) -> None:
    user = world.author if who == "author" else world.reviewer
    assert login(user).get(reverse("posts:policy")).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.set_policy(user, minors_allowed=True, preview={})


def test_policy_refuses_unknown_values(world: World) -> None:
    with pytest.raises(ActionError):
        actions.set_policy(world.privacy, minors_allowed=False, preview={"vlog": "required"})
    with pytest.raises(ActionError):
        actions.set_policy(world.privacy, minors_allowed=False, preview={"faq": "sometimes"})
    assert not PostPolicy.objects.exists()


def test_platform_preview_counts_truncates_and_crops(world: World) -> None:
    wide = make_item(world.practice, None, None, content=b"wide")
    wide.report = {**wide.report_dict, "width": 2400, "height": 1000}
    wide.save()
    x = ConnectedAccount.objects.create(
        practice=world.practice,
        platform="x",
        kind="business",
        external_id="x1",
        display_name="Riverside",
        handle="@riverside_x",
    )
    caption = "Recovery tips " + " ".join(f"#tag{i}" for i in range(35)) + " " + "word " * 40
    post = actions.create_post(
        world.author,
        world.data(
            post_type="educational_tip",
            caption=caption,
            media=[wide.public_id],
            targets=[world.account.public_id, x.public_id],
        ),
    )
    views = {v.platform: v for v in platforms.views_for(post)}
    ig, tw = views["instagram"], views["x"]
    assert ig.hashtags == 35 and any("35 hashtags" in p for p in ig.problems)
    assert ig.truncated and len(ig.caption_shown) <= 126
    assert ig.media[0].crop.startswith("wider than 1.91")
    assert any("280" in p for p in tw.problems)


def test_privacy_officer_sees_scheduled_posts_whose_release_was_revoked(
    world: World, draft: Post, login: Callable[[User], Client]
) -> None:
    actions.submit(world.author, draft)
    draft.refresh_from_db()
    actions.approve(world.reviewer, draft, mfa_ok=True)
    draft.refresh_from_db()
    assert draft.state == State.SCHEDULED
    Authorization.objects.filter(pk=world.release.pk).update(
        revoked_at=timezone.now() - dt.timedelta(minutes=5)
    )
    body = login(world.privacy).get(reverse("home")).content.decode()
    assert "Open takedowns" in body and draft.public_id in body


def test_justification_through_the_page(world: World, login: Callable[[User], Client]) -> None:
    world.photo.provenance_flags = ["edited"]
    world.photo.save(update_fields=["provenance_flags"])
    post = actions.create_post(world.author, world.data())
    key = next(f["key"] for f in post.gate["findings"] if f["severity"] == "review")
    page = login(world.reviewer).get(reverse("posts:detail", args=[post.public_id]))
    assert "Save justification" in page.content.decode()
    login(world.reviewer).post(
        reverse("posts:justify", args=[post.public_id]),
        {"key": key, "text": "Checked: exposure only, no change to the result."},
    )
    post.refresh_from_db()
    assert post.gate_passed
