"""How a post will look on each platform before anyone approves it: caption length and
where the feed cuts it, hashtag count, carousel size, and the crop a photo gets.

Limits come from shared/reference/platform-apis.md; the feed cut-off ("... more") is
where the platforms' apps cut a caption in the feed, which they do not document: the
figures here are what the apps showed when measured and are marked as approximate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from clearpost.app.posts.models import Post


@dataclass(frozen=True)
class Limits:
    label: str
    caption_max: int | None
    feed_cut: int | None  # approximate: where the feed shows "... more"
    hashtags_max: int | None
    media_max: int
    aspect_min: float | None  # width / height
    aspect_max: float | None
    notes: str = ""


LIMITS: dict[str, Limits] = {
    "instagram": Limits(
        "Instagram",
        2200,
        125,
        30,
        10,
        0.8,
        1.91,
        "Instagram announced a limit of 5 hashtags; keep to 5 or fewer.",
    ),
    "facebook": Limits("Facebook Page", 63206, 480, None, 10, None, None),
    "tiktok": Limits(
        "TikTok", 2000, 100, None, 35, 0.5625, 0.5625, "Photo titles are cut to 90 characters."
    ),
    "linkedin": Limits("LinkedIn page", 3000, 210, None, 20, None, None),
    "x": Limits("X", 280, None, None, 4, None, None),
    "website": Limits("Practice website gallery", None, None, None, 50, None, None),
    "kit": Limits("Ready-to-post kit", None, None, None, 50, None, None),
}
_HASHTAG = re.compile(r"(?<!\w)#\w+")


@dataclass
class MediaView:
    public_id: str
    kind: str
    aspect: float | None
    crop: str  # "" when it fits


@dataclass
class PlatformView:
    platform: str
    label: str
    account: str
    caption_shown: str
    truncated: bool
    caption_len: int
    caption_max: int | None
    hashtags: int
    hashtags_max: int | None
    media: list[MediaView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: str = ""


def _aspect(report: dict[str, Any]) -> float | None:
    try:
        w, h = float(report.get("width") or 0), float(report.get("height") or 0)
    except (TypeError, ValueError):
        return None
    return w / h if w > 0 and h > 0 else None


def _crop(aspect: float | None, lim: Limits) -> str:
    if aspect is None or lim.aspect_min is None or lim.aspect_max is None:
        return ""
    if aspect < lim.aspect_min - 0.005:
        return f"taller than {lim.aspect_min:.2f}:1, cropped top and bottom"
    if aspect > lim.aspect_max + 0.005:
        return f"wider than {lim.aspect_max:.2f}:1, cropped at the sides"
    return ""


def views_for(post: Post) -> list[PlatformView]:
    out = []
    media = post.ordered_media()
    caption = post.caption
    tags = len(_HASHTAG.findall(caption))
    for account in post.target_accounts():
        lim = LIMITS.get(account.platform, LIMITS["kit"])
        cut = lim.feed_cut
        shown = caption if cut is None or len(caption) <= cut else caption[:cut].rstrip() + "…"
        view = PlatformView(
            platform=account.platform,
            label=lim.label,
            account=account.handle or account.display_name,
            caption_shown=shown,
            truncated=shown != caption,
            caption_len=len(caption),
            caption_max=lim.caption_max,
            hashtags=tags,
            hashtags_max=lim.hashtags_max,
            notes=lim.notes,
        )
        for pm in media:
            aspect = _aspect(pm.item.report_dict)
            view.media.append(
                MediaView(pm.item.public_id, pm.item.kind, aspect, _crop(aspect, lim))
            )
        if lim.caption_max is not None and len(caption) > lim.caption_max:
            view.problems.append(
                f"The caption is {len(caption):,} characters; {lim.label} allows {lim.caption_max:,}."
            )
        if lim.hashtags_max is not None and tags > lim.hashtags_max:
            view.problems.append(f"{tags} hashtags; {lim.label} allows {lim.hashtags_max}.")
        if len(media) > lim.media_max:
            view.problems.append(f"{len(media)} media items; {lim.label} allows {lim.media_max}.")
        out.append(view)
    return out
