"""Fidelity: python-facebook-api (pyfacebook), unmodified, drives the Facebook Pages fake
through publish, status, listing, delete and hide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyfacebook import FacebookApi
from pyfacebook.exceptions import FacebookError

from clearpost.providers.facebook.fake import FacebookFake
from clearpost.providers.testing import jpeg_bytes

SCOPES = {
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_engagement",
}


@pytest.fixture
def fake() -> Iterator[FacebookFake]:
    f = FacebookFake()
    f.start()
    yield f
    f.stop()


def test_publish_status_delete_with_pyfacebook(fake: FacebookFake) -> None:
    page = fake.add_page("Rivera Aesthetics")
    api = FacebookApi(
        access_token=fake.page_token(page, SCOPES).token,
        base_url=fake.base_url + "/",
        sleep_on_rate_limit=False,
        timeout=5,
    )
    url = fake.host_file("a.jpg", jpeg_bytes(), "image/jpeg")
    photo = api.post_object(
        object_id=page,
        connection="photos",
        data={"url": url, "caption": "Fidelity", "published": "true"},
    )
    assert photo["post_id"].startswith(page + "_")
    post = api.post.get_info(
        post_id=photo["post_id"], fields="id,message,created_time,permalink_url"
    )
    assert post.message == "Fidelity" and post.permalink_url
    listed = api.page.get_published_posts(object_id=page, fields="id,message,created_time", count=5)
    assert [p.id for p in listed.data] == [photo["post_id"]]
    cid = fake.add_comment(photo["post_id"], "Saw Ann there")
    assert api.post_object(object_id=cid, data={"is_hidden": "true"}) == {"success": True}
    assert api.delete_object(object_id=photo["post_id"]) == {"success": True}
    with pytest.raises(FacebookError) as exc:
        api.post.get_info(post_id=photo["post_id"])
    assert exc.value.code == 100


def test_user_token_refused_as_pyfacebook_sees_it(fake: FacebookFake) -> None:
    page = fake.add_page("Rivera Aesthetics")
    api = FacebookApi(
        access_token=fake.user_token(SCOPES).token,
        base_url=fake.base_url + "/",
        sleep_on_rate_limit=False,
        timeout=5,
    )
    with pytest.raises(FacebookError) as exc:
        api.post_object(object_id=page, connection="feed", data={"message": "x"})
    assert exc.value.code == 200
