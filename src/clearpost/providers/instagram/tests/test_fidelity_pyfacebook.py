"""Fidelity: python-facebook-api (pyfacebook), unmodified, drives the Instagram fake
through publish, status, delete and hide, so a shape the Graph API would not give fails
here too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyfacebook import IGBusinessApi
from pyfacebook.exceptions import FacebookError

from clearpost.providers.instagram.fake import InstagramFake
from clearpost.providers.testing import jpeg_bytes

SCOPES = {
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_contents",
}


@pytest.fixture
def fake() -> Iterator[InstagramFake]:
    f = InstagramFake()
    f.start()
    yield f
    f.stop()


def api_for(fake: InstagramFake, ig: str, token: str) -> IGBusinessApi:
    return IGBusinessApi(
        access_token=token,
        instagram_business_id=ig,
        base_url=fake.base_url + "/",
        sleep_on_rate_limit=False,
        timeout=5,
    )


def test_publish_status_delete_with_pyfacebook(fake: InstagramFake) -> None:
    ig = fake.add_instagram("rivera.aesthetics")
    api = api_for(fake, ig, fake.user_token(SCOPES).token)
    url = fake.host_file("a.jpg", jpeg_bytes(), "image/jpeg")
    limit = api.user.get_content_publishing_limit()
    assert limit.data[0].quota_usage == 0 and limit.data[0].config.quota_total == 50
    container = api.post_object(
        object_id=ig, connection="media", data={"image_url": url, "caption": "Fidelity"}
    )
    info = api.container.get_info(container_id=container["id"])
    assert info.status_code == "FINISHED"
    media = api.post_object(
        object_id=ig, connection="media_publish", data={"creation_id": container["id"]}
    )
    got = api.media.get_info(media_id=media["id"], fields="id,caption,permalink,timestamp")
    assert got.caption == "Fidelity" and got.permalink.startswith(fake.base_url)
    assert api.container.get_info(container_id=container["id"]).status_code == "PUBLISHED"
    cid = fake.add_comment(media["id"], "Is that Ann?")
    comments = api.media.get_comments(
        media_id=media["id"], fields="id,text,username,timestamp,hidden"
    )
    assert [c.id for c in comments.data] == [cid]
    assert api.post_object(object_id=cid, data={"hide": "true"}) == {"success": True}
    assert api.delete_object(object_id=media["id"]) == {"success": True}
    with pytest.raises(FacebookError) as exc:
        api.media.get_info(media_id=media["id"])
    assert exc.value.code == 100 and exc.value.error_subcode == 33


def test_graph_errors_parse_in_pyfacebook(fake: InstagramFake) -> None:
    ig = fake.add_instagram("rivera.aesthetics")
    tok = fake.user_token(SCOPES, lifetime=5)
    api = api_for(fake, ig, tok.token)
    fake.clock.advance(6)
    with pytest.raises(FacebookError) as exc:
        api.user.get_content_publishing_limit()
    assert exc.value.code == 190 and exc.value.error_subcode == 463
