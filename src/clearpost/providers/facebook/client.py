"""Facebook Page publishing through the Pages API with a Page access token.

One photo goes to `/{page}/photos`; several are uploaded unpublished and attached to
one `/{page}/feed` post (`attached_media`); a video goes to `/{page}/videos` by URL and
is live once `status.video_status` is `ready`. There is no idempotency key, so a create
whose answer was lost is looked for among the Page's published posts, never repeated.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from clearpost.providers import graph
from clearpost.providers.base import (
    Capabilities,
    Comment,
    DeleteOutcome,
    DeleteResult,
    HandleCallback,
    MediaLimits,
    PostState,
    PostStatus,
    Problem,
    PublishRequest,
    Receipt,
    caption_fingerprint,
    validate_against,
)
from clearpost.providers.errors import ErrorKind, ProviderError
from clearpost.providers.facebook import errors
from clearpost.providers.http import Http

LIVE_BASE = "https://graph.facebook.com"

CAPABILITIES = Capabilities(
    platform="Facebook",
    image=MediaLimits(frozenset({"image/jpeg", "image/png"}), 4 * 1024 * 1024),
    video=MediaLimits(frozenset({"video/mp4", "video/quicktime"}), 1024 * 1024 * 1024, 14400.0),
    max_items=10,
    max_caption=63206,
    can_delete=True,
    delete_note="Deletes the Page post (photo stories cannot be deleted through the API).",
    comments_read=True,
    comments_hide=True,
    comments_reply=True,
    needs_public_url=True,
)


def _parse_time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return None


class FacebookProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        version: str = graph.GRAPH_VERSION,
        timeout: float = 20.0,
        poll_interval: float = 5.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = Http(
            errors.PLATFORM, base_url, errors.classify, timeout=timeout, transport=transport
        )
        self.prefix = f"/{version}"
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.capabilities = CAPABILITIES

    def _p(self, path: str) -> str:
        return f"{self.prefix}/{path}"

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        videos = [m for m in request.media if m.is_video]
        if videos and len(request.media) > 1:
            problems.append(Problem("mixed_media", "A Facebook post takes one video alone."))
        if not request.media and not request.caption.strip():
            problems.append(Problem("empty", "The post has neither text nor media."))
        return problems

    def publish(
        self,
        request: PublishRequest,
        token: str,
        on_handle: HandleCallback | None = None,
        *,
        resume: str = "",
    ) -> Receipt:
        page = request.account_id
        hashes = tuple(m.sha256() for m in request.media)
        media = list(request.media)
        if resume:
            return self._finish_video(resume, token, hashes)
        if len(media) == 1 and media[0].is_video:
            body = self.http.json(
                "POST",
                self._p(f"{page}/videos"),
                data={
                    "file_url": media[0].public_url,
                    "description": request.caption,
                    "access_token": token,
                },
                create=True,
            )
            video_id = str(body.get("id") or "")
            if on_handle is not None:
                on_handle(video_id)
            return self._finish_video(video_id, token, hashes, page)
        if len(media) == 1:
            body = self.http.json(
                "POST",
                self._p(f"{page}/photos"),
                data={
                    "url": media[0].public_url,
                    "caption": request.caption,
                    "published": "true",
                    "access_token": token,
                },
                create=True,
            )
            post_id = str(body.get("post_id") or "")
        else:
            ids = []
            for m in media:
                photo = self.http.json(
                    "POST",
                    self._p(f"{page}/photos"),
                    data={"url": m.public_url, "published": "false", "access_token": token},
                )
                ids.append({"media_fbid": str(photo["id"])})
            data: dict[str, str] = {"message": request.caption, "access_token": token}
            if ids:
                data["attached_media"] = json.dumps(ids)
            body = self.http.json("POST", self._p(f"{page}/feed"), data=data, create=True)
            post_id = str(body.get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "Facebook answered without a post ID.",
                platform=errors.PLATFORM,
                maybe_committed=True,
            )
        return Receipt(
            PostState.PUBLISHED,
            post_id,
            self._permalink(post_id, token),
            dt.datetime.now(dt.UTC),
            media_hashes=hashes,
        )

    def _finish_video(
        self, video_id: str, token: str, hashes: tuple[str, ...], page: str = ""
    ) -> Receipt:
        waited = 0.0
        while True:
            body = self.http.json(
                "GET", self._p(video_id), params={"fields": "status", "access_token": token}
            )
            state = str((body.get("status") or {}).get("video_status", ""))
            if state in ("ready", "upload_complete"):
                break
            if state == "error":
                raise ProviderError(
                    ErrorKind.MEDIA_REJECTED,
                    "Facebook could not process the video.",
                    platform=errors.PLATFORM,
                    code="video_error",
                )
            if waited >= self.max_wait:
                return Receipt(PostState.PROCESSING, handle=video_id, media_hashes=hashes)
            self.sleep(self.poll_interval)
            waited += self.poll_interval
        post_id = f"{page}_{video_id}" if page else video_id
        return Receipt(
            PostState.PUBLISHED,
            post_id,
            self._permalink(post_id, token),
            dt.datetime.now(dt.UTC),
            video_id,
            hashes,
        )

    def _permalink(self, post_id: str, token: str) -> str:
        try:
            body = self.http.json(
                "GET", self._p(post_id), params={"fields": "permalink_url", "access_token": token}
            )
        except ProviderError:
            return ""
        return str(body.get("permalink_url") or "")

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        target = post_id or handle
        try:
            body = self.http.json(
                "GET",
                self._p(target),
                params={"fields": "id,permalink_url,created_time", "access_token": token},
            )
        except ProviderError as exc:
            if graph.is_gone(exc):
                return PostStatus(PostState.GONE, post_id, detail="Not on Facebook.")
            raise
        return PostStatus(PostState.PUBLISHED, post_id, str(body.get("permalink_url") or ""))

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        body = self.http.json(
            "GET",
            self._p(f"{request.account_id}/published_posts"),
            params={
                "fields": "id,message,created_time,permalink_url",
                "limit": 50,
                "access_token": token,
            },
        )
        want = caption_fingerprint(request.caption)
        for item in body.get("data", []):
            when = _parse_time(str(item.get("created_time", "")))
            if when is not None and when < since - dt.timedelta(minutes=5):
                continue
            if caption_fingerprint(str(item.get("message", ""))) == want:
                return PostStatus(
                    PostState.PUBLISHED, str(item["id"]), str(item.get("permalink_url") or "")
                )
        return None

    def delete(self, post_id: str, token: str) -> DeleteResult:
        try:
            self.http.json("DELETE", self._p(post_id), params={"access_token": token})
        except ProviderError as exc:
            if graph.is_gone(exc):
                return DeleteResult(DeleteOutcome.ALREADY_GONE, "Facebook no longer has this post.")
            raise
        return DeleteResult(DeleteOutcome.DELETED, "Facebook confirmed the deletion.")

    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        fields = "id,message,from,created_time,is_hidden"
        out: list[Comment] = []
        body = self.http.json(
            "GET", self._p(f"{post_id}/comments"), params={"fields": fields, "access_token": token}
        )
        for c in body.get("data", []):
            out.append(self._comment(c, ""))
            replies = self.http.json(
                "GET",
                self._p(f"{c['id']}/comments"),
                params={"fields": fields, "access_token": token},
            )
            out.extend(self._comment(r, str(c["id"])) for r in replies.get("data", []))
        return out

    def _comment(self, c: dict[str, Any], parent: str) -> Comment:
        return Comment(
            id=str(c["id"]),
            text=str(c.get("message", "")),
            author=str((c.get("from") or {}).get("name", "")),
            created_at=_parse_time(str(c.get("created_time", ""))),
            hidden=bool(c.get("is_hidden")),
            parent_id=parent,
        )

    def list_reviews(self, page_id: str, token: str) -> list[Comment]:
        """Page recommendations; each Comment's ID is its story, which replies go to."""
        body = self.http.json(
            "GET",
            self._p(f"{page_id}/ratings"),
            params={
                "fields": "reviewer,review_text,recommendation_type,created_time,open_graph_story",
                "access_token": token,
            },
        )
        out = []
        for r in body.get("data", []):
            story = str((r.get("open_graph_story") or {}).get("id", ""))
            verdict = (
                "Recommends" if r.get("recommendation_type") == "positive" else "Doesn't recommend"
            )
            out.append(
                Comment(
                    id=story,
                    text=f"[{verdict}] {r.get('review_text', '')}",
                    author=str((r.get("reviewer") or {}).get("name", "")),
                    created_at=_parse_time(str(r.get("created_time", ""))),
                )
            )
        return out

    def hide_comment(self, comment_id: str, token: str) -> None:
        self.http.json(
            "POST", self._p(comment_id), data={"is_hidden": "true", "access_token": token}
        )

    def reply(self, comment_id: str, text: str, token: str) -> str:
        body = self.http.json(
            "POST",
            self._p(f"{comment_id}/comments"),
            data={"message": text, "access_token": token},
            create=True,
        )
        return str(body.get("id", ""))
