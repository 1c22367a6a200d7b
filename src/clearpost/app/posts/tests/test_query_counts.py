"""Post lists cost the same number of queries for 2 posts as for 6 (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clearpost.app.accounts.actions import issue_api_token
from clearpost.app.accounts.models import User
from clearpost.app.posts import actions
from clearpost.app.posts.tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "path"),
    [("web", "/posts/"), ("web", "/posts/calendar/?view=month"), ("api", "/api/posts")],
)
def test_post_lists_do_not_grow_with_rows(
    world: World, login: Callable[[User], Client], kind: str, path: str
) -> None:
    client = (
        login(world.author)
        if kind == "web"
        else Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(world.author, 'q')}")
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        return len(ctx)

    for _ in range(2):
        actions.create_post(world.author, world.data())
    two = count()
    for _ in range(4):
        actions.create_post(world.author, world.data())
    assert count() == two
