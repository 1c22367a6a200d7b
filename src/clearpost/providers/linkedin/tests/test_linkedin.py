"""LinkedIn provider against the local Community Management fake (reference §4, §8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clearpost.providers.base import DeleteOutcome, PostState, PublishRequest
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.linkedin.client import LinkedInProvider, escape_little
from clearpost.providers.linkedin.fake import LinkedInFake
from clearpost.providers.testing import jpeg_bytes, media_file

SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[LinkedInFake]:
    f = LinkedInFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def org(fake: LinkedInFake) -> str:
    return fake.add_org("Rivera Aesthetics")


@pytest.fixture
def token(fake: LinkedInFake) -> str:
    return fake.token_for()


def provider(fake: LinkedInFake, **kw: object) -> LinkedInProvider:
    opts: dict[str, object] = {
        "timeout": 1.0,
        "sleep": fake.clock.advance,
        "public_base": fake.base_url,
    }
    opts.update(kw)
    return LinkedInProvider(fake.base_url, **opts)  # type: ignore[arg-type]


def test_image_post_waits_for_available_and_reads_the_urn_from_the_header(
    fake: LinkedInFake, org: str, token: str, tmp_path: Path
) -> None:
    img = media_file(tmp_path, "a.jpg", jpeg_bytes(), "image/jpeg", alt="Treatment room")
    receipt = provider(fake).publish(
        PublishRequest(org, "New room (opening soon) #clinic", [img]), token
    )
    assert receipt.state is PostState.PUBLISHED and receipt.post_id.startswith("urn:li:share:")
    post = fake.posts[receipt.post_id]
    assert post["text"] == "New room (opening soon) #clinic"  # escaped, so not cut at "("
    assert httpx.get(receipt.url).status_code == 200


def test_unescaped_text_would_be_cut_by_linkedin(fake: LinkedInFake) -> None:
    from clearpost.providers.linkedin.fake import unescape_little

    assert unescape_little("Results (6 weeks)") == "Results "
    assert unescape_little(escape_little("Results (6 weeks)")) == "Results (6 weeks)"


def test_multi_image_post(fake: LinkedInFake, org: str, token: str, tmp_path: Path) -> None:
    imgs = [
        media_file(tmp_path, f"{i}.jpg", jpeg_bytes(400, 400, (i * 60, 0, 0)), "image/jpeg")
        for i in range(2)
    ]
    receipt = provider(fake).publish(PublishRequest(org, "Two", imgs), token)
    assert len(fake.posts[receipt.post_id]["images"]) == 2


def test_not_an_admin_of_the_page(fake: LinkedInFake, token: str) -> None:
    other = fake.add_org("Someone else", admin=False)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(other, "x"), token)
    assert exc.value.kind is ErrorKind.PERMISSION_MISSING


def test_sunset_version_is_426(fake: LinkedInFake, org: str, token: str) -> None:
    with pytest.raises(ProviderError) as exc:
        provider(fake, version="202306").publish(PublishRequest(org, "x"), token)
    assert exc.value.code == "NONEXISTENT_VERSION" and "retired" in exc.value.message


def test_rejected_image(fake: LinkedInFake, org: str, token: str, tmp_path: Path) -> None:
    fake.misbehave("image", "reject_media")
    img = media_file(tmp_path, "a.jpg", jpeg_bytes(), "image/jpeg")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(org, "x", [img]), token)
    assert exc.value.kind is ErrorKind.MEDIA_REJECTED and fake.live_posts(org) == []


@pytest.mark.parametrize(
    ("mode", "kind", "committed", "live"),
    [
        ("error_in_200", ErrorKind.UNKNOWN, True, 1),
        ("created_then_error", ErrorKind.TRANSIENT, True, 1),
        ("created_then_timeout", ErrorKind.TRANSIENT, True, 1),
        ("expire_token", ErrorKind.AUTH_EXPIRED, False, 0),
    ],
)
def test_misbehaviour_then_reconcile_by_author_listing(
    fake: LinkedInFake, org: str, token: str, mode: str, kind: ErrorKind, committed: bool, live: int
) -> None:
    fake.misbehave("create_post", mode)
    fake.timeout_delay = 1.5
    req = PublishRequest(org, f"During {mode}")
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(req, token)
    assert exc.value.kind is kind and exc.value.maybe_committed is committed
    found = provider(fake).find_published(req, fake.token_for(), SINCE)
    assert (found is not None) is bool(live) and len(fake.live_posts(org)) == live


def test_expired_token(fake: LinkedInFake, org: str) -> None:
    tok = fake.token_for(lifetime=5)
    fake.clock.advance(6)
    with pytest.raises(ProviderError) as exc:
        provider(fake).publish(PublishRequest(org, "x"), tok)
    assert exc.value.kind is ErrorKind.AUTH_EXPIRED


def test_status_and_idempotent_delete(fake: LinkedInFake, org: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(org, "Soon gone"), token)
    assert p.status(receipt.post_id, token).state is PostState.PUBLISHED
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED
    assert p.status(receipt.post_id, token).state is PostState.GONE
    assert p.delete(receipt.post_id, token).outcome is DeleteOutcome.DELETED
    fake.misbehave("delete_post", "created_then_error")
    again = p.publish(PublishRequest(org, "Second"), token)
    with pytest.raises(ProviderError):
        p.delete(again.post_id, token)
    assert len(fake.live_posts(org)) == 1


def test_comments_read_and_reply_but_never_hide(fake: LinkedInFake, org: str, token: str) -> None:
    p = provider(fake)
    receipt = p.publish(PublishRequest(org, "Questions welcome"), token)
    fake.add_comment(receipt.post_id, "How long until I can work?")
    comments = p.list_comments(receipt.post_id, token)
    assert [c.text for c in comments] == ["How long until I can work?"]
    rid = p.reply(comments[0].id, "Please call our office.", token)
    assert rid.startswith("urn:li:comment:")
    assert any(c.parent_id == comments[0].id for c in p.list_comments(receipt.post_id, token))
    with pytest.raises(NotSupported):
        p.hide_comment(comments[0].id, token)
