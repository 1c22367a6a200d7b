"""Signed checkpoints of every practice's audit head, on a schedule.

A checkpoint is only as fresh as the last one written: events deleted from the end
after it and before the next are caught only as far back as it reaches. So besides
every verification, a background task verifies every chain and checkpoints the intact
ones every CHECKPOINT_INTERVAL (15 minutes). django.tasks has no periodic scheduler,
so the task queues its own next run, like the expiry task.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from clearpost.app.audit.actions import verify_all

CHECKPOINT_INTERVAL = dt.timedelta(minutes=15)
log = logging.getLogger("clearpost.audit")


@task()
def checkpoint_audit() -> dict[str, int]:
    """Verify every chain, checkpoint the intact ones, log the tampered ones, and
    queue the next run (idempotent: a second run only appends another checkpoint)."""
    reports = verify_all()
    tampered = [r for r in reports if not r.ok]
    for report in tampered:
        log.error(
            "audit chain %s failed verification: %s",
            report.chain,
            "; ".join(p.message for p in report.problems) or report.checkpoint_problems,
        )
    schedule_checkpoints(CHECKPOINT_INTERVAL)
    return {"chains": len(reports), "tampered": len(tampered)}


def schedule_checkpoints(delay: dt.timedelta = CHECKPOINT_INTERVAL) -> bool:
    """Keep exactly one future run of `checkpoint_audit` queued (see schedule_expiry)."""
    backend = checkpoint_audit.get_backend()
    if not backend.supports_defer:
        return False
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(
            task_path=checkpoint_audit.module_path, status="READY"
        ).exists():
            return False
    checkpoint_audit.using(run_after=timezone.now() + delay).enqueue()
    return True
