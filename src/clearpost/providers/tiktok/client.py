"""TikTok Direct Post through the Content Posting API.

Videos go up as one FILE_UPLOAD (TikTok's chunk rules; no domain verification needed),
photos by PULL_FROM_URL from a verified prefix. The `publish_id` is reported through
`on_handle` right after init, so an attempt whose answer was lost is followed by status
reads, never a second init. `PUBLISH_COMPLETE` may arrive before moderation hands out a
post ID; the receipt then stays PROCESSING with the handle until it does.

**TikTok cannot delete through its API**: `delete()` raises `NotSupported` with the
steps for a manual takedown in the app. Comments are not readable through the Content
Posting API (only the separate Business API offers them), so the inbox skips TikTok.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from clearpost.providers.base import (
    Capabilities,
    Comment,
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
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.http import Http
from clearpost.providers.tiktok import errors

LIVE_BASE = "https://open.tiktokapis.com"
MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64 * 1024 * 1024
MANUAL_DELETE_STEPS = (
    "TikTok has no delete API. Open the TikTok app signed in as the practice account, open "
    "the video, tap the three dots (or Share), choose Delete and confirm; then record the "
    "takedown in ClearPost."
)
NO_COMMENTS = "TikTok's Content Posting API does not expose comments; moderate them in the app."

CAPABILITIES = Capabilities(
    platform="TikTok",
    image=MediaLimits(frozenset({"image/jpeg", "image/webp"}), 20 * 1024 * 1024),
    video=MediaLimits(
        frozenset({"video/mp4", "video/quicktime", "video/webm"}), 4 * 1024**3, 600.0
    ),
    max_items=35,
    max_caption=2200,
    can_delete=False,
    delete_note="No delete API: a manual takedown task in the TikTok app.",
    comments_read=False,
    comments_hide=False,
    comments_reply=False,
    needs_public_url=False,
)


def chunk_plan(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) by TikTok's rules: one chunk under 64 MB."""
    if size <= MAX_CHUNK:
        return size, 1
    chunk = 10 * 1024 * 1024
    return chunk, math.floor(size / chunk)


class TikTokProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        username: str = "",
        timeout: float = 30.0,
        poll_interval: float = 5.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = Http(
            errors.PLATFORM, base_url, errors.classify, timeout=timeout, transport=transport
        )
        self.username = username
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.capabilities = CAPABILITIES

    def _h(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json; charset=UTF-8",
        }

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        videos = [m for m in request.media if m.is_video]
        if not request.media:
            problems.append(Problem("no_media", "TikTok posts need a video or photos."))
        if videos and len(request.media) > 1:
            problems.append(Problem("mixed_media", "A TikTok video post takes one video alone."))
        if request.media and not videos and not all(m.public_url for m in request.media):
            problems.append(
                Problem("no_public_url", "TikTok photo posts are pulled from a verified address.")
            )
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
        if resume:
            return self._wait(resume, token, hashes)
        info = self.http.json(
            "POST", "/v2/post/publish/creator_info/query/", headers=self._h(token)
        )
        options = (info.get("data") or {}).get("privacy_level_options") or []
        privacy = "PUBLIC_TO_EVERYONE" if "PUBLIC_TO_EVERYONE" in options else "SELF_ONLY"
        video = request.media[0] if request.media and request.media[0].is_video else None
        if video is not None:
            data = video.path.read_bytes()
            chunk, count = chunk_plan(len(data))
            body = self.http.json(
                "POST",
                "/v2/post/publish/video/init/",
                headers=self._h(token),
                json={
                    "post_info": {
                        "title": request.caption,
                        "privacy_level": privacy,
                        "disable_duet": False,
                        "disable_comment": False,
                        "disable_stitch": False,
                        "brand_content_toggle": False,
                        "brand_organic_toggle": True,
                    },
                    "source_info": {
                        "source": "FILE_UPLOAD",
                        "video_size": len(data),
                        "chunk_size": chunk,
                        "total_chunk_count": count,
                    },
                },
                create=True,
            )
            publish_id, upload_url = self._ids(body)
            if on_handle is not None:
                on_handle(publish_id)
            self._upload(upload_url, data, chunk, count, video.mime_type)
        else:
            body = self.http.json(
                "POST",
                "/v2/post/publish/content/init/",
                headers=self._h(token),
                json={
                    "media_type": "PHOTO",
                    "post_mode": "DIRECT_POST",
                    "post_info": {
                        "title": request.title[:90],
                        "description": request.caption,
                        "privacy_level": privacy,
                        "disable_comment": False,
                        "auto_add_music": True,
                    },
                    "source_info": {
                        "source": "PULL_FROM_URL",
                        "photo_images": [m.public_url for m in request.media],
                        "photo_cover_index": 0,
                    },
                },
                create=True,
            )
            publish_id, _ = self._ids(body)
            if on_handle is not None:
                on_handle(publish_id)
        return self._wait(publish_id, token, hashes)

    def _ids(self, body: dict[str, Any]) -> tuple[str, str]:
        data = body.get("data") or {}
        publish_id = str(data.get("publish_id") or "")
        if not publish_id:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "TikTok answered without a publish_id.",
                platform=errors.PLATFORM,
                maybe_committed=True,
            )
        return publish_id, str(data.get("upload_url") or "")

    def _upload(self, url: str, data: bytes, chunk: int, count: int, mime: str) -> None:
        for i in range(count):
            first = i * chunk
            last = len(data) - 1 if i == count - 1 else first + chunk - 1
            self.http.call(
                "PUT",
                url,
                content=data[first : last + 1],
                headers={
                    "Content-Type": mime,
                    "Content-Range": f"bytes {first}-{last}/{len(data)}",
                },
            )

    def _fetch(self, publish_id: str, token: str) -> dict[str, Any]:
        body = self.http.json(
            "POST",
            "/v2/post/publish/status/fetch/",
            headers=self._h(token),
            json={"publish_id": publish_id},
        )
        return dict(body.get("data") or {})

    def _wait(self, publish_id: str, token: str, hashes: tuple[str, ...]) -> Receipt:
        waited = 0.0
        while True:
            data = self._fetch(publish_id, token)
            state = str(data.get("status", ""))
            ids = data.get("publicaly_available_post_id") or []
            if state == "FAILED":
                raise errors.fail_reason(str(data.get("fail_reason", "")))
            if state == "PUBLISH_COMPLETE" and ids:
                post_id = str(ids[0])
                return Receipt(
                    PostState.PUBLISHED,
                    post_id,
                    self._url(post_id),
                    dt.datetime.now(dt.UTC),
                    publish_id,
                    hashes,
                )
            if state == "SEND_TO_USER_INBOX":
                return Receipt(
                    PostState.MANUAL,
                    handle=publish_id,
                    media_hashes=hashes,
                    detail="Sent to the TikTok inbox; finish the post in the app.",
                )
            if waited >= self.max_wait:
                return Receipt(
                    PostState.PROCESSING,
                    handle=publish_id,
                    media_hashes=hashes,
                    detail=state or "waiting",
                )
            self.sleep(self.poll_interval)
            waited += self.poll_interval

    def _url(self, post_id: str) -> str:
        base = str(self.http.client.base_url).rstrip("/")
        if "open.tiktokapis.com" in base:
            base = "https://www.tiktok.com"
        return f"{base}/@{self.username or 'account'}/video/{post_id}"

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        if handle:
            data = self._fetch(handle, token)
            ids = data.get("publicaly_available_post_id") or []
            state = str(data.get("status", ""))
            if state == "PUBLISH_COMPLETE" and ids:
                return PostStatus(PostState.PUBLISHED, str(ids[0]), self._url(str(ids[0])))
            if state == "FAILED":
                return PostStatus(PostState.FAILED, detail=str(data.get("fail_reason", "")))
            return PostStatus(PostState.PROCESSING, detail=state)
        found = self._list(token)
        for v in found:
            if str(v.get("id")) == post_id:
                return PostStatus(PostState.PUBLISHED, post_id, str(v.get("share_url", "")))
        return PostStatus(PostState.GONE, post_id, detail="Not among the account's videos.")

    def _list(self, token: str) -> list[dict[str, Any]]:
        body = self.http.json(
            "POST",
            "/v2/video/list/",
            params={"fields": "id,title,create_time,share_url"},
            headers=self._h(token),
            json={"max_count": 20},
        )
        return list((body.get("data") or {}).get("videos") or [])

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        want = caption_fingerprint(request.caption)
        for v in self._list(token):
            created = dt.datetime.fromtimestamp(int(v.get("create_time", 0)), dt.UTC)
            if created < since - dt.timedelta(minutes=5):
                continue
            if caption_fingerprint(str(v.get("title", ""))) == want:
                return PostStatus(PostState.PUBLISHED, str(v["id"]), str(v.get("share_url", "")))
        return None

    def delete(self, post_id: str, token: str) -> DeleteResult:
        raise NotSupported(errors.PLATFORM, "delete a post", MANUAL_DELETE_STEPS)

    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        raise NotSupported(errors.PLATFORM, "read comments", NO_COMMENTS)

    def hide_comment(self, comment_id: str, token: str) -> None:
        raise NotSupported(errors.PLATFORM, "hide comments", NO_COMMENTS)

    def reply(self, comment_id: str, text: str, token: str) -> str:
        raise NotSupported(errors.PLATFORM, "reply to comments", NO_COMMENTS)
