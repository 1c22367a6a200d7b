"""Instagram's errors: Graph error bodies, plus the container status text.

A container read answers HTTP 200 with `status_code: ERROR` and the reason in `status`
(reference §1.3, §8.3), so a 200 is not a success until the state is read.
"""

from __future__ import annotations

import re

import httpx

from clearpost.providers import graph
from clearpost.providers.errors import ErrorKind, ProviderError

PLATFORM = "Instagram"


def classify(response: httpx.Response) -> ProviderError | None:
    return graph.classify(PLATFORM, response)


def container_error(status_code: str, status: str) -> ProviderError:
    """A container that ended in ERROR or EXPIRED."""
    if status_code == "EXPIRED":
        return ProviderError(
            ErrorKind.TRANSIENT,
            "The prepared upload expired before it was published; it will be prepared again.",
            platform=PLATFORM,
            code="EXPIRED",
        )
    m = re.search(r"(\d{7})", status)
    sub = int(m.group(1)) if m else 0
    if sub == 2207001 or not sub:
        return ProviderError(
            ErrorKind.TRANSIENT,
            f"Instagram could not process the upload ({status or 'no reason given'}).",
            platform=PLATFORM,
            code=str(sub or "ERROR"),
        )
    return graph.graph_error(PLATFORM, {"code": 0, "error_subcode": sub, "message": status}, 200)
