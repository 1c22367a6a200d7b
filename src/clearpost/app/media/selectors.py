"""Read paths other apps use (posts, publishing, the dashboard). They never write items.

Everything is scoped to one practice; an item of another practice is "not found".
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.files.storage import storages
from django.db.models import QuerySet
from django.http import Http404

from clearpost.app.media.models import MediaItem, MediaPair, MediaStatus
from clearpost.app.practices.models import Practice


def items(practice: Practice) -> QuerySet[MediaItem]:
    """Every item of the practice that is not deleted, newest first."""
    return (
        MediaItem.objects.filter(practice=practice)
        .exclude(status=MediaStatus.DELETED)
        .order_by("-created_at", "-pk")
    )


def cleared_items(practice: Practice) -> QuerySet[MediaItem]:
    """Items whose de-identified derivative exists and passed verification: the only
    media a post may use."""
    return items(practice).filter(status=MediaStatus.CLEARED).exclude(derivative="")


def item_for(practice: Practice, public_id: str) -> MediaItem:
    """One item of this practice, or Http404 (also for another practice's item)."""
    found = items(practice).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such media item")
    return found


def pair_for(practice: Practice, public_id: str) -> MediaPair:
    found: MediaPair | None = (
        MediaPair.objects.filter(practice=practice, public_id=public_id)
        .select_related("before", "after")
        .first()
    )
    if found is None:
        raise Http404("No such pair")
    return found


def to_review(practice: Practice, limit: int = 5) -> QuerySet[MediaItem]:
    """What staff should look at: failed verification, or cleared but linked to no
    patient and not marked as showing none."""
    return (
        items(practice)
        .filter(
            status__in=[MediaStatus.FAILED_VERIFICATION, MediaStatus.CLEARED],
            links__isnull=True,
            shows_no_patient=False,
        )
        .distinct()[:limit]
    )


def derivative_chunks(item: MediaItem, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """The de-identified file's bytes (not PHI: it passed verification). Posts read it
    through here rather than knowing the storage layout."""
    if item.status != MediaStatus.CLEARED or not item.derivative:
        raise Http404("No cleared derivative")
    with storages["default"].open(item.derivative, "rb") as fh:
        while data := fh.read(chunk):
            yield data
