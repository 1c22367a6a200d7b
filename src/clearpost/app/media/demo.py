"""Demo media for `make run`: two public-domain portraits (demo_data/SOURCE.md), so a
newcomer sees the library at once. Idempotent: a practice that has media gets none.

The items go through the real path (engine checks, sealed storage, the background
task that `clearpost serve`'s worker runs), in two states: one with a region drawn by
staff and queued, one marked as showing staff (no patient).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from clearpost.app.accounts.models import User
from clearpost.app.media import actions
from clearpost.app.media.models import MediaItem
from clearpost.app.practices.models import Practice

DEMO = Path(__file__).resolve().parent / "demo_data"


def seed_media_demo(practice: Practice, actor: User) -> list[str]:
    if MediaItem.objects.filter(practice=practice).exists():
        return []
    work = Path(tempfile.mkdtemp(prefix="cp-demo-media-"))
    made = []
    try:
        for name in ("obama.jpg", "biden.jpg"):
            copy = work / name
            shutil.copyfile(DEMO / name, copy)
            item = actions.ingest(actor, copy, f"demo-{name}")
            made.append(item)
        first, second = made
        # A region drawn by staff (a lapel pin here, in the demo's spirit of "jewellery").
        actions.save_regions(actor, first, [{"box": [650, 540, 80, 60], "label": "lapel pin"}])
        actions.mark_no_patient(actor, second, "staff")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [item.public_id for item in made]
