"""Instagram provider against the local Graph fake: publish, status, delete, comments and
every misbehaviour (reference §1, §8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clearpost.providers.base import DeleteOutcome, PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.instagram.client import InstagramProvider
from clearpost.providers.instagram.fake import InstagramFake
from clearpost.providers.testing import jpeg_bytes, media_file, mp4_bytes, png_bytes

SCOPES = {
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_contents",
    "pages_show_list",
    "pages_read_engagement",
}
SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[InstagramFake]:
    f = InstagramFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def ig(fake: InstagramFake) -> str:
    return fake.add_instagram("rivera.aesthetics")


@pytest.fixture
def token(fake: InstagramFake) -> str:
    return fake.user_token(SCOPES).token


def provider(fake: InstagramFake, **kw: object) -> InstagramProvider:
    def sleep(seconds: float) -> None:
        fake.clock.advance(seconds)

    opts: dict[str, object] = {
        "timeout": 1.0,
        "poll_interval": 5.0,
        "max_wait": 60.0,
        "sleep": sleep,
    }
    opts.update(kw)
    return InstagramProvider(fake.base_url, **opts)  # type: ignore[arg-type]


def photo_request(
    fake: InstagramFake, ig: str, tmp_path: Path, caption: str = "Smooth results"
) -> PublishRequest:
    url = fake.host_file("a.jpg", jpeg_bytes(1080, 1080), "image/jpeg")
    m = media_file(
        tmp_path,
        "a.jpg",
        jpeg_bytes(1080, 1080),
        "image/jpeg",
        url=url,
        alt="A cheek",
        width=1080,
        height=1080,
    )
    return PublishRequest(ig, caption, [m])


def test_publish_photo_gives_a_receipt_and_a_live_post(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    handles: list[str] = []
    receipt = provider(fake).publish(photo_request(fake, ig, tmp_path), token, handles.append)
    assert receipt.state is PostState.PUBLISHED
    assert receipt.post_id in fake.media and receipt.url.endswith("/")
    assert handles == [receipt.handle]
    assert len(receipt.media_hashes[0]) == 64
    assert [m["caption"] for m in fake.live_posts(ig)] == ["Smooth results"]
    assert fake.media[receipt.post_id]["alt_text"] == "A cheek"
    page = httpx.get(receipt.url)
    assert page.status_code == 200 and "Smooth results" in page.text


def test_carousel_waits_for_children_and_publishes_once(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    items = []
    for i in range(3):
        data = jpeg_bytes(1080, 1350, (i * 40, 100, 100))
        url = fake.host_file(f"c{i}.jpg", data, "image/jpeg")
        items.append(media_file(tmp_path, f"c{i}.jpg", data, "image/jpeg", url=url))
    receipt = provider(fake).publish(PublishRequest(ig, "Before and after, 3 months", items), token)
    assert fake.media[receipt.post_id]["media_type"] == "CAROUSEL_ALBUM"
    assert len(fake.media[receipt.post_id]["urls"]) == 3
    assert len(fake.live_posts(ig)) == 1


def test_reel_waits_on_the_clock_until_finished(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    url = fake.host_file("v.mp4", mp4_bytes(), "video/mp4")
    v = media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4", url=url, duration=12)
    receipt = provider(fake).publish(PublishRequest(ig, "Recovery tips", [v]), token)
    assert receipt.state is PostState.PUBLISHED
    assert fake.count("GET", rf"/v[0-9.]+/{receipt.handle}") >= 4  # IN_PROGRESS polled on the clock


def test_reel_still_processing_returns_the_handle_and_resumes(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    url = fake.host_file("v.mp4", mp4_bytes(), "video/mp4")
    req = PublishRequest(
        ig, "Recovery tips", [media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4", url=url)]
    )
    first = provider(fake, max_wait=5.0).publish(req, token)
    assert first.state is PostState.PROCESSING and first.handle
    assert provider(fake).status("", token, handle=first.handle).state is PostState.PROCESSING
    fake.clock.advance(60)
    second = provider(fake).publish(req, token, resume=first.handle)
    assert second.state is PostState.PUBLISHED and second.handle == first.handle
    assert len(fake.containers) == 1 and len(fake.live_posts(ig)) == 1


def test_publishing_an_unfinished_container_is_refused_with_9007(
    fake: InstagramFake, ig: str, token: str
) -> None:
    url = fake.host_file("v.mp4", mp4_bytes(), "video/mp4")
    created = httpx.post(
        f"{fake.base_url}/v25.0/{ig}/media",
        data={"media_type": "REELS", "video_url": url, "access_token": token},
    )
    r = httpx.post(
        f"{fake.base_url}/v25.0/{ig}/media_publish",
        data={"creation_id": created.json()["id"], "access_token": token},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 9007 and r.json()["error"]["error_subcode"] == 2207027


@pytest.mark.parametrize(
    ("data", "mime", "width", "height", "code"),
    [
        (png_bytes(), "image/jpeg", 64, 64, "9004/2207052"),  # not a JPEG behind the URL
        (jpeg_bytes(1080, 400), "image/jpeg", 1080, 400, "36003/2207009"),  # aspect ratio
    ],
)
def test_media_the_platform_refuses_is_media_rejected(
    fake: InstagramFake,
    ig: str,
    token: str,
    tmp_path: Path,
    data: bytes,
    mime: str,
    width: int,
    height: int,
    code: str,
) -> None:
    url = fake.host_file("x.jpg", data, mime)
    req = PublishRequest(ig, "x", [media_file(tmp_path, "x.jpg", data, mime, url=url)])
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and exc.value.code == code
    assert not exc.value.retryable and fake.live_posts(ig) == []


def test_unreachable_media_url_is_media_rejected(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    req = PublishRequest(
        ig,
        "x",
        [
            media_file(
                tmp_path,
                "a.jpg",
                jpeg_bytes(),
                "image/jpeg",
                url=f"{fake.base_url}/_files/missing.jpg",
            )
        ],
    )
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED


def test_rejected_video_ends_in_container_error(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("create_container", "reject_media")
    url = fake.host_file("v.mp4", mp4_bytes(), "video/mp4")
    req = PublishRequest(
        ig, "x", [media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4", url=url)]
    )
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and "2207026" in exc.value.code


def test_validate_names_every_problem_before_any_call(tmp_path: Path) -> None:
    png = media_file(tmp_path, "a.png", png_bytes(), "image/png")
    problems = InstagramProvider("http://127.0.0.1:9").validate(
        PublishRequest("1", "#a " * 31 + "x" * 2200, [png])
    )
    codes = {p.code for p in problems}
    assert {"caption_too_long", "media_type", "no_public_url", "hashtags"} <= codes


def test_expired_token_is_auth_expired(fake: InstagramFake, ig: str, tmp_path: Path) -> None:
    tok = fake.user_token(SCOPES, lifetime=10)
    fake.clock.advance(11)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(photo_request(fake, ig, tmp_path), tok.token)
    assert (
        exc.value.kind is ErrorKind.AUTH_EXPIRED
        and "Connect the account again" in exc.value.message
    )


def test_token_expiring_mid_run_publishes_nothing(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("media_publish", "expire_token")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(photo_request(fake, ig, tmp_path), token)
    assert exc.value.kind is ErrorKind.AUTH_EXPIRED
    assert fake.live_posts(ig) == []


def test_missing_publish_permission(fake: InstagramFake, ig: str, tmp_path: Path) -> None:
    tok = fake.user_token({"instagram_basic"}).token
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(photo_request(fake, ig, tmp_path), tok)
    assert exc.value.kind is ErrorKind.PERMISSION_MISSING


def test_error_inside_a_200_is_not_a_success(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("media_publish", "error_in_200")
    req = photo_request(fake, ig, tmp_path)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is ErrorKind.TRANSIENT and exc.value.maybe_committed
    assert provider(fake).find_published(req, token, SINCE) is None  # reconcile: nothing live


def test_container_status_error_inside_a_200(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("container_status", "error_in_200")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(photo_request(fake, ig, tmp_path), token)
    assert exc.value.kind is ErrorKind.TRANSIENT and fake.live_posts(ig) == []


def test_created_then_error_is_found_by_reconciling_not_retried(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("media_publish", "created_then_error")
    req = photo_request(fake, ig, tmp_path)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is ErrorKind.CONTENT_POLICY and exc.value.maybe_committed
    assert not exc.value.retryable
    found = provider(fake).find_published(req, token, SINCE)
    assert found is not None and found.post_id in fake.media
    assert len(fake.live_posts(ig)) == 1


def test_created_then_timeout_resumes_from_the_container_without_a_second_post(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("media_publish", "created_then_timeout")
    fake.timeout_delay = 1.5
    req = photo_request(fake, ig, tmp_path)
    handles: list[str] = []
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token, handles.append)
    assert exc.value.maybe_committed and exc.value.kind is ErrorKind.TRANSIENT
    again = provider(fake).publish(req, token, resume=handles[0])
    assert again.state is PostState.PUBLISHED
    assert len(fake.live_posts(ig)) == 1 and fake.count("POST", r"/v[0-9.]+/\d+/media_publish") == 1


def test_publishing_limit_is_read_not_hard_coded(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    fake.ig_users[ig]["quota_total"] = 1
    provider(fake).publish(photo_request(fake, ig, tmp_path, "one"), token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(photo_request(fake, ig, tmp_path, "two"), token)
    assert exc.value.kind is ErrorKind.RATE_LIMITED and exc.value.retryable
    fake.clock.advance(86401)
    assert (
        provider(fake).publish(photo_request(fake, ig, tmp_path, "two"), token).state
        is PostState.PUBLISHED
    )


def test_status_and_delete(fake: InstagramFake, ig: str, token: str, tmp_path: Path) -> None:
    p = provider(fake)
    receipt = p.publish(photo_request(fake, ig, tmp_path), token)
    assert p.status(receipt.post_id, token).state is PostState.PUBLISHED
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED
    assert p.status(receipt.post_id, token).state is PostState.GONE
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.ALREADY_GONE
    assert httpx.get(receipt.url).status_code == 404


def test_delete_needs_instagram_manage_contents(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    receipt = provider(fake).publish(photo_request(fake, ig, tmp_path), token)
    weak = fake.user_token(SCOPES - {"instagram_manage_contents"}).token
    with pytest.raises(ProviderError) as exc:
        provider(fake).delete(receipt.post_id, weak)
    assert exc.value.kind is ErrorKind.PERMISSION_MISSING
    assert len(fake.live_posts(ig)) == 1


@pytest.mark.parametrize("mode", ["created_then_error", "error_in_200"])
def test_intermittent_delete_failure_is_never_a_success(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path, mode: str
) -> None:
    receipt = provider(fake).publish(photo_request(fake, ig, tmp_path), token)
    fake.misbehave("delete_media", mode)
    with pytest.raises(ProviderError):
        provider(fake).delete(receipt.post_id, token)
    assert len(fake.live_posts(ig)) == 1
    assert provider(fake).delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED


def test_instagram_login_path_cannot_delete(fake: InstagramFake) -> None:
    p = provider(fake, login="instagram")
    assert p.capabilities.can_delete is False
    with pytest.raises(NotSupported) as exc:
        p.delete("123", "tok")
    assert "Delete" in exc.value.manual_steps


def test_comments_read_hide_and_reply(
    fake: InstagramFake, ig: str, token: str, tmp_path: Path
) -> None:
    p = provider(fake)
    receipt = p.publish(photo_request(fake, ig, tmp_path), token)
    cid = fake.add_comment(
        receipt.post_id, "Is that Maria Lopez? She had it done last week", "neighbour"
    )
    comments = p.list_comments(receipt.post_id, token)
    assert [(c.id, c.author, c.hidden) for c in comments] == [(cid, "neighbour", False)]
    p.hide_comment(cid, token)
    assert fake.comments[cid]["hidden"] is True
    with pytest.raises(ProviderError):
        p.reply(cid, "Please call the office.", token)  # hidden comments cannot be replied to
    other = fake.add_comment(receipt.post_id, "How long is recovery?")
    rid = p.reply(other, "Thank you for asking; please call our office.", token)
    listed = p.list_comments(receipt.post_id, token)
    assert any(c.id == rid and c.parent_id == other for c in listed)
