"""TikTok provider against the local Content Posting fake (reference §3, §8)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clearpost.providers.base import PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.testing import jpeg_bytes, media_file, mp4_bytes, png_bytes
from clearpost.providers.tiktok.client import TikTokProvider, chunk_plan
from clearpost.providers.tiktok.fake import TikTokFake

SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[TikTokFake]:
    f = TikTokFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def user(fake: TikTokFake) -> str:
    return fake.add_user("rivera.aesthetics")


@pytest.fixture
def token(fake: TikTokFake, user: str) -> str:
    return fake.token_for(user)


def provider(fake: TikTokFake, **kw: object) -> TikTokProvider:
    opts: dict[str, object] = {
        "timeout": 1.0,
        "sleep": fake.clock.advance,
        "username": "rivera.aesthetics",
    }
    opts.update(kw)
    return TikTokProvider(fake.base_url, **opts)  # type: ignore[arg-type]


def video_request(user: str, tmp_path: Path, caption: str = "Recovery day 7") -> PublishRequest:
    return PublishRequest(user, caption, [media_file(tmp_path, "v.mp4", mp4_bytes(), "video/mp4")])


def test_video_publish_waits_through_moderation_for_the_post_id(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    handles: list[str] = []
    receipt = provider(fake).publish(video_request(user, tmp_path), token, handles.append)
    assert receipt.state is PostState.PUBLISHED and receipt.handle == handles[0]
    assert receipt.handle.startswith("v_pub_file~")
    assert receipt.post_id and httpx.get(receipt.url).status_code == 200
    assert fake.publishes[receipt.handle]["uploaded"] == len(mp4_bytes())


def test_complete_without_post_id_stays_processing_then_resumes(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    req = video_request(user, tmp_path)
    first = provider(fake, max_wait=15.0).publish(req, token)
    assert first.state is PostState.PROCESSING and first.detail == "PUBLISH_COMPLETE"
    fake.clock.advance(60)
    again = provider(fake).publish(req, token, resume=first.handle)
    assert again.state is PostState.PUBLISHED and len(fake.publishes) == 1


def test_photo_post_needs_a_verified_prefix_and_no_png(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    url = fake.host_file("a.jpg", jpeg_bytes(), "image/jpeg")
    req = PublishRequest(
        user,
        "Clinic",
        [media_file(tmp_path, "a.jpg", jpeg_bytes(), "image/jpeg", url=url)],
        title="Clinic",
    )
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert (
        exc.value.code == "url_ownership_unverified" and exc.value.kind is ErrorKind.MEDIA_REJECTED
    )
    fake.verified_prefixes.append(fake.base_url + "/_files/")
    assert provider(fake).publish(req, token).state is PostState.PUBLISHED
    png = fake.host_file("b.png", png_bytes(), "image/png")
    bad = PublishRequest(
        user, "x", [media_file(tmp_path, "b.jpg", png_bytes(), "image/jpeg", url=png)]
    )
    with pytest.raises(ProviderError) as exc2:
        provider(fake).publish(bad, token)
    assert exc2.value.code == "file_format_check_failed"


def test_unaudited_app_only_posts_privately(fake: TikTokFake, tmp_path: Path) -> None:
    u = fake.add_user("new.clinic", audited=False)
    receipt = provider(fake).publish(video_request(u, tmp_path), fake.token_for(u))
    assert receipt.state is PostState.PUBLISHED  # the client picked SELF_ONLY from creator_info


@pytest.mark.parametrize(
    ("mode", "kind", "committed"),
    [
        ("error_in_200", ErrorKind.TRANSIENT, True),
        ("created_then_error", ErrorKind.TRANSIENT, True),
        ("created_then_timeout", ErrorKind.TRANSIENT, True),
        ("expire_token", ErrorKind.AUTH_EXPIRED, False),
    ],
)
def test_init_misbehaviour(
    fake: TikTokFake,
    user: str,
    token: str,
    tmp_path: Path,
    mode: str,
    kind: ErrorKind,
    committed: bool,
) -> None:
    fake.misbehave("video_init", mode)
    fake.timeout_delay = 1.5
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(video_request(user, tmp_path), token)
    assert (
        exc.value.kind is kind
        and exc.value.maybe_committed is committed
        and not exc.value.retryable
    )


def test_rejected_media_fails_with_a_reason(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    fake.misbehave("video_init", "reject_media")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(video_request(user, tmp_path), token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and "format" in exc.value.message


def test_init_rate_limit_is_six_a_minute(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    for i in range(6):
        provider(fake, max_wait=0.0).publish(video_request(user, tmp_path, f"post {i}"), token)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(video_request(user, tmp_path, "post 7"), token)
    assert exc.value.kind is ErrorKind.RATE_LIMITED


def test_reconcile_by_status_and_by_video_list(
    fake: TikTokFake, user: str, token: str, tmp_path: Path
) -> None:
    req = video_request(user, tmp_path, "Found again")
    receipt = provider(fake).publish(req, token)
    assert provider(fake).status("", token, handle=receipt.handle).post_id == receipt.post_id
    found = provider(fake).find_published(req, token, SINCE)
    assert found is not None and found.post_id == receipt.post_id
    assert provider(fake).status(receipt.post_id, token).state is PostState.PUBLISHED


def test_delete_and_comments_are_not_supported_never_reported_done(fake: TikTokFake) -> None:
    p = provider(fake)
    assert p.capabilities.can_delete is False
    with pytest.raises(NotSupported) as exc:
        p.delete("1", "t")
    assert "TikTok app" in exc.value.manual_steps
    with pytest.raises(NotSupported):
        p.list_comments("1", "t")


def test_oauth_with_pkce_and_rotating_refresh(fake: TikTokFake, user: str) -> None:
    verifier = "v" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    r = httpx.get(
        f"{fake.base_url}/v2/auth/authorize/",
        params={
            "client_key": fake.client_key,
            "response_type": "code",
            "scope": "user.info.basic,video.publish",
            "redirect_uri": "http://cb/",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = httpx.URL(r.headers["location"]).params["code"]
    form = {
        "client_key": fake.client_key,
        "client_secret": fake.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://cb/",
    }
    assert (
        httpx.post(
            f"{fake.base_url}/v2/oauth/token/", data={**form, "code_verifier": "wrong"}
        ).status_code
        == 400
    )
    r = httpx.get(
        f"{fake.base_url}/v2/auth/authorize/",
        params={
            "client_key": fake.client_key,
            "response_type": "code",
            "scope": "video.publish",
            "redirect_uri": "http://cb/",
            "code_challenge": challenge,
        },
    )
    form["code"] = httpx.URL(r.headers["location"]).params["code"]
    tok = httpx.post(
        f"{fake.base_url}/v2/oauth/token/", data={**form, "code_verifier": verifier}
    ).json()
    assert tok["expires_in"] == 7200 and tok["refresh_token"]
    refresh = {
        "client_key": fake.client_key,
        "client_secret": fake.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": tok["refresh_token"],
    }
    assert httpx.post(f"{fake.base_url}/v2/oauth/token/", data=refresh).status_code == 200
    assert (
        httpx.post(f"{fake.base_url}/v2/oauth/token/", data=refresh).json()["error"]
        == "invalid_grant"
    )


def test_chunk_plan_follows_the_rules() -> None:
    assert chunk_plan(1000) == (1000, 1)
    assert chunk_plan(100 * 1024 * 1024) == (10 * 1024 * 1024, 10)
