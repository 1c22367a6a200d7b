"""TikTok's errors: every answer carries `error{code,message,log_id}`, and `code` is
"ok" on success, so an HTTP 200 is read before it is believed (reference §3.3, §8.3).
A `FAILED` publish carries a `fail_reason` instead."""

from __future__ import annotations

from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError

PLATFORM = "TikTok"

CODES: dict[str, tuple[ErrorKind, str]] = {
    "access_token_invalid": (ErrorKind.AUTH_EXPIRED, "The access token is invalid or expired."),
    "scope_not_authorized": (ErrorKind.PERMISSION_MISSING, "A permission was not granted."),
    "scope_permission_missed": (ErrorKind.PERMISSION_MISSING, "A permission was not granted."),
    "rate_limit_exceeded": (ErrorKind.RATE_LIMITED, "Too many requests to TikTok."),
    "spam_risk_too_many_posts": (ErrorKind.RATE_LIMITED, "The daily post limit is reached."),
    "spam_risk_too_many_pending_share": (ErrorKind.RATE_LIMITED, "Too many posts are pending."),
    "spam_risk_user_banned_from_posting": (ErrorKind.CONTENT_POLICY, "The account may not post."),
    "spam_risk_text": (ErrorKind.CONTENT_POLICY, "TikTok flagged the caption as spam."),
    "unaudited_client_can_only_post_to_private_accounts": (
        ErrorKind.PERMISSION_MISSING,
        "The TikTok app is not audited yet and may only post privately (SELF_ONLY).",
    ),
    "privacy_level_option_mismatch": (
        ErrorKind.PERMISSION_MISSING,
        "The chosen audience is not allowed for this account.",
    ),
    "url_ownership_unverified": (
        ErrorKind.MEDIA_REJECTED,
        "The media address is not on a domain verified with TikTok.",
    ),
    "reached_active_user_cap": (
        ErrorKind.RATE_LIMITED,
        "The TikTok app reached its daily user cap.",
    ),
    "invalid_file_upload": (ErrorKind.MEDIA_REJECTED, "TikTok refused the uploaded file."),
    "internal_error": (ErrorKind.TRANSIENT, "TikTok had an internal error."),
}

FAIL_REASONS = {
    "file_format_check_failed": "the file format is not supported",
    "duration_check_failed": "the video is too long or too short",
    "frame_rate_check_failed": "the frame rate is outside 23-60 fps",
    "picture_size_check_failed": "the picture size is not supported",
    "video_pull_failed": "TikTok could not download the video",
    "photo_pull_failed": "TikTok could not download the photo",
}


def classify(response: httpx.Response) -> ProviderError | None:
    try:
        body: Any = response.json() if response.content else None
    except ValueError:
        body = None
    if response.request.method == "PUT" and response.status_code in (200, 201, 206):
        return None  # the upload URL answers with an empty body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code", ""))
        if code == "ok":
            return None
        kind, text = CODES.get(code, (ErrorKind.UNKNOWN, body["error"].get("message", code)))
        if kind is ErrorKind.UNKNOWN and response.status_code >= 500:
            kind = ErrorKind.TRANSIENT
        if code == "invalid_params":
            kind, text = (
                ErrorKind.UNKNOWN,
                f"TikTok refused the request: {body['error'].get('message', '')}",
            )
        return ProviderError(kind, text, platform=PLATFORM, code=code)
    if isinstance(body, dict) and "error" in body:  # OAuth endpoint shape
        kind = ErrorKind.AUTH_EXPIRED if body["error"] == "invalid_grant" else ErrorKind.UNKNOWN
        return ProviderError(
            kind,
            str(body.get("error_description", body["error"])),
            platform=PLATFORM,
            code=str(body["error"]),
        )
    if response.status_code >= 500:
        return ProviderError(
            ErrorKind.TRANSIENT, f"HTTP {response.status_code}.", platform=PLATFORM
        )
    if response.status_code >= 400:
        return ProviderError(ErrorKind.UNKNOWN, f"HTTP {response.status_code}.", platform=PLATFORM)
    return None


def fail_reason(reason: str) -> ProviderError:
    text = FAIL_REASONS.get(reason, reason or "no reason given")
    kind = ErrorKind.MEDIA_REJECTED if reason in FAIL_REASONS else ErrorKind.UNKNOWN
    return ProviderError(kind, f"TikTok did not publish: {text}.", platform=PLATFORM, code=reason)
