"""`make run`'s demo practice has posts in every state, and seeding twice adds none."""

from __future__ import annotations

import pytest

from clearpost.app.demo import seed_demo
from clearpost.app.posts.models import Post, State
from clearpost.app.practices.models import Practice

pytestmark = pytest.mark.django_db


def test_demo_has_a_post_in_every_state_and_is_idempotent() -> None:
    seed_demo()
    practice = Practice.objects.get(slug="demo")
    states = set(Post.objects.filter(practice=practice).values_list("state", flat=True))
    assert states == set(State.values)
    count = Post.objects.count()
    seed_demo()
    assert Post.objects.count() == count
    risks = set(Post.objects.values_list("risk", flat=True))
    assert {"high", "medium", "none"} <= risks
