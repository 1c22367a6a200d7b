"""Google Business Profile reviews: read the practice's reviews and answer them through
the reply endpoint once the answer is checked. Most fines for social-media PHI so far
came from review replies, so nothing here sends without the inbox's check first.

Reviews are the only Business Profile feature ClearPost uses: publishing local posts is
not offered (`publish` raises NotSupported), reviews cannot be hidden or deleted by the
business, and a reply is replaced by putting a new one.
"""

from __future__ import annotations

import datetime as dt

import httpx

from clearpost.providers.base import (
    Capabilities,
    Comment,
    DeleteResult,
    HandleCallback,
    PostStatus,
    Problem,
    PublishRequest,
    Receipt,
)
from clearpost.providers.errors import NotSupported
from clearpost.providers.gbp import errors
from clearpost.providers.http import Http

LIVE_BASE = "https://mybusiness.googleapis.com"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
NOT_POSTS = "ClearPost reads and answers Business Profile reviews; it does not publish local posts."
NO_HIDE = "A business cannot hide a Google review; flag it in Business Profile if it breaks policy."

CAPABILITIES = Capabilities(
    platform="Google Business Profile",
    image=None,
    video=None,
    max_items=0,
    max_caption=4096,
    can_delete=False,
    delete_note=NOT_POSTS,
    comments_read=True,
    comments_hide=False,
    comments_reply=True,
)


class GbpProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        timeout: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = Http(
            errors.PLATFORM, base_url, errors.classify, timeout=timeout, transport=transport
        )
        self.capabilities = CAPABILITIES

    def _h(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def validate(self, request: PublishRequest) -> list[Problem]:
        return [Problem("not_offered", NOT_POSTS)]

    def publish(
        self,
        request: PublishRequest,
        token: str,
        on_handle: HandleCallback | None = None,
        *,
        resume: str = "",
    ) -> Receipt:
        raise NotSupported(errors.PLATFORM, "publish posts", NOT_POSTS)

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        raise NotSupported(errors.PLATFORM, "read posts", NOT_POSTS)

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        return None

    def delete(self, post_id: str, token: str) -> DeleteResult:
        raise NotSupported(errors.PLATFORM, "delete posts", NOT_POSTS)

    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        """`post_id` is the location resource name; each review becomes a Comment whose
        text starts with its star rating."""
        body = self.http.json("GET", f"/v4/{post_id}/reviews", headers=self._h(token))
        out = []
        for r in body.get("reviews") or []:
            stars = STARS.get(str(r.get("starRating")), 0)
            when = str(r.get("createTime", "")).replace("Z", "+00:00")
            out.append(
                Comment(
                    id=str(r["name"]),
                    text=f"[{stars} star review] {r.get('comment', '')}",
                    author=str((r.get("reviewer") or {}).get("displayName", "")),
                    created_at=dt.datetime.fromisoformat(when) if when else None,
                    hidden=False,
                    parent_id="",
                )
            )
        return out

    def list_reviews(self, location: str, token: str) -> list[Comment]:
        return self.list_comments(location, token)

    def hide_comment(self, comment_id: str, token: str) -> None:
        raise NotSupported(errors.PLATFORM, "hide a review", NO_HIDE)

    def reply(self, comment_id: str, text: str, token: str) -> str:
        self.http.json(
            "PUT", f"/v4/{comment_id}/reply", json={"comment": text}, headers=self._h(token)
        )
        return f"{comment_id}/reply"
