"""Google's error body `{"error":{"code","message","status"}}` mapped to the taxonomy
(reference §6: UNAUTHENTICATED/invalid_grant -> reconnect, PERMISSION_DENIED,
NOT_FOUND, INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> rate limit)."""

from __future__ import annotations

from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError

PLATFORM = "Google Business Profile"
STATUS = {
    "UNAUTHENTICATED": ErrorKind.AUTH_EXPIRED,
    "PERMISSION_DENIED": ErrorKind.PERMISSION_MISSING,
    "RESOURCE_EXHAUSTED": ErrorKind.RATE_LIMITED,
    "UNAVAILABLE": ErrorKind.TRANSIENT,
    "INTERNAL": ErrorKind.TRANSIENT,
}


def classify(response: httpx.Response) -> ProviderError | None:
    try:
        body: Any = response.json() if response.content else {}
    except ValueError:
        body = {}
    err = body.get("error") if isinstance(body, dict) else None
    if response.status_code < 400 and not err:
        return None
    if isinstance(err, dict):
        status = str(err.get("status", ""))
        kind = STATUS.get(status, ErrorKind.UNKNOWN)
        code = "gone" if status == "NOT_FOUND" else status
        return ProviderError(kind, str(err.get("message", status)), platform=PLATFORM, code=code)
    if err == "invalid_grant":
        return ProviderError(
            ErrorKind.AUTH_EXPIRED, "The connection was revoked.", platform=PLATFORM
        )
    kind = ErrorKind.TRANSIENT if response.status_code >= 500 else ErrorKind.UNKNOWN
    return ProviderError(kind, f"HTTP {response.status_code}.", platform=PLATFORM)
