"""LinkedIn's errors: `{"message","serviceErrorCode","status"}` (sometimes `code`), the
426 `NONEXISTENT_VERSION` of a sunset API version, and a 201 that is only a success if
the post URN came back in `x-restli-id` (reference §4.3)."""

from __future__ import annotations

from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError

PLATFORM = "LinkedIn"
TRANSIENT_TEXT = ("Unable to obtain activity", "Service Unavailable", "Internal Server Error")


def classify(response: httpx.Response) -> ProviderError | None:
    status = response.status_code
    if status < 400:
        return None
    try:
        body: Any = response.json() if response.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    message = str(body.get("message") or body.get("error_description") or f"HTTP {status}")
    code = str(body.get("code") or body.get("serviceErrorCode") or body.get("error") or status)
    if status == 401 or body.get("error") == "invalid_grant":
        return ProviderError(
            ErrorKind.AUTH_EXPIRED,
            f"The connection expired or was revoked ({message}).",
            platform=PLATFORM,
            code=code,
        )
    if status == 403:
        return ProviderError(
            ErrorKind.PERMISSION_MISSING,
            f"The connected member is not an administrator of the page, or a permission is missing ({message}).",
            platform=PLATFORM,
            code=code,
        )
    if status == 429:
        return ProviderError(
            ErrorKind.RATE_LIMITED,
            "LinkedIn's daily limit is reached (it resets at midnight UTC).",
            platform=PLATFORM,
            code=code,
            retry_after=3600.0,
        )
    if status == 426:
        return ProviderError(
            ErrorKind.UNKNOWN,
            "ClearPost uses a LinkedIn API version that was retired; update ClearPost.",
            platform=PLATFORM,
            code=code,
        )
    if status == 422 and "duplicate" in message.lower():
        return ProviderError(
            ErrorKind.CONTENT_POLICY,
            f"LinkedIn says this post duplicates an earlier one ({message}).",
            platform=PLATFORM,
            code="duplicate",
            maybe_committed=True,
        )
    if status == 422 and "not AVAILABLE" in message:
        return ProviderError(
            ErrorKind.TRANSIENT,
            "The image is still processing.",
            platform=PLATFORM,
            code="media_processing",
        )
    if status >= 500 or any(t in message for t in TRANSIENT_TEXT):
        return ProviderError(
            ErrorKind.TRANSIENT,
            f"LinkedIn had a problem ({message}).",
            platform=PLATFORM,
            code=code,
        )
    if status in (404, 410):
        return ProviderError(
            ErrorKind.UNKNOWN, "The post does not exist.", platform=PLATFORM, code="gone"
        )
    return ProviderError(
        ErrorKind.UNKNOWN, f"LinkedIn refused the request: {message}", platform=PLATFORM, code=code
    )
