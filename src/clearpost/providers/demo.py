"""Every local fake in one process, seeded with the demo practice's accounts.

`clearpost fakes` (and `clearpost serve`, unless told otherwise) runs this so a newcomer
can publish, open the post on the fake platform's page, revoke, and watch it come down.
The seeded IDs and tokens are fixed (`DEMO`) so the demo database, seeded separately,
connects to them. Ports: Meta (Instagram and Facebook share Graph) at `base`, TikTok
`base+1`, LinkedIn `base+2`, X `base+3`, the practice website `base+4`, Google Business
Profile reviews `base+5`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from clearpost.providers.facebook.fake import FacebookFake
from clearpost.providers.fakes import FakePlatform
from clearpost.providers.gbp.fake import GbpFake
from clearpost.providers.instagram.fake import InstagramFake
from clearpost.providers.linkedin.fake import LinkedInFake
from clearpost.providers.tiktok.fake import TikTokFake
from clearpost.providers.website.fake import WebsiteFake
from clearpost.providers.x.fake import XFake


class MetaFake(InstagramFake, FacebookFake):
    """Instagram and Facebook Pages on one Graph host, as on graph.facebook.com."""

    platform = "meta"


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    platform: str
    external_id: str
    token: str
    name: str
    handle: str
    kind: str


IG_SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_contents",
    "pages_show_list",
    "pages_read_engagement",
)
FB_SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_engagement",
)
DEMO = (
    DemoAccount(
        "instagram",
        "17841400000000001",
        "demo-ig-token",
        "Riverside Aesthetics (Instagram)",
        "riverside.aesthetics",
        "business",
    ),
    DemoAccount(
        "facebook", "100000000000001", "demo-fb-page-token", "Riverside Aesthetics", "", "page"
    ),
    DemoAccount(
        "tiktok",
        "-000demo0tiktok",
        "demo-tt-token",
        "Riverside Aesthetics (TikTok)",
        "riverside.aesthetics",
        "business",
    ),
    DemoAccount(
        "linkedin",
        "10000001",
        "demo-li-token",
        "Riverside Aesthetics (LinkedIn)",
        "",
        "organization",
    ),
    DemoAccount(
        "x",
        "1000000000000000001",
        "demo-x-token",
        "Riverside Aesthetics (X)",
        "RiversideClinic",
        "business",
    ),
    DemoAccount(
        "gbp",
        "accounts/100001/locations/200001",
        "demo-gbp-token",
        "Riverside Aesthetics (Google reviews)",
        "",
        "business",
    ),
)
PORT_OFFSETS = {"meta": 0, "tiktok": 1, "linkedin": 2, "x": 3, "website": 4, "gbp": 5}


def build(base_port: int, website_dir: Path) -> dict[str, FakePlatform]:
    """The fakes, seeded, not yet started (`base_port` 0: any free ports, for tests)."""

    def port(offset: int) -> int:
        return base_port + offset if base_port else 0

    meta = MetaFake(port=port(0))
    meta.video_processing_s = 5.0
    page = "100000000000001"
    ig = "17841400000000001"
    meta.pages[page] = {"name": "Riverside Aesthetics", "category": "Medical & health", "ig": ig}
    meta.ig_users[ig] = {
        "username": "riverside.aesthetics",
        "page_id": page,
        "quota_total": 50,
        "account_type": "BUSINESS",
    }
    meta.add_token("demo-ig-token", meta.user_id, IG_SCOPES)
    meta.add_token("demo-fb-page-token", page, FB_SCOPES)
    tiktok = TikTokFake(port=port(1))
    tiktok.users["-000demo0tiktok"] = {
        "username": "riverside.aesthetics",
        "business": True,
        "audited": True,
    }
    tiktok.add_token(
        "demo-tt-token",
        "-000demo0tiktok",
        ("user.info.basic", "video.publish", "video.upload", "video.list"),
    )
    linkedin = LinkedInFake(port=port(2))
    linkedin.orgs["10000001"] = {"name": "Riverside Aesthetics"}
    linkedin.admins.setdefault(linkedin.member, set()).add("10000001")
    linkedin.add_token(
        "demo-li-token",
        linkedin.member,
        ("w_organization_social", "r_organization_social", "rw_organization_admin"),
    )
    x = XFake(port=port(3))
    x.users["1000000000000000001"] = {"username": "RiversideClinic", "name": "Riverside Aesthetics"}
    x.set_limit("create:1000000000000000001", 200, 900)
    x.add_token(
        "demo-x-token",
        "1000000000000000001",
        ("tweet.read", "tweet.write", "users.read", "media.write", "tweet.moderate.write"),
    )
    website_dir.mkdir(parents=True, exist_ok=True)
    site = WebsiteFake(website_dir, port=port(4))
    gbp = GbpFake(port=port(5))
    location = "accounts/100001/locations/200001"
    gbp.locations[location] = "demo-owner"
    gbp.add_token(
        "demo-gbp-token", "demo-owner", ("https://www.googleapis.com/auth/business.manage",)
    )
    gbp.add_review(location, "Lovely staff and a calm clinic.", stars=5, reviewer="K. Lee")
    gbp.add_review(
        location,
        "My lip filler with Dr. Rivera on March 3 left a lump and nobody called me back.",
        stars=1,
        reviewer="Dana",
    )
    return {
        "meta": meta,
        "tiktok": tiktok,
        "linkedin": linkedin,
        "x": x,
        "website": site,
        "gbp": gbp,
    }


def environment(base_port: int) -> dict[str, str]:
    """The variables that point ClearPost at these fakes."""
    url = "http://127.0.0.1:{}".format
    return {
        "CLEARPOST_INSTAGRAM_API_BASE": url(base_port),
        "CLEARPOST_FACEBOOK_API_BASE": url(base_port),
        "CLEARPOST_TIKTOK_API_BASE": url(base_port + 1),
        "CLEARPOST_LINKEDIN_API_BASE": url(base_port + 2),
        "CLEARPOST_X_API_BASE": url(base_port + 3),
        "CLEARPOST_WEBSITE_URL": url(base_port + 4),
        "CLEARPOST_GBP_API_BASE": url(base_port + 5),
    }


def start_all(fakes: dict[str, Any]) -> None:
    for fake in fakes.values():
        fake.start()


def stop_all(fakes: dict[str, Any]) -> None:
    for fake in fakes.values():
        fake.stop()
