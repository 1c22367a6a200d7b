"""Pages and small pieces: media links, live-call guard, the combined Meta fake, the
takedowns page flow, warnings on the accounts page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from clearpost.app.accounts.models import User
from clearpost.app.posts.models import Post, State
from clearpost.app.posts.tests.conftest import World
from clearpost.app.publishing import media_links, takedown
from clearpost.app.publishing.models import (
    ConnectedAccount,
    Publication,
    PublicationState,
    Takedown,
)
from clearpost.app.publishing.registry import LiveCallRefused, provider_named
from clearpost.providers.base import PublishRequest
from clearpost.providers.demo import MetaFake
from clearpost.providers.facebook.client import FacebookProvider
from clearpost.providers.instagram.client import InstagramProvider
from clearpost.providers.testing import jpeg_bytes, media_file

pytestmark = pytest.mark.django_db


def test_media_link_serves_the_cleared_file_and_nothing_else(world: World) -> None:
    item = world.photo
    url = media_links.url_for(item.derivative, "jpg")
    path = url.split("://", 1)[1].split("/", 1)[1]
    ok = Client().get("/" + path)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert b"".join(cast(Any, ok).streaming_content).startswith(b"\xff\xd8")
    forged = signing.dumps({"n": "keys/encryption.key", "e": "jpg"}, salt="other")
    assert Client().get(f"/p/m/{forged}.jpg").status_code == 404
    assert Client().get("/p/m/garbage.jpg").status_code == 404


def test_media_link_expires(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    token = media_links.token_for(world.photo.derivative, "jpg")
    monkeypatch.setattr(media_links, "MAX_AGE", -1)
    assert Client().get(f"/p/m/{token}.jpg").status_code == 404


def test_no_live_calls_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARPOST_X_API_BASE", raising=False)
    with pytest.raises(LiveCallRefused):
        provider_named("x")


def test_one_meta_fake_serves_instagram_and_facebook(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    fake = MetaFake()
    fake.start()
    try:
        ig = fake.add_instagram("clinic")
        page = fake.pages[fake.ig_users[ig]["page_id"]]
        assert page["ig"] == ig
        token = fake.user_token({"instagram_content_publish", "instagram_basic"}).token
        url = fake.host_file("a.jpg", jpeg_bytes(), "image/jpeg")
        m = media_file(folder, "a.jpg", jpeg_bytes(), "image/jpeg", url=url)
        InstagramProvider(fake.base_url, sleep=fake.clock.advance).publish(
            PublishRequest(ig, "IG", [m]), token
        )
        page_id = fake.ig_users[ig]["page_id"]
        ptoken = fake.page_token(page_id, {"pages_manage_posts"}).token
        FacebookProvider(fake.base_url).publish(PublishRequest(page_id, "FB"), ptoken)
        assert len(fake.media) == 1 and len(fake.posts) == 1
        assert httpx.get(f"{fake.base_url}/fb/{next(iter(fake.posts))}").status_code == 200
    finally:
        fake.stop()


def test_takedowns_page_lists_open_ones_and_records_the_manual_removal(
    world: World, login: Callable[[User], Client], make_due_post: Callable[..., Post]
) -> None:
    post = make_due_post()
    account = ConnectedAccount.objects.create(
        practice=world.practice,
        platform="tiktok",
        kind="business",
        external_id="t1",
        display_name="Riverside TikTok",
    )
    pub = Publication.objects.create(
        practice=world.practice,
        post=post,
        account=account,
        state=PublicationState.PUBLISHED,
        platform_post_id="9",
        url="https://www.tiktok.com/@r/video/9",
        takedown_requested_at=timezone.now(),
        takedown_reason="HIPAA-AUTH-REVOKE-EFFECT: release revoked",
    )
    Post.objects.filter(pk=post.pk).update(state=State.PUBLISHED)
    takedown._open_manual(
        pub, "The platform cannot delete through its API.", "Delete it in the TikTok app."
    )
    client = login(world.privacy)
    page = client.get("/publishing/takedowns/")
    assert (
        b"Delete it in the TikTok app." in page.content
        and b"https://www.tiktok.com/@r/video/9" in page.content
    )
    td = Takedown.objects.get(publication=pub)
    refused = client.post(f"/publishing/takedowns/{td.public_id}/done/", {"note": " "}, follow=True)
    assert b"Say what you did" in refused.content
    client.post(
        f"/publishing/takedowns/{td.public_id}/done/", {"note": "Deleted in the app at 11:02."}
    )
    post.refresh_from_db()
    assert post.state == State.TAKEN_DOWN
    assert b"No open takedowns" in client.get("/publishing/takedowns/").content
    assert client.get("/publishing/takedowns/td_AAAAAAAAAAAAAAAA/done/").status_code == 405


def test_accounts_page_shows_warnings(world: World, login: Callable[[User], Client]) -> None:
    ConnectedAccount.objects.filter(pk=world.account.pk).update(
        token_expires_at=timezone.now() + dt.timedelta(days=2)
    )
    page = login(world.privacy).get("/publishing/accounts/")
    assert page.status_code == 200
    assert (
        b"The connection expires in 1 day(s)" in page.content
        or b"The connection expires in 2 day(s)" in page.content
    )
    assert login(world.author).get("/publishing/accounts/").status_code == 403
