"""The kit has no platform: its only failures are the disk's and unreadable files."""

from __future__ import annotations

from clearpost.providers.errors import ErrorKind, ProviderError, disk_error

PLATFORM = "Ready-to-post kit"


def from_os_error(exc: OSError) -> ProviderError:
    return disk_error(PLATFORM, exc)


def media_error(detail: str) -> ProviderError:
    return ProviderError(ErrorKind.MEDIA_REJECTED, detail, platform=PLATFORM, code="media")
