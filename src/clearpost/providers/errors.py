"""One error taxonomy for every platform.

Each platform reports failures its own way (Graph `{"error":{code,subcode}}`, TikTok's
`error.code` string inside a 200, LinkedIn's `serviceErrorCode`, X's problem JSON). The
publishing app must decide the same few things whatever the platform: retry later,
reconnect the account, fix the media, or stop and tell a person. So every provider turns
its platform's error into a `ProviderError` of one `ErrorKind`, with a message a person
can act on, and says whether a create may already have happened (`maybe_committed`):
such an outcome is reconciled by asking the platform, never by retrying blind.
"""

from __future__ import annotations

import enum


class ErrorKind(enum.StrEnum):
    AUTH_EXPIRED = "auth_expired"
    PERMISSION_MISSING = "permission_missing"
    RATE_LIMITED = "rate_limited"
    MEDIA_REJECTED = "media_rejected"
    CONTENT_POLICY = "content_policy"
    TRANSIENT = "transient"
    UNKNOWN = "unknown"


# What a person should do, per kind; a provider adds the platform's own detail.
ADVICE: dict[ErrorKind, str] = {
    ErrorKind.AUTH_EXPIRED: "Connect the account again under Settings > Connected accounts.",
    ErrorKind.PERMISSION_MISSING: (
        "Connect the account again and grant every permission ClearPost asks for."
    ),
    ErrorKind.RATE_LIMITED: "The platform's limit was reached; ClearPost tries again later.",
    ErrorKind.MEDIA_REJECTED: "Replace the photo or video with one the platform accepts.",
    ErrorKind.CONTENT_POLICY: (
        "The platform refused the content; edit the post, or post it by hand after review."
    ),
    ErrorKind.TRANSIENT: "The platform had a temporary problem; ClearPost tries again.",
    ErrorKind.UNKNOWN: "Check the post on the platform and contact support if it persists.",
}

RETRYABLE = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT})


class ProviderError(Exception):
    """A platform call failed; `kind` drives what the app does next."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        platform: str = "",
        code: str = "",
        retry_after: float | None = None,
        maybe_committed: bool = False,
    ) -> None:
        self.kind = kind
        self.detail = detail
        self.platform = platform
        self.code = code
        self.retry_after = retry_after
        self.maybe_committed = maybe_committed
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.platform}: " if self.platform else ""
        return f"{where}{self.detail} {ADVICE[self.kind]}".strip()

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE and not self.maybe_committed

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "message": self.message,
            "platform": self.platform,
            "code": self.code,
            "retry_after": self.retry_after,
            "maybe_committed": self.maybe_committed,
        }


class NotSupported(Exception):
    """The platform offers no API for this action (delete on TikTok, hide on LinkedIn).

    Distinct from a failure and never a success: the caller must take the manual path.
    """

    def __init__(self, platform: str, action: str, manual_steps: str) -> None:
        self.platform = platform
        self.action = action
        self.manual_steps = manual_steps
        super().__init__(f"{platform} cannot {action} through its API. {manual_steps}")


def disk_error(platform: str, exc: OSError) -> ProviderError:
    """For the targets ClearPost writes itself (gallery, kit): the disk's failures."""
    import errno

    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ProviderError(
            ErrorKind.PERMISSION_MISSING,
            f"ClearPost cannot write its output folder ({exc.strerror}); check its permissions.",
            platform=platform,
            code=str(exc.errno),
        )
    if exc.errno == errno.ENOSPC:
        return ProviderError(
            ErrorKind.TRANSIENT, "The disk is full.", platform=platform, code="ENOSPC"
        )
    return ProviderError(ErrorKind.UNKNOWN, f"Writing failed ({exc}).", platform=platform)
