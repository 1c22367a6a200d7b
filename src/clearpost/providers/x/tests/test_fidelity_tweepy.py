"""Fidelity: tweepy (the most used X client), unmodified, drives the X fake through
publish, status, timeline, hide and delete; only its session's transport is pointed at
the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tweepy

from clearpost.providers.testing import redirect_session
from clearpost.providers.x.fake import XFake


@pytest.fixture
def fake() -> Iterator[XFake]:
    f = XFake()
    f.start()
    yield f
    f.stop()


def client_for(fake: XFake, token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token)
    redirect_session(
        client.session,
        {"https://api.twitter.com": fake.base_url, "https://api.x.com": fake.base_url},
    )
    return client


def test_publish_status_delete_with_tweepy(fake: XFake) -> None:
    uid = fake.add_user("RiveraClinic")
    client = client_for(fake, fake.token_for(uid))
    created = client.create_tweet(text="Fidelity check", user_auth=False)
    tid = created.data["id"]
    assert fake.tweets[tid]["text"] == "Fidelity check"
    got = client.get_tweet(tid, tweet_fields=["created_at", "author_id"], user_auth=False)
    assert got.data.text == "Fidelity check" and str(got.data.author_id) == uid
    timeline = client.get_users_tweets(uid, user_auth=False)
    assert [t.id for t in timeline.data] == [int(tid)]
    reply = fake.add_reply(tid, "Saw Ann there")
    assert client.hide_reply(reply, user_auth=False).data == {"hidden": True}
    assert client.delete_tweet(tid, user_auth=False).data == {"deleted": True}
    gone = client.get_tweet(tid, user_auth=False)
    assert gone.data is None and gone.errors[0]["type"].endswith("resource-not-found")


@pytest.mark.parametrize(
    ("setup", "exc_type"),
    [
        ("duplicate", tweepy.Forbidden),
        ("expired", tweepy.Unauthorized),
        ("limit", tweepy.TooManyRequests),
    ],
)
def test_errors_surface_as_tweepy_exceptions(
    fake: XFake, setup: str, exc_type: type[Exception]
) -> None:
    uid = fake.add_user("RiveraClinic")
    tok = fake.token_for(uid, lifetime=5)
    client = client_for(fake, tok)
    client.wait_on_rate_limit = False
    if setup == "duplicate":
        client.create_tweet(text="Same", user_auth=False)
    elif setup == "expired":
        fake.clock.advance(6)
    else:
        fake.set_limit(f"create:{uid}", 0, 900)
    with pytest.raises(exc_type):
        client.create_tweet(text="Same", user_auth=False)
