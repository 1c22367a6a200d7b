"""Background de-identification (django.tasks): one task per item and generation.

Idempotent and safe across worker restarts: the payload is (public ID, generation);
the task does nothing when the item has moved to a newer generation or already
finished; derivative names come from the content hash, so a repeated run stores the
same file; and `actions.finish_deid` refuses a stale generation. A worker that died
mid-run leaves the item "processing"; the page offers "run again" after a while,
which queues a new generation.

The original is decrypted into a private work folder under the data folder (mode
0700), never /tmp, and removed when the run ends, whatever happens.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django_tasks import task

from clearpost.app.media import actions, allowlist, intake
from clearpost.app.media.isolated import deid_in_child
from clearpost.app.media.models import MediaItem

PROGRESS_EVERY_S = 0.5


def _progress_callback(public_id: str, generation: int) -> Callable[[str, int, int], None]:
    last = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or (total and done >= total):
            last[0] = now
            actions.set_progress(public_id, generation, stage, done, total)

    return report


def run_deid(public_id: str, generation: int) -> str:
    """The work of one task; returns what happened (for the task result and tests)."""
    from clearpost.engine.media.deid import DeidOptions
    from clearpost.engine.media.scrub import ScrubOptions

    item = actions.claim(public_id, generation)
    if item is None:
        return "skipped"
    work = Path(settings.DATA_DIR) / "work"
    work.mkdir(exist_ok=True, mode=0o700)
    sweep_work(work)
    tmp = Path(tempfile.mkdtemp(prefix="deid-", dir=work))
    try:
        ext = "." + (item.original_format or "bin")
        plain = tmp / f"original{ext}"
        with plain.open("wb") as fh:
            for chunk in actions.original_chunks(item):
                fh.write(chunk)
        regions_path = None
        if item.regions:
            regions_path = tmp / "regions.json"
            doc = {"version": 1, "files": {item.original_sha256: {"regions": item.regions}}}
            regions_path.write_text(json.dumps(doc))
        # The practice's own words (name, logo text, website, handles) may stay visible.
        terms = allowlist.practice_terms(item.practice)
        options = DeidOptions(
            faces="keep" if item.keep_faces else "redact",
            regions_path=regions_path,
            allow_words=allowlist.allow_words(terms),
            scrub=ScrubOptions(limits=intake.limits()),
        )
        callback = _progress_callback(public_id, generation)
        actions.set_progress(public_id, generation, "scrub", 0, 0)
        out = tmp / "out"
        report = deid_in_child(plain, f"original{ext}", options, out, callback)
        report["allow_list"] = terms
        # Recognition now always runs (the list is never empty), so what was read in a
        # redacted region (a wristband's name) must not be stored: the report is in clear.
        for region in report.get("text_regions") or []:
            if region.get("action") != "allowed":
                region["text"] = ""
        output = Path(report["output"]) if report.get("output") else None
        done = actions.finish_deid(public_id, generation, report, output)
        return "stale" if done is None else done.status
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sweep_work(work: Path, older_than_s: float = 3600) -> None:
    """A worker killed mid-run (SIGKILL, power loss) cannot clean up: decrypted copies
    left in the work folder are removed by the next run."""
    cutoff = time.time() - older_than_s
    for stale in work.glob("deid-*"):
        try:
            if stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


@task()
def deid_item(public_id: str, generation: int) -> str:
    """Background task: de-identify one media item (payload: IDs only)."""
    return run_deid(public_id, generation)


def recover_stale(older_than_s: int = 1800) -> list[str]:
    """Items stuck in "processing" (a worker died) get a new generation queued."""
    import datetime as dt

    from django.utils import timezone

    cutoff = timezone.now() - dt.timedelta(seconds=older_than_s)
    stuck = MediaItem.objects.filter(status="processing", updated_at__lt=cutoff)
    done = []
    for item in stuck:
        from django.db import transaction

        with transaction.atomic():
            locked = MediaItem.objects.select_for_update().get(pk=item.pk)
            if locked.status == "processing":
                actions._rerun(locked)
                done.append(locked.public_id)
    return done
