"""Instagram through Facebook Login (host graph.facebook.com): the one path that can
delete a post when a patient revokes.

Publishing is container -> wait for FINISHED -> `media_publish` -> permalink. The
parent container's ID is reported through `on_handle` before `media_publish`, so an
attempt that dies after that point is resumed from the same container (a container can
be published at most once) or found among the account's recent media.

**What the Instagram Login path (graph.instagram.com) cannot do**, and why ClearPost
connects Instagram through Facebook Login only: it has no media delete (calls get Meta's
"does not support DELETE" errors), so a post made that way cannot be taken down
automatically when a release is revoked; `InstagramProvider(login="instagram")`
therefore reports `can_delete=False` and `delete()` raises `NotSupported` with the manual
steps. Neither path can delete a single carousel slide, only the whole post.
"""

from __future__ import annotations

import datetime as dt
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
from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError
from clearpost.providers.http import Http
from clearpost.providers.instagram import errors

LIVE_BASE = "https://graph.facebook.com"
MANUAL_DELETE_STEPS = (
    "Open the post in the Instagram app, tap the three dots, choose Delete and confirm; "
    "then record the takedown in ClearPost."
)

CAPABILITIES = Capabilities(
    platform="Instagram",
    image=MediaLimits(frozenset({"image/jpeg"}), 8 * 1024 * 1024, None, 0.8, 1.91),
    video=MediaLimits(frozenset({"video/mp4", "video/quicktime"}), 300 * 1000 * 1000, 900.0),
    max_items=10,
    max_caption=2200,
    can_delete=True,
    delete_note=(
        "Deletes the whole post through Facebook Login with instagram_manage_contents; "
        "a single carousel slide cannot be deleted."
    ),
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


class InstagramProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        version: str = graph.GRAPH_VERSION,
        login: str = "facebook",
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
        self.login = login
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.capabilities = CAPABILITIES
        if login == "instagram":
            self.capabilities = Capabilities(
                **{
                    **CAPABILITIES.__dict__,
                    "can_delete": False,
                    "delete_note": "The Instagram Login path has no media delete: manual takedown.",
                }
            )

    def _p(self, path: str) -> str:
        return f"{self.prefix}/{path}"

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        if not request.media:
            problems.append(Problem("no_media", "Instagram posts need a photo or a video."))
        if request.caption.count("#") > 30:
            problems.append(Problem("hashtags", "Instagram allows at most 30 hashtags."))
        return problems

    # --- publish -----------------------------------------------------------------
    def publish(
        self,
        request: PublishRequest,
        token: str,
        on_handle: HandleCallback | None = None,
        *,
        resume: str = "",
    ) -> Receipt:
        ig = request.account_id
        hashes = tuple(m.sha256() for m in request.media)
        container = ""
        if resume:
            state, _ = self._container(resume, token)
            if state == "PUBLISHED":
                found = self.find_published(
                    request, token, dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
                )
                if found is not None:
                    return Receipt(
                        PostState.PUBLISHED, found.post_id, found.url, None, resume, hashes
                    )
            elif state in ("FINISHED", "IN_PROGRESS"):
                container = resume
        self._check_quota(ig, token)
        if not container:
            container = self._create(request, token)
            if on_handle is not None:
                on_handle(container)
        if not self._wait(container, token):
            return Receipt(PostState.PROCESSING, handle=container, media_hashes=hashes)
        body = self.http.json(
            "POST",
            self._p(f"{ig}/media_publish"),
            data={"creation_id": container, "access_token": token},
            create=True,
        )
        media_id = str(body.get("id") or "")
        if not media_id:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "Instagram answered without a media ID.",
                platform=errors.PLATFORM,
                maybe_committed=True,
            )
        permalink = self._permalink(media_id, token)
        return Receipt(
            PostState.PUBLISHED,
            media_id,
            permalink,
            dt.datetime.now(dt.UTC),
            container,
            hashes,
        )

    def _check_quota(self, ig: str, token: str) -> None:
        since = int(time.time()) - 86400
        body = self.http.json(
            "GET",
            self._p(f"{ig}/content_publishing_limit"),
            params={"fields": "quota_usage,config", "since": since, "access_token": token},
        )
        rows = body.get("data") or [{}]
        usage = int(rows[0].get("quota_usage", 0))
        total = int((rows[0].get("config") or {}).get("quota_total", 0) or 0)
        if total and usage >= total:
            raise ProviderError(
                ErrorKind.RATE_LIMITED,
                f"{usage} of {total} posts in the last 24 hours are used.",
                platform=errors.PLATFORM,
                code="quota",
                retry_after=3600.0,
            )

    def _create(self, request: PublishRequest, token: str) -> str:
        ig = request.account_id
        if len(request.media) == 1:
            return self._container_for(ig, request.media[0], token, caption=request.caption)
        children = [self._container_for(ig, m, token, item=True) for m in request.media]
        for child in children:
            if not self._wait(child, token):
                raise ProviderError(
                    ErrorKind.TRANSIENT,
                    "A carousel item is still processing.",
                    platform=errors.PLATFORM,
                )
        body = self.http.json(
            "POST",
            self._p(f"{ig}/media"),
            data={
                "media_type": "CAROUSEL",
                "children": ",".join(children),
                "caption": request.caption,
                "access_token": token,
            },
        )
        return str(body["id"])

    def _container_for(
        self, ig: str, media: Any, token: str, *, caption: str | None = None, item: bool = False
    ) -> str:
        data: dict[str, str] = {"access_token": token}
        if media.is_video:
            data.update(media_type="VIDEO" if item else "REELS", video_url=media.public_url)
        else:
            data["image_url"] = media.public_url
            if media.alt_text:
                data["alt_text"] = media.alt_text
        if item:
            data["is_carousel_item"] = "true"
        if caption is not None:
            data["caption"] = caption
        body = self.http.json("POST", self._p(f"{ig}/media"), data=data)
        if "id" not in body:
            raise ProviderError(
                ErrorKind.UNKNOWN, "No container ID in the answer.", platform=errors.PLATFORM
            )
        return str(body["id"])

    def _container(self, container: str, token: str) -> tuple[str, str]:
        body = self.http.json(
            "GET",
            self._p(container),
            params={"fields": "status_code,status", "access_token": token},
        )
        return str(body.get("status_code", "")), str(body.get("status", ""))

    def _wait(self, container: str, token: str) -> bool:
        """True once FINISHED; False if still processing after `max_wait`."""
        waited = 0.0
        while True:
            state, status = self._container(container, token)
            if state == "FINISHED":
                return True
            if state in ("ERROR", "EXPIRED"):
                raise errors.container_error(state, status)
            if state == "PUBLISHED":
                raise ProviderError(
                    ErrorKind.UNKNOWN,
                    "This upload was already published.",
                    platform=errors.PLATFORM,
                    code="already_published",
                    maybe_committed=True,
                )
            if waited >= self.max_wait:
                return False
            self.sleep(self.poll_interval)
            waited += self.poll_interval

    def _permalink(self, media_id: str, token: str) -> str:
        try:
            body = self.http.json(
                "GET", self._p(media_id), params={"fields": "permalink", "access_token": token}
            )
        except ProviderError:
            return ""  # the post is live; the link can be read later
        return str(body.get("permalink") or "")

    # --- status and reconciliation -------------------------------------------------
    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        if post_id:
            try:
                body = self.http.json(
                    "GET",
                    self._p(post_id),
                    params={"fields": "id,permalink,timestamp", "access_token": token},
                )
            except ProviderError as exc:
                if graph.is_gone(exc):
                    return PostStatus(PostState.GONE, post_id, detail="Not on Instagram.")
                raise
            return PostStatus(PostState.PUBLISHED, post_id, str(body.get("permalink") or ""))
        state, status = self._container(handle, token)
        if state in ("IN_PROGRESS", "FINISHED"):
            return PostStatus(PostState.PROCESSING, detail=state)
        if state == "PUBLISHED":
            return PostStatus(PostState.PUBLISHED, detail="published; media ID not yet read")
        return PostStatus(PostState.FAILED, detail=f"{state}: {status}")

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        body = self.http.json(
            "GET",
            self._p(f"{request.account_id}/media"),
            params={"fields": "id,caption,permalink,timestamp", "limit": 50, "access_token": token},
        )
        want = caption_fingerprint(request.caption)
        for item in body.get("data", []):
            when = _parse_time(str(item.get("timestamp", "")))
            if when is not None and when < since - dt.timedelta(minutes=5):
                continue
            if caption_fingerprint(str(item.get("caption", ""))) == want:
                return PostStatus(
                    PostState.PUBLISHED, str(item["id"]), str(item.get("permalink") or "")
                )
        return None

    # --- delete ------------------------------------------------------------------
    def delete(self, post_id: str, token: str) -> DeleteResult:
        if self.login == "instagram":
            raise NotSupported(
                errors.PLATFORM,
                "delete a post connected through Instagram Login",
                MANUAL_DELETE_STEPS,
            )
        try:
            self.http.json("DELETE", self._p(post_id), params={"access_token": token})
        except ProviderError as exc:
            if graph.is_gone(exc):
                return DeleteResult(
                    DeleteOutcome.ALREADY_GONE, "Instagram no longer has this post."
                )
            raise
        return DeleteResult(DeleteOutcome.DELETED, "Instagram confirmed the deletion.")

    # --- comments ----------------------------------------------------------------
    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        fields = "id,text,username,timestamp,hidden"
        body = self.http.json(
            "GET", self._p(f"{post_id}/comments"), params={"fields": fields, "access_token": token}
        )
        out: list[Comment] = []
        for c in body.get("data", []):
            out.append(self._comment(c, ""))
            replies = self.http.json(
                "GET",
                self._p(f"{c['id']}/replies"),
                params={"fields": fields, "access_token": token},
            )
            out.extend(self._comment(r, str(c["id"])) for r in replies.get("data", []))
        return out

    def _comment(self, c: dict[str, Any], parent: str) -> Comment:
        return Comment(
            id=str(c["id"]),
            text=str(c.get("text", "")),
            author=str(c.get("username", "")),
            created_at=_parse_time(str(c.get("timestamp", ""))),
            hidden=bool(c.get("hidden")),
            parent_id=parent,
        )

    def hide_comment(self, comment_id: str, token: str) -> None:
        self.http.json("POST", self._p(comment_id), data={"hide": "true", "access_token": token})

    def reply(self, comment_id: str, text: str, token: str) -> str:
        body = self.http.json(
            "POST",
            self._p(f"{comment_id}/replies"),
            data={"message": text, "access_token": token},
            create=True,
        )
        return str(body.get("id", ""))
