"""Google Business Profile reviews against the local fake (reference §6)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clearpost.providers.base import PublishRequest
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.gbp.client import GbpProvider
from clearpost.providers.gbp.fake import GbpFake

SCOPE = {"https://www.googleapis.com/auth/business.manage"}


@pytest.fixture
def fake() -> Iterator[GbpFake]:
    f = GbpFake()
    f.start()
    yield f
    f.stop()


def test_reviews_are_read_with_their_rating_and_answered(fake: GbpFake) -> None:
    loc = fake.add_location("owner")
    token = fake.issue_token("owner", SCOPE, lifetime=3600).token
    rid = fake.add_review(
        loc, "Dr Rivera botched my nose job on 3 May", stars=1, reviewer="Ann Smith"
    )
    p = GbpProvider(fake.base_url)
    [review] = p.list_comments(loc, token)
    assert review.text.startswith("[1 star review]") and review.author == "Ann Smith"
    p.reply(review.id, "We take every concern seriously; please call our office.", token)
    assert fake.reviews[rid]["reviewReply"]["comment"].startswith("We take")


@pytest.mark.parametrize(
    ("subject", "scopes", "lifetime", "kind"),
    [
        ("owner", SCOPE, -1, ErrorKind.AUTH_EXPIRED),
        ("owner", set(), 3600, ErrorKind.PERMISSION_MISSING),
        ("someone-else", SCOPE, 3600, ErrorKind.PERMISSION_MISSING),
    ],
)
def test_errors_are_classified(
    fake: GbpFake, subject: str, scopes: set[str], lifetime: float, kind: ErrorKind
) -> None:
    loc = fake.add_location("owner")
    token = fake.issue_token(subject, scopes, lifetime=lifetime).token
    with pytest.raises(ProviderError) as exc:
        GbpProvider(fake.base_url).list_comments(loc, token)
    assert exc.value.kind is kind


def test_reply_to_a_missing_review_and_things_not_offered(fake: GbpFake) -> None:
    loc = fake.add_location("owner")
    token = fake.issue_token("owner", SCOPE, lifetime=3600).token
    p = GbpProvider(fake.base_url)
    with pytest.raises(ProviderError) as exc:
        p.reply(f"{loc}/reviews/nope", "x", token)
    assert exc.value.code == "gone"
    with pytest.raises(NotSupported):
        p.hide_comment(f"{loc}/reviews/x", token)
    with pytest.raises(NotSupported):
        p.publish(PublishRequest(loc, "x"), token)
