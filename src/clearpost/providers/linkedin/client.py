"""LinkedIn organization page posts through the Posts and Images APIs.

Images are initialised for the organization, uploaded in one whole-file PUT (chunked
PUTs to one URL corrupt the file), and waited on until `AVAILABLE`; then one
`POST /rest/posts` whose URN comes back in the `x-restli-id` header, not the body.
LinkedIn gives no way to ask whether a lost create happened except listing the page's
posts by author, which `find_published` does. The commentary is "little text": reserved
characters are backslash-escaped or LinkedIn cuts the text at them.

Video is not offered by ClearPost on LinkedIn yet (capabilities say so); comments can be
read and answered but **not hidden**: LinkedIn has no hide operation.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

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
from clearpost.providers.linkedin import errors

LIVE_BASE = "https://api.linkedin.com"
API_VERSION = "202611"
RESERVED = "\\|{}@[]()<>#*_~"
NO_HIDE = (
    "LinkedIn has no API to hide a comment. Open the post on LinkedIn as a page admin, "
    "open the comment's menu and choose Delete, or report it."
)

CAPABILITIES = Capabilities(
    platform="LinkedIn",
    image=MediaLimits(frozenset({"image/jpeg", "image/png", "image/gif"}), 36 * 1024 * 1024),
    video=None,
    max_items=20,
    max_caption=3000,
    can_delete=True,
    delete_note="Deletes the organization post (idempotent).",
    comments_read=True,
    comments_hide=False,
    comments_reply=True,
)


def escape_little(text: str) -> str:
    return "".join("\\" + ch if ch in RESERVED else ch for ch in text)


def unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in RESERVED:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class LinkedInProvider:
    def __init__(
        self,
        base_url: str = LIVE_BASE,
        *,
        version: str = API_VERSION,
        timeout: float = 20.0,
        poll_interval: float = 2.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        public_base: str = "https://www.linkedin.com",
    ) -> None:
        self.http = Http(
            errors.PLATFORM, base_url, errors.classify, timeout=timeout, transport=transport
        )
        self.version = version
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep
        self.public_base = public_base
        self.capabilities = CAPABILITIES

    def _h(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _author(self, account_id: str) -> str:
        return account_id if account_id.startswith("urn:") else f"urn:li:organization:{account_id}"

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        if any(m.is_video for m in request.media):
            problems.append(Problem("media_type", "ClearPost posts only images to LinkedIn."))
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
        author = self._author(request.account_id)
        hashes = tuple(m.sha256() for m in request.media)
        images = [self._upload(author, m.path.read_bytes(), token) for m in request.media]
        for urn in images:
            self._wait_image(urn, token)
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_little(request.caption),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        alts = [m.alt_text for m in request.media]
        if len(images) == 1:
            body["content"] = {"media": {"id": images[0], "altText": alts[0]}}
        elif images:
            body["content"] = {
                "multiImage": {
                    "images": [{"id": u, "altText": a} for u, a in zip(images, alts, strict=True)]
                }
            }
        response = self.http.call(
            "POST", "/rest/posts", json=body, headers=self._h(token), create=True
        )
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                "LinkedIn answered 201 without the post's ID.",
                platform=errors.PLATFORM,
                code="no_id",
                maybe_committed=True,
            )
        return Receipt(
            PostState.PUBLISHED, urn, self._url(urn), dt.datetime.now(dt.UTC), media_hashes=hashes
        )

    def _url(self, urn: str) -> str:
        return f"{self.public_base}/feed/update/{urn}/"

    def _upload(self, owner: str, data: bytes, token: str) -> str:
        init = self.http.json(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": owner}},
            headers=self._h(token),
        )
        value = init.get("value") or {}
        self.http.call(
            "PUT",
            str(value["uploadUrl"]),
            content=data,
            headers={"Authorization": f"Bearer {token}"},
        )
        return str(value["image"])

    def _wait_image(self, urn: str, token: str) -> None:
        waited = 0.0
        while True:
            body = self.http.json(
                "GET", f"/rest/images/{urllib.parse.quote(urn, safe='')}", headers=self._h(token)
            )
            status = str(body.get("status", ""))
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise ProviderError(
                    ErrorKind.MEDIA_REJECTED,
                    f"LinkedIn could not process the image ({body.get('processingFailureReason', 'no reason')}).",
                    platform=errors.PLATFORM,
                    code="PROCESSING_FAILED",
                )
            if waited >= self.max_wait:
                raise ProviderError(
                    ErrorKind.TRANSIENT, "The image is still processing.", platform=errors.PLATFORM
                )
            self.sleep(self.poll_interval)
            waited += self.poll_interval

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus:
        try:
            self.http.json(
                "GET", f"/rest/posts/{urllib.parse.quote(post_id, safe='')}", headers=self._h(token)
            )
        except ProviderError as exc:
            if exc.code == "gone":
                return PostStatus(PostState.GONE, post_id, detail="Not on LinkedIn.")
            raise
        return PostStatus(PostState.PUBLISHED, post_id, self._url(post_id))

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None:
        body = self.http.json(
            "GET",
            "/rest/posts",
            params={"q": "author", "author": self._author(request.account_id), "count": 50},
            headers=self._h(token),
        )
        want = caption_fingerprint(request.caption)
        for p in body.get("elements", []):
            when = dt.datetime.fromtimestamp(int(p.get("publishedAt", 0)) / 1000, dt.UTC)
            if when < since - dt.timedelta(minutes=5):
                continue
            if caption_fingerprint(unescape(str(p.get("commentary", "")))) == want:
                return PostStatus(PostState.PUBLISHED, str(p["id"]), self._url(str(p["id"])))
        return None

    def delete(self, post_id: str, token: str) -> DeleteResult:
        self.http.call(
            "DELETE", f"/rest/posts/{urllib.parse.quote(post_id, safe='')}", headers=self._h(token)
        )
        return DeleteResult(DeleteOutcome.DELETED, "LinkedIn confirmed the deletion (204).")

    def list_comments(self, post_id: str, token: str) -> list[Comment]:
        body = self.http.json(
            "GET",
            f"/rest/socialActions/{urllib.parse.quote(post_id, safe='')}/comments",
            headers=self._h(token),
        )
        out = []
        for c in body.get("elements", []):
            parent = str(c.get("parentComment", ""))
            out.append(
                Comment(
                    id=str(c.get("$URN") or c["id"]),
                    text=str((c.get("message") or {}).get("text", "")),
                    author=str(c.get("actor", "")),
                    created_at=dt.datetime.fromtimestamp(
                        int((c.get("created") or {}).get("time", 0)) / 1000, dt.UTC
                    ),
                    parent_id=parent,
                )
            )
        return out

    def hide_comment(self, comment_id: str, token: str) -> None:
        raise NotSupported(errors.PLATFORM, "hide a comment", NO_HIDE)

    def reply(self, comment_id: str, text: str, token: str) -> str:
        # comment_id is the comment URN: urn:li:comment:(<post urn>,<id>)
        inner = comment_id.removeprefix("urn:li:comment:(").removesuffix(")")
        post_urn = inner.rsplit(",", 1)[0]
        actor = self._author_of(post_urn, token)
        body = self.http.json(
            "POST",
            f"/rest/socialActions/{urllib.parse.quote(post_urn, safe='')}/comments",
            json={
                "actor": actor,
                "object": post_urn,
                "message": {"text": text},
                "parentComment": comment_id,
            },
            headers=self._h(token),
            create=True,
        )
        return str(body.get("$URN") or body.get("id") or "")

    def _author_of(self, post_urn: str, token: str) -> str:
        body = self.http.json(
            "GET", f"/rest/posts/{urllib.parse.quote(post_urn, safe='')}", headers=self._h(token)
        )
        return str(body.get("author", ""))
