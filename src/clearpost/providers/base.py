"""The provider protocol: what every publishing target offers, in plain data.

Pure Python (no Django), like the engine: the publishing app hands a provider a
`PublishRequest` and an access token and gets back receipts, statuses, delete outcomes
and comments. Asynchronous platforms (Instagram containers, TikTok publish IDs, X media
processing) report each intermediate handle through `on_handle` before the next call,
so the app can store it in the publish attempt and reconcile after a crash instead of
creating the post a second time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from clearpost.providers.errors import ErrorKind, NotSupported, ProviderError

__all__ = [
    "Capabilities",
    "Comment",
    "DeleteOutcome",
    "DeleteResult",
    "ErrorKind",
    "MediaFile",
    "NotSupported",
    "PostState",
    "PostStatus",
    "Problem",
    "Provider",
    "ProviderError",
    "PublishRequest",
    "Receipt",
    "caption_fingerprint",
]


@dataclasses.dataclass(frozen=True)
class MediaLimits:
    mime_types: frozenset[str]
    max_bytes: int
    max_duration_s: float | None = None
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None


@dataclasses.dataclass(frozen=True)
class Capabilities:
    platform: str
    image: MediaLimits | None
    video: MediaLimits | None
    max_items: int
    max_caption: int
    can_delete: bool
    delete_note: str
    comments_read: bool
    comments_hide: bool
    comments_reply: bool
    needs_public_url: bool = False


@dataclasses.dataclass(frozen=True)
class MediaFile:
    """One cleared file. `public_url` is required by platforms that fetch media."""

    path: Path
    mime_type: str
    alt_text: str = ""
    public_url: str = ""
    width: int = 0
    height: int = 0
    duration_s: float = 0.0

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")


@dataclasses.dataclass(frozen=True)
class PublishRequest:
    account_id: str  # the platform's ID of the page/organization/user
    caption: str
    media: Sequence[MediaFile] = ()
    title: str = ""  # website gallery heading, TikTok title
    reference: str = ""  # ClearPost's own ID of the post, for kits and gallery pages
    evidence: tuple[tuple[str, str], ...] = ()  # (label, value) lines for a kit's evidence sheet


@dataclasses.dataclass(frozen=True)
class Problem:
    code: str
    message: str


class PostState(enum.StrEnum):
    PROCESSING = "processing"  # accepted, not yet live (container, publish ID, moderation)
    PUBLISHED = "published"
    FAILED = "failed"
    GONE = "gone"  # deleted or never existed
    MANUAL = "manual"  # a kit: ClearPost cannot know, a person posts it


@dataclasses.dataclass(frozen=True)
class Receipt:
    state: PostState
    post_id: str = ""
    url: str = ""
    published_at: dt.datetime | None = None
    handle: str = ""  # the platform's in-flight ID (container, publish_id) when PROCESSING
    media_hashes: tuple[str, ...] = ()
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class PostStatus:
    state: PostState
    post_id: str = ""
    url: str = ""
    detail: str = ""


class DeleteOutcome(enum.StrEnum):
    DELETED = "deleted"
    ALREADY_GONE = "already_gone"


@dataclasses.dataclass(frozen=True)
class DeleteResult:
    outcome: DeleteOutcome
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Comment:
    id: str
    text: str
    author: str
    created_at: dt.datetime | None
    hidden: bool = False
    parent_id: str = ""


HandleCallback = Callable[[str], None]


@runtime_checkable
class Provider(Protocol):
    capabilities: Capabilities

    def validate(self, request: PublishRequest) -> list[Problem]: ...

    def publish(
        self,
        request: PublishRequest,
        token: str,
        on_handle: HandleCallback | None = None,
        *,
        resume: str = "",
    ) -> Receipt: ...

    def status(self, post_id: str, token: str, *, handle: str = "") -> PostStatus: ...

    def find_published(
        self, request: PublishRequest, token: str, since: dt.datetime
    ) -> PostStatus | None: ...

    def delete(self, post_id: str, token: str) -> DeleteResult: ...

    def list_comments(self, post_id: str, token: str) -> list[Comment]: ...

    def hide_comment(self, comment_id: str, token: str) -> None: ...

    def reply(self, comment_id: str, text: str, token: str) -> str: ...


def caption_fingerprint(text: str) -> str:
    """Whitespace- and case-insensitive hash of a caption, to recognise our own post
    among an account's recent posts when a create's outcome was not seen."""
    norm = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha256(norm.encode()).hexdigest()


def validate_against(caps: Capabilities, request: PublishRequest) -> list[Problem]:
    """The checks every provider shares: caption length, item count, types, sizes."""
    problems: list[Problem] = []
    if len(request.caption) > caps.max_caption:
        problems.append(
            Problem(
                "caption_too_long",
                f"The caption has {len(request.caption)} characters; "
                f"{caps.platform} allows {caps.max_caption}.",
            )
        )
    if len(request.media) > caps.max_items:
        problems.append(
            Problem(
                "too_many_items",
                f"{len(request.media)} files; {caps.platform} allows at most {caps.max_items}.",
            )
        )
    for i, m in enumerate(request.media, start=1):
        limits = caps.video if m.is_video else caps.image
        kind = "video" if m.is_video else "image"
        if limits is None:
            problems.append(
                Problem("media_type", f"File {i}: {caps.platform} takes no {kind} here.")
            )
            continue
        if m.mime_type not in limits.mime_types:
            allowed = ", ".join(sorted(limits.mime_types))
            problems.append(
                Problem(
                    "media_type",
                    f"File {i} is {m.mime_type}; {caps.platform} accepts {allowed}.",
                )
            )
        if m.path.exists() and m.size > limits.max_bytes:
            problems.append(
                Problem(
                    "media_too_large",
                    f"File {i} is {m.size / 1e6:.1f} MB; {caps.platform} accepts up to "
                    f"{limits.max_bytes / 1e6:.0f} MB.",
                )
            )
        if limits.max_duration_s and m.duration_s > limits.max_duration_s:
            problems.append(
                Problem(
                    "video_too_long",
                    f"File {i} lasts {m.duration_s:.0f} s; the limit is "
                    f"{limits.max_duration_s:.0f} s.",
                )
            )
        if m.width and m.height and limits.min_aspect and limits.max_aspect:
            ratio = m.width / m.height
            if not limits.min_aspect - 0.01 <= ratio <= limits.max_aspect + 0.01:
                problems.append(
                    Problem(
                        "aspect_ratio",
                        f"File {i} is {m.width}x{m.height}; {caps.platform} needs a width/height "
                        f"ratio between {limits.min_aspect:.2f} and {limits.max_aspect:.2f}.",
                    )
                )
        if caps.needs_public_url and not m.public_url:
            problems.append(
                Problem(
                    "no_public_url",
                    f"File {i} has no public address; {caps.platform} fetches media by URL.",
                )
            )
    return problems


def unsupported(platform: str, action: str, steps: str) -> NotSupported:
    return NotSupported(platform, action, steps)


def transient(platform: str, detail: str, *, maybe_committed: bool = False) -> ProviderError:
    return ProviderError(
        ErrorKind.TRANSIENT, detail, platform=platform, maybe_committed=maybe_committed
    )
