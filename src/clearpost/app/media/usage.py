"""Is an item used by a published post? A hook the posts app fills in.

Deleting an item that a live post shows would leave the post pointing at nothing (or,
worse, let the original be erased while the public copy stays up without its record),
so `media.actions.delete_item` refuses while any registered check says "in use".
Today no app registers one, so nothing is "published somewhere". The posts app calls
`register_usage_check(fn)` from its `AppConfig.ready()`, where `fn(item) -> bool`
answers for its own published posts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clearpost.app.media.models import MediaItem

UsageCheck = Callable[["MediaItem"], bool]
_CHECKS: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def unregister_usage_check(check: UsageCheck) -> None:
    if check in _CHECKS:
        _CHECKS.remove(check)


def is_published_somewhere(item: MediaItem) -> bool:
    return any(check(item) for check in _CHECKS)
