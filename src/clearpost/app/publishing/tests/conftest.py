"""Publishing tests: the posts world (a practice, a signed release, a cleared photo), a
scheduled post, and the local platform fakes, with ClearPost's media links resolved by
the fake straight from storage (no web server needed)."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from clearpost.app.media.actions import storage
from clearpost.app.posts import actions as posts
from clearpost.app.posts.models import Post, State
from clearpost.app.posts.tests.conftest import World, draft, world  # noqa: F401 - fixtures
from clearpost.app.publishing import media_links
from clearpost.app.publishing.models import ConnectedAccount
from clearpost.providers.fakes import FakePlatform
from clearpost.providers.instagram.fake import InstagramFake

IG_SCOPES = {
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_contents",
    "pages_show_list",
    "pages_read_engagement",
}


def resolve_media(url: str) -> tuple[bytes, str] | None:
    """The fake fetches ClearPost's media links by reading the signed storage name."""
    path = urllib.parse.urlparse(url).path
    if not path.startswith("/p/m/"):
        return None
    token, _, _ext = path.removeprefix("/p/m/").rpartition(".")
    try:
        name, mime = media_links.resolve(token)
    except Exception:
        return None
    with storage().open(name, "rb") as fh:
        return fh.read(), mime


def fake_fetching_media(fake: FakePlatform) -> FakePlatform:
    original = fake.fetch

    def fetch(url: str) -> tuple[bytes, str] | None:
        return resolve_media(url) if "/p/m/" in url else original(url)

    fake.fetch = fetch  # type: ignore[method-assign]
    return fake


@pytest.fixture
def ig_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[InstagramFake]:
    fake = InstagramFake()
    fake.video_processing_s = 0.0
    fake_fetching_media(fake)
    fake.start()
    monkeypatch.setenv("CLEARPOST_INSTAGRAM_API_BASE", fake.base_url)
    monkeypatch.setenv("CLEARPOST_PUBLISH_LEASE_SECONDS", "60")
    yield fake
    fake.stop()


@pytest.fixture
def ig_account(world: World, ig_fake: InstagramFake) -> ConnectedAccount:  # noqa: F811
    ig_id = ig_fake.add_instagram("riverside")
    account = world.account
    account.external_id = ig_id
    account.set_tokens(ig_fake.user_token(IG_SCOPES).token)
    account.save()
    return account


@pytest.fixture
def make_due_post(world: World) -> Callable[..., Post]:  # noqa: F811
    """A scheduled post whose time has come (approved, gate passed)."""

    def make(**kw: Any) -> Post:
        post = posts.create_post(world.author, world.data(**kw))
        posts.submit(world.author, post)
        post.refresh_from_db()
        posts.approve(world.reviewer, post, mfa_ok=True)
        post.refresh_from_db()
        assert post.state == State.SCHEDULED, post.state
        Post.objects.filter(pk=post.pk).update(
            scheduled_at=timezone.now() - dt.timedelta(seconds=5)
        )
        post.refresh_from_db()
        return post

    return make
