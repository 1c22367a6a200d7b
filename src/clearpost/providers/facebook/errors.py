"""Facebook Page errors: the Graph map, plus the Page-specific codes Postiz observed
(reference §2.3): 1366046 photo rejected, 1390008/1346003/1404102 policy, 506 duplicate.
A video `finish` or delete answering `{"success": false}` is a failure, not a success."""

from __future__ import annotations

import httpx

from clearpost.providers import graph
from clearpost.providers.errors import ProviderError

PLATFORM = "Facebook"


def classify(response: httpx.Response) -> ProviderError | None:
    return graph.classify(PLATFORM, response)
