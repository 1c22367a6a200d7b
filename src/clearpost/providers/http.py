"""The one HTTP path every platform client uses.

It turns transport failures into the taxonomy the same way for every platform: a
timeout or dropped connection on a *create* means the platform may have made the post
(`maybe_committed`), so the caller reconciles instead of retrying; on a read or a delete
it is an ordinary transient error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError

Classifier = Callable[[httpx.Response], ProviderError | None]


class Http:
    def __init__(
        self,
        platform: str,
        base_url: str,
        classify: Classifier,
        *,
        timeout: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.platform = platform
        self.classify = classify
        self.client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.client.close()

    def call(
        self,
        method: str,
        url: str,
        *,
        create: bool = False,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        files: Any = None,
    ) -> httpx.Response:
        try:
            response = self.client.request(
                method,
                url,
                params=params,
                data=data,
                json=json,
                headers=headers,
                content=content,
                files=files,
            )
        except httpx.TimeoutException as exc:
            raise ProviderError(
                ErrorKind.TRANSIENT,
                f"No answer in time ({type(exc).__name__})"
                + ("; the post may have been created" if create else "")
                + ".",
                platform=self.platform,
                code="timeout",
                maybe_committed=create,
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderError(
                ErrorKind.TRANSIENT,
                f"Connection failed ({type(exc).__name__})"
                + ("; the post may have been created" if create else "")
                + ".",
                platform=self.platform,
                code="connection",
                maybe_committed=create,
            ) from exc
        error = self.classify(response)
        if error is not None:
            if create and error.kind in (ErrorKind.TRANSIENT, ErrorKind.UNKNOWN):
                error.maybe_committed = True
            raise error
        return response

    def json(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        response = self.call(method, url, **kw)
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(
                ErrorKind.UNKNOWN,
                f"Unreadable answer (HTTP {response.status_code}).",
                platform=self.platform,
                maybe_committed=bool(kw.get("create")),
            ) from exc
        if not isinstance(body, dict):
            raise ProviderError(
                ErrorKind.UNKNOWN, "Unexpected answer shape.", platform=self.platform
            )
        return body


def retry_after_seconds(response: httpx.Response, default: float = 60.0) -> float:
    raw = response.headers.get("retry-after")
    try:
        return float(raw) if raw else default
    except ValueError:
        return default
