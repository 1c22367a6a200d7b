"""A real, cleared media item for tests elsewhere (the isolation table), made through
the real path: engine checks, sealed storage, the task's de-identification."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

from clearpost.app.accounts.models import User
from clearpost.app.media import actions, tasks
from clearpost.app.media.models import MediaItem


def media_item_for(user: User) -> MediaItem:
    """The practice's first item, made (small, cleared) when it has none."""
    found: MediaItem | None = (
        MediaItem.objects.filter(practice=user.practice).order_by("pk").first()
    )
    if found is not None:
        return found
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "small.jpg"
        Image.new("RGB", (96, 64), (150, 120, 100)).save(path, "JPEG")
        item = actions.ingest(user, path, "small.jpg")
    tasks.run_deid(item.public_id, item.generation)
    item.refresh_from_db()
    return item
