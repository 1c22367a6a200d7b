"""Facebook Page provider against the local Pages fake (reference §2, §8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clearpost.providers.base import DeleteOutcome, MediaFile, PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, ProviderError
from clearpost.providers.facebook.client import FacebookProvider
from clearpost.providers.facebook.fake import FacebookFake
from clearpost.providers.testing import jpeg_bytes, media_file, mp4_bytes, png_bytes

SCOPES = {
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_engagement",
}
SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[FacebookFake]:
    f = FacebookFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def page(fake: FacebookFake) -> str:
    return fake.add_page("Rivera Aesthetics")


@pytest.fixture
def token(fake: FacebookFake, page: str) -> str:
    return fake.page_token(page, SCOPES).token


def provider(fake: FacebookFake, **kw: Any) -> FacebookProvider:
    opts: dict[str, Any] = {"timeout": 1.0, "sleep": fake.clock.advance}
    opts.update(kw)
    return FacebookProvider(fake.base_url, **opts)


def photo(
    fake: FacebookFake, tmp_path: Path, name: str = "a.jpg", data: bytes | None = None
) -> MediaFile:
    data = data or jpeg_bytes(800, 800)
    return media_file(
        tmp_path, name, data, "image/jpeg", url=fake.host_file(name, data, "image/jpeg")
    )


def test_single_photo_post(fake: FacebookFake, page: str, token: str, tmp_path: Path) -> None:
    receipt = provider(fake).publish(
        PublishRequest(page, "Our new clinic room", [photo(fake, tmp_path)]), token
    )
    assert receipt.state is PostState.PUBLISHED and receipt.post_id.startswith(page + "_")
    assert httpx.get(receipt.url).status_code == 200
    assert [p["message"] for p in fake.live_posts(page)] == ["Our new clinic room"]


def test_several_photos_become_one_post_with_attached_media(
    fake: FacebookFake, page: str, token: str, tmp_path: Path
) -> None:
    items = [
        photo(fake, tmp_path, f"p{i}.jpg", jpeg_bytes(600, 600, (i * 50, 0, 0))) for i in range(3)
    ]
    receipt = provider(fake).publish(PublishRequest(page, "Three views", items), token)
    assert len(fake.live_posts(page)) == 1 and len(fake.posts[receipt.post_id]["urls"]) == 3


def test_text_only_post(fake: FacebookFake, page: str, token: str) -> None:
    receipt = provider(fake).publish(PublishRequest(page, "Open on Saturday"), token)
    assert fake.posts[receipt.post_id]["message"] == "Open on Saturday"


def test_video_is_live_once_ready(
    fake: FacebookFake, page: str, token: str, tmp_path: Path
) -> None:
    v = media_file(
        tmp_path,
        "v.mp4",
        mp4_bytes(),
        "video/mp4",
        url=fake.host_file("v.mp4", mp4_bytes(), "video/mp4"),
    )
    handles: list[str] = []
    receipt = provider(fake).publish(PublishRequest(page, "Tour", [v]), token, handles.append)
    assert receipt.state is PostState.PUBLISHED and handles == [receipt.handle]
    assert receipt.post_id == f"{page}_{receipt.handle}"


def test_a_user_token_cannot_post_as_the_page(fake: FacebookFake, page: str) -> None:
    user = fake.user_token(SCOPES).token
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(page, "x"), user)
    assert exc.value.kind is ErrorKind.PERMISSION_MISSING


def test_rejected_photo(fake: FacebookFake, page: str, token: str, tmp_path: Path) -> None:
    fake.misbehave("create", "reject_media")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(page, "x", [photo(fake, tmp_path)]), token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and exc.value.code == "100/1366046"


def test_a_photo_the_platform_cannot_read_is_rejected(
    fake: FacebookFake, page: str, token: str, tmp_path: Path
) -> None:
    bad = media_file(
        tmp_path,
        "b.jpg",
        b"GIF89a....",
        "image/jpeg",
        url=fake.host_file("b.jpg", b"GIF89a....", "image/jpeg"),
    )
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(page, "x", [bad]), token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED


@pytest.mark.parametrize(
    ("mode", "kind", "committed", "live"),
    [
        ("error_in_200", ErrorKind.TRANSIENT, True, 0),
        ("created_then_error", ErrorKind.TRANSIENT, True, 1),
        ("created_then_timeout", ErrorKind.TRANSIENT, True, 1),
        ("expire_token", ErrorKind.AUTH_EXPIRED, False, 0),
    ],
)
def test_misbehaviour_is_classified_and_reconciled(
    fake: FacebookFake,
    page: str,
    token: str,
    mode: str,
    kind: ErrorKind,
    committed: bool,
    live: int,
) -> None:
    fake.misbehave("create", mode)
    fake.timeout_delay = 1.5
    req = PublishRequest(page, f"Post during {mode}")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is kind and exc.value.maybe_committed is committed
    assert not exc.value.retryable
    fresh = fake.page_token(page, SCOPES).token  # the old one may have expired on purpose
    found = provider(fake).find_published(req, fresh, SINCE)
    assert (found is not None) is bool(live) and len(fake.live_posts(page)) == live


def test_duplicate_post_is_reconciled_to_the_existing_one(
    fake: FacebookFake, page: str, token: str
) -> None:
    req = PublishRequest(page, "Same words")
    first = provider(fake).publish(req, token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.code == "506" and exc.value.maybe_committed
    found = provider(fake).find_published(req, token, SINCE)
    assert found is not None and found.post_id == first.post_id


def test_page_rate_limit(fake: FacebookFake, page: str, token: str) -> None:
    fake.set_limit(f"page:{page}", 1, 3600)
    provider(fake).publish(PublishRequest(page, "one"), token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(page, "two"), token)
    assert exc.value.kind is ErrorKind.RATE_LIMITED and exc.value.retryable


def test_status_delete_and_success_false(fake: FacebookFake, page: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(page, "Bye soon"), token)
    fake.misbehave("delete", "error_in_200")
    with pytest.raises(ProviderError) as exc:
        p.delete(receipt.post_id, token)
    assert exc.value.code == "success_false" and len(fake.live_posts(page)) == 1
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED
    assert p.status(receipt.post_id, token).state is PostState.GONE
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.ALREADY_GONE


def test_comments_hide_and_reply(fake: FacebookFake, page: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(page, "Ask us anything"), token)
    cid = fake.add_comment(receipt.post_id, "My surgery with Dr Rivera on 3 May went well", "Ann")
    assert [c.author for c in p.list_comments(receipt.post_id, token)] == ["Ann"]
    p.hide_comment(cid, token)
    assert fake.comments[cid]["is_hidden"] is True
    rid = p.reply(cid, "Thank you, please call our office.", token)
    assert any(c.id == rid and c.parent_id == cid for c in p.list_comments(receipt.post_id, token))


def test_validate(tmp_path: Path) -> None:
    big = media_file(tmp_path, "a.png", png_bytes(), "image/png")
    v = media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4")
    codes = {
        p.code
        for p in FacebookProvider("http://127.0.0.1:9").validate(PublishRequest("1", "x", [big, v]))
    }
    assert {"mixed_media", "no_public_url"} <= codes


def test_page_recommendations_are_read_and_answered(
    fake: FacebookFake, page: str, token: str
) -> None:
    story = fake.add_recommendation(
        page, "They told my neighbour about my surgery", recommends=False, name="Ann"
    )
    [review] = provider(fake).list_reviews(page, token)
    assert (
        review.id == story
        and review.text.startswith("[Doesn't recommend]")
        and review.author == "Ann"
    )
    rid = provider(fake).reply(story, "We take privacy seriously; please call our office.", token)
    assert fake.stories[story]["replies"][0]["id"] == rid
