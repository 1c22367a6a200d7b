"""X posts through API v2 with an OAuth 2.0 user token.

Media goes up through the v2 upload endpoints (initialize, append in 1 MB segments,
finalize, then STATUS until `succeeded` when `processing_info` is present); the post is
one `POST /2/tweets`. X has no idempotency key and refuses identical text with 403, so
a lost create is looked for in the user's own timeline, never re-sent. Replies can be
hidden only in conversations the practice started (its own posts), which is exactly
the comments ClearPost looks after.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import httpx

from clearpost.providers.base import (
    Capabilities,
    Comment,
    DeleteOutcome,
    DeleteResult,
    HandleCallback,
    MediaFile,
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
from clearpost.providers.http import Http
from clearpost.providers.x import errors

LIVE_BASE = "https://api.x.com"
SEGMENT = 1024 * 1024

CAPABILITIES = Capabilities(
    platform="X",
    image=MediaLimits(frozenset({"image/jpeg", "image/png", "image/webp"}), 5 * 1024 * 1024),
    video=MediaLimits(frozenset({"video/mp4", "video/quicktime"}), 512 * 1024 * 1024, 140.0),
    max_items=4,
    max_caption=280,
    can_delete=True,
    delete_note="Deletes the post (and its whole edit chain).",
    comments_read=True,
    comments_hide=True,
    comments_reply=True,
)


def _parse(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


class XProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        username: str = "",
        timeout: float = 20.0,
        poll_interval: float = 2.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        public_base: str = "https://x.com",
    ) -> None:
        self.http = Http(
            errors.PLATFORM, base_url, errors.classify, timeout=timeout, transport=transport
        )
        self.username = username
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.public_base = public_base
        self.capabilities = CAPABILITIES

    def _h(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        if any(m.is_video for m in request.media) and len(request.media) > 1:
            problems.append(Problem("mixed_media", "An X post takes one video alone."))
        if not request.caption.strip() and not request.media:
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
        hashes = tuple(m.sha256() for m in request.media)
        media_ids = [self._upload(m, token) for m in request.media]
        if on_handle is not None and media_ids:
            on_handle(",".join(media_ids))
        body: dict[str, Any] = {"text": request.caption}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        answer = self.http.json("POST", "/2/tweets", json=body, headers=self._h(token), create=True)
        post_id = str((answer.get("data") or {}).get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "X answered without a post ID.",
                platform=errors.PLATFORM,
                maybe_committed=True,
            )
        return Receipt(
            PostState.PUBLISHED,
            post_id,
            self._url(post_id),
            dt.datetime.now(dt.UTC),
            media_hashes=hashes,
        )

    def _url(self, post_id: str) -> str:
        return f"{self.public_base}/{self.username or 'i'}/status/{post_id}"

    def _upload(self, media: MediaFile, token: str) -> str:
        data = media.path.read_bytes()
        category = "tweet_video" if media.is_video else "tweet_image"
        if media.mime_type == "image/gif":
            category = "tweet_gif"
        init = self.http.json(
            "POST",
            "/2/media/upload/initialize",
            json={
                "media_type": media.mime_type,
                "total_bytes": len(data),
                "media_category": category,
            },
            headers=self._h(token),
        )
        media_id = str((init.get("data") or {})["id"])
        for index, start in enumerate(range(0, len(data), SEGMENT)):
            self.http.call(
                "POST",
                f"/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={
                    "media": ("blob", data[start : start + SEGMENT], "application/octet-stream")
                },
                headers=self._h(token),
            )
        fin = self.http.json("POST", f"/2/media/upload/{media_id}/finalize", headers=self._h(token))
        info = (fin.get("data") or {}).get("processing_info")
        waited = 0.0
        while info and info.get("state") != "succeeded":
            if info.get("state") == "failed":
                raise ProviderError(
                    ErrorKind.MEDIA_REJECTED,
                    f"X could not process the media ({(info.get('error') or {}).get('message', 'no reason')}).",
                    platform=errors.PLATFORM,
                    code="processing_failed",
                )
            if waited >= self.max_wait:
                raise ProviderError(
                    ErrorKind.TRANSIENT, "The media is still processing.", platform=errors.PLATFORM
                )
            pause = float(info.get("check_after_secs") or self.poll_interval)
            self.sleep(pause)
            waited += pause
            status = self.http.json(
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
                headers=self._h(token),
            )
            info = (status.get("data") or {}).get("processing_info")
        return media_id

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        try:
            self.http.json("GET", f"/2/tweets/{post_id}", headers=self._h(token))
        except ProviderError as exc:
            if exc.code == "gone":
                return PostStatus(PostState.GONE, post_id, detail="Not on X.")
            raise
        return PostStatus(PostState.PUBLISHED, post_id, self._url(post_id))

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        start = (since - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = self.http.json(
            "GET",
            f"/2/users/{request.account_id}/tweets",
            params={"max_results": 20, "start_time": start, "tweet.fields": "created_at"},
            headers=self._h(token),
        )
        want = caption_fingerprint(request.caption)
        for t in body.get("data") or []:
            if caption_fingerprint(str(t.get("text", ""))) == want:
                return PostStatus(PostState.PUBLISHED, str(t["id"]), self._url(str(t["id"])))
        return None

    def delete(self, post_id: str, token: str) -> DeleteResult:
        try:
            body = self.http.json("DELETE", f"/2/tweets/{post_id}", headers=self._h(token))
        except ProviderError as exc:
            if exc.code == "gone":
                return DeleteResult(DeleteOutcome.ALREADY_GONE, "X no longer has this post.")
            raise
        if (body.get("data") or {}).get("deleted") is not True:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "X did not confirm the deletion (deleted=false).",
                platform=errors.PLATFORM,
                code="not_deleted",
            )
        return DeleteResult(DeleteOutcome.DELETED, "X confirmed the deletion.")

    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        body = self.http.json(
            "GET",
            "/2/tweets/search/recent",
            params={
                "query": f"conversation_id:{post_id}",
                "tweet.fields": "author_id,created_at,conversation_id,in_reply_to_user_id",
            },
            headers=self._h(token),
        )
        return [
            Comment(
                id=str(t["id"]),
                text=str(t.get("text", "")),
                author=str(t.get("author_id", "")),
                created_at=_parse(str(t.get("created_at", ""))),
                hidden=bool(t.get("hidden")),
                parent_id=post_id,
            )
            for t in body.get("data") or []
        ]

    def hide_comment(self, comment_id: str, token: str) -> None:
        self.http.json(
            "PUT", f"/2/tweets/{comment_id}/hidden", json={"hidden": True}, headers=self._h(token)
        )

    def reply(self, comment_id: str, text: str, token: str) -> str:
        body = self.http.json(
            "POST",
            "/2/tweets",
            json={"text": text, "reply": {"in_reply_to_tweet_id": comment_id}},
            headers=self._h(token),
            create=True,
        )
        return str((body.get("data") or {}).get("id", ""))
