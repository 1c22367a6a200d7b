"""X's errors: problem JSON `{title,detail,type,status}`, 429 with `x-rate-limit-reset`,
duplicate text refused with 403, and reads that answer 200 with an `errors[]` array and
no `data` (reference §5.3)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError

PLATFORM = "X"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def classify(response: httpx.Response) -> ProviderError | None:
    status = response.status_code
    try:
        body: Any = response.json() if response.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    detail = str(
        body.get("detail") or body.get("error_description") or body.get("title") or f"HTTP {status}"
    )
    if status < 400:
        errs = body.get("errors")
        if errs and "data" not in body:
            first = errs[0] if isinstance(errs[0], dict) else {}
            if first.get("type") == NOT_FOUND:
                return ProviderError(
                    ErrorKind.UNKNOWN, "The post does not exist.", platform=PLATFORM, code="gone"
                )
            return ProviderError(
                ErrorKind.TRANSIENT,
                f"X answered {status} with an error inside ({first.get('title') or first.get('message') or 'unknown'}).",
                platform=PLATFORM,
                code="error_in_200",
            )
        return None
    if status == 401 or body.get("error") in ("invalid_request", "invalid_grant"):
        return ProviderError(
            ErrorKind.AUTH_EXPIRED,
            "The connection expired or was revoked.",
            platform=PLATFORM,
            code="401",
        )
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        wait = max(1.0, float(reset) - time.time()) if reset and reset.isdigit() else 900.0
        return ProviderError(
            ErrorKind.RATE_LIMITED,
            "X's posting limit is reached.",
            platform=PLATFORM,
            code="429",
            retry_after=wait,
        )
    if status == 403 and "duplicate" in detail.lower():
        return ProviderError(
            ErrorKind.CONTENT_POLICY,
            "X refused the text as a duplicate of an earlier post.",
            platform=PLATFORM,
            code="duplicate",
            maybe_committed=True,
        )
    if status == 403:
        return ProviderError(
            ErrorKind.PERMISSION_MISSING,
            f"X refused the action: {detail}",
            platform=PLATFORM,
            code="403",
        )
    if status == 400 and ("media" in detail.lower() or "InvalidMedia" in detail):
        return ProviderError(
            ErrorKind.MEDIA_REJECTED,
            f"X refused the media: {detail}",
            platform=PLATFORM,
            code="media",
        )
    if status >= 500:
        return ProviderError(
            ErrorKind.TRANSIENT, f"X had a problem ({detail}).", platform=PLATFORM, code=str(status)
        )
    return ProviderError(
        ErrorKind.UNKNOWN, f"X refused the request: {detail}", platform=PLATFORM, code=str(status)
    )
