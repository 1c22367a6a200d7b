"""`make run`'s fakes: every demo account's seeded token works on its fake, so the demo
practice can publish the moment it starts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clearpost.providers.base import PublishRequest
from clearpost.providers.demo import DEMO, build, environment, start_all, stop_all
from clearpost.providers.facebook.client import FacebookProvider
from clearpost.providers.gbp.client import GbpProvider
from clearpost.providers.instagram.client import InstagramProvider
from clearpost.providers.linkedin.client import LinkedInProvider
from clearpost.providers.tiktok.client import TikTokProvider
from clearpost.providers.x.client import XProvider

SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def test_demo_accounts_can_use_the_demo_fakes(tmp_path: Path) -> None:
    fakes = build(0, tmp_path / "site")
    start_all(fakes)
    try:
        by = {d.platform: d for d in DEMO}
        meta, tt, li, x, gbp = (
            fakes[k].base_url for k in ("meta", "tiktok", "linkedin", "x", "gbp")
        )
        ig = by["instagram"]
        assert (
            InstagramProvider(meta).find_published(
                PublishRequest(ig.external_id, "x"), ig.token, SINCE
            )
            is None
        )
        fb = by["facebook"]
        assert (
            FacebookProvider(meta)
            .publish(PublishRequest(fb.external_id, "Hello from the demo"), fb.token)
            .post_id
        )
        t = by["tiktok"]
        assert (
            TikTokProvider(tt).find_published(PublishRequest(t.external_id, "x"), t.token, SINCE)
            is None
        )
        li_acc = by["linkedin"]
        assert (
            LinkedInProvider(li)
            .publish(PublishRequest(li_acc.external_id, "Hello"), li_acc.token)
            .post_id
        )
        xa = by["x"]
        assert XProvider(x).publish(PublishRequest(xa.external_id, "Hello"), xa.token).post_id
        g = by["gbp"]
        assert len(GbpProvider(gbp).list_comments(g.external_id, g.token)) == 2
    finally:
        stop_all(fakes)
    assert set(environment(9000)) >= {
        "CLEARPOST_INSTAGRAM_API_BASE",
        "CLEARPOST_X_API_BASE",
        "CLEARPOST_GBP_API_BASE",
    }
