"""X provider against the local API v2 fake (reference §5, §8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clearpost.providers.base import DeleteOutcome, PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, ProviderError
from clearpost.providers.testing import jpeg_bytes, media_file, mp4_bytes
from clearpost.providers.x.client import XProvider
from clearpost.providers.x.fake import XFake

SINCE = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


@pytest.fixture
def fake() -> Iterator[XFake]:
    f = XFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def user(fake: XFake) -> str:
    return fake.add_user("RiveraClinic")


@pytest.fixture
def token(fake: XFake, user: str) -> str:
    return fake.token_for(user)


def provider(fake: XFake, **kw: object) -> XProvider:
    opts: dict[str, object] = {
        "timeout": 1.0,
        "sleep": fake.clock.advance,
        "username": "RiveraClinic",
        "public_base": fake.base_url,
    }
    opts.update(kw)
    return XProvider(fake.base_url, **opts)  # type: ignore[arg-type]


def test_text_and_image_post(fake: XFake, user: str, token: str, tmp_path: Path) -> None:
    img = media_file(tmp_path, "a.jpg", jpeg_bytes(), "image/jpeg")
    receipt = provider(fake).publish(PublishRequest(user, "Open late on Thursday", [img]), token)
    assert receipt.state is PostState.PUBLISHED
    assert fake.tweets[receipt.post_id]["media"] and httpx.get(receipt.url).status_code == 200


def test_video_waits_for_processing_info(
    fake: XFake, user: str, token: str, tmp_path: Path
) -> None:
    v = media_file(tmp_path, "v.mp4", mp4_bytes(3 * 1024 * 1024), "video/mp4")
    receipt = provider(fake).publish(PublishRequest(user, "Tour", [v]), token)
    up = fake.uploads[fake.tweets[receipt.post_id]["media"][0]]
    assert len(up["segments"]) == 3  # 1 MB segments
    assert fake.count("GET", "/2/media/upload") >= 3


def test_rejected_media(fake: XFake, user: str, token: str, tmp_path: Path) -> None:
    fake.misbehave("media", "reject_media")
    v = media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(user, "x", [v]), token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and fake.live_posts(user) == []


@pytest.mark.parametrize(
    ("mode", "kind", "committed", "live"),
    [
        ("error_in_200", ErrorKind.TRANSIENT, True, 0),
        ("created_then_error", ErrorKind.TRANSIENT, True, 1),
        ("created_then_timeout", ErrorKind.TRANSIENT, True, 1),
        ("expire_token", ErrorKind.AUTH_EXPIRED, False, 0),
    ],
)
def test_misbehaviour_then_reconcile_from_the_timeline(
    fake: XFake, user: str, token: str, mode: str, kind: ErrorKind, committed: bool, live: int
) -> None:
    fake.misbehave("create", mode)
    fake.timeout_delay = 1.5
    req = PublishRequest(user, f"During {mode}")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert (
        exc.value.kind is kind
        and exc.value.maybe_committed is committed
        and not exc.value.retryable
    )
    found = provider(fake).find_published(req, fake.token_for(user), SINCE)
    assert (found is not None) is bool(live) and len(fake.live_posts(user)) == live


def test_duplicate_text_is_reconciled_not_reposted(fake: XFake, user: str, token: str) -> None:
    req = PublishRequest(user, "Same words")
    first = provider(fake).publish(req, token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.code == "duplicate" and exc.value.maybe_committed
    found = provider(fake).find_published(req, token, SINCE)
    assert found is not None and found.post_id == first.post_id


def test_rate_limit_has_a_reset(fake: XFake, user: str, token: str) -> None:
    fake.set_limit(f"create:{user}", 2, 900)
    for i in range(2):
        provider(fake).publish(PublishRequest(user, f"n{i}"), token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(user, "n3"), token)
    assert exc.value.kind is ErrorKind.RATE_LIMITED and exc.value.retry_after is not None


def test_status_delete_and_deleted_false(fake: XFake, user: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(user, "Soon gone"), token)
    fake.misbehave("delete", "error_in_200")
    with pytest.raises(ProviderError) as exc:
        p.delete(receipt.post_id, token)
    assert exc.value.code == "not_deleted" and len(fake.live_posts(user)) == 1
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED
    assert p.status(receipt.post_id, token).state is PostState.GONE
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.ALREADY_GONE


def test_replies_read_hide_and_answer(fake: XFake, user: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(user, "Ask away"), token)
    rid = fake.add_reply(receipt.post_id, "Saw Jane Doe at your clinic")
    comments = p.list_comments(receipt.post_id, token)
    assert [c.id for c in comments] == [rid]
    p.hide_comment(rid, token)
    assert fake.tweets[rid]["hidden"] is True
    answer = p.reply(rid, "Please call our office.", token)
    assert fake.tweets[answer]["reply_to"] == rid


def test_expired_token(fake: XFake, user: str) -> None:
    tok = fake.token_for(user, lifetime=10)
    fake.clock.advance(11)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(user, "x"), tok)
    assert exc.value.kind is ErrorKind.AUTH_EXPIRED


def test_validate_limits(tmp_path: Path) -> None:
    imgs = [media_file(tmp_path, f"{i}.jpg", jpeg_bytes(10, 10), "image/jpeg") for i in range(5)]
    codes = {
        p.code
        for p in XProvider("http://127.0.0.1:9").validate(PublishRequest("1", "x" * 281, imgs))
    }
    assert {"caption_too_long", "too_many_items"} <= codes
