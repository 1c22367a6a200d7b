"""The one write path into the audit trail, and its verification.

`record` seals each event into its practice's chain with the audit key (which the
database does not hold). `verify_practice` / `verify_all` walk the chains, compare each
with its head row and with the signed checkpoints kept outside the database, and then
append a fresh checkpoint for every chain found intact (never for a tampered one).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.audit.models import AuditEvent, AuditHead, ChainHead
from clearpost.engine import audit as sealing
from clearpost.engine import catalog


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip = request.META.get("REMOTE_ADDR")
    return str(ip) if ip else None


def record(
    action: str,
    *,
    actor: Any = None,
    actor_label: str | None = None,
    practice: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    rule: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Seal one event onto the chain. Runs inside the caller's transaction, so the
    event and the change it describes are committed together or not at all.

    `before`/`after` are hashed, never stored: the trail proves what changed without
    becoming a second copy of the PHI.
    """
    if rule:
        catalog.rule(rule)  # an unknown rule ID is a programming error, not evidence
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and practice is None:
        practice = getattr(actor, "practice", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    label = actor_label or (actor.get_username() if actor is not None else "system")
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(id=1).first()
        if head is None:  # only after a test flush; migration 0003 creates it
            head = AuditHead.objects.create(id=1)
        practice_id = getattr(practice, "pk", practice)
        chain_id = int(practice_id or 0)
        # Safe to create here: every writer holds the global head row's lock.
        chain_head, _ = ChainHead.objects.select_for_update().get_or_create(chain=chain_id)
        event = AuditEvent(
            seq=head.seq + 1,
            chain=chain_id,
            chain_seq=chain_head.seq + 1,
            at=timezone.now(),
            practice=practice,
            actor=actor,
            actor_label=label,
            action=action,
            rule=rule,
            object_type=object_type,
            object_id=object_id,
            before_hash=sealing.content_hash(before) or "",
            after_hash=sealing.content_hash(after) or "",
            detail=dict(detail or {}),
            ip=client_ip(request),
            prev_hash=chain_head.hash,
            hash="",
        )
        assert event.chain_seq is not None
        event.hash = sealing.seal(
            settings.CLEARPOST_AUDIT_KEY, chain_id, event.prev_hash, event.chain_seq, event.body()
        )
        event.save()
        head.seq = event.seq
        head.hash = event.hash
        head.save()
        chain_head.seq = event.chain_seq
        chain_head.hash = event.hash
        chain_head.save()
    return event


@dataclass
class ChainReport:
    """One chain's verification: what a privacy officer (or the CLI) is told."""

    chain: int
    events: int
    problems: list[sealing.ChainProblem] = field(default_factory=list)
    last_checkpoint: str = ""  # when the latest signed checkpoint of this chain was taken
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.checkpoint_problems


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _read_checkpoints() -> tuple[list[sealing.Checkpoint], list[int]]:
    path = checkpoint_path()
    if not path.exists():
        return [], []
    with path.open(encoding="utf-8") as fh:
        return sealing.read_checkpoints(settings.CLEARPOST_AUDIT_KEY, fh)


def append_checkpoints(heads: list[sealing.Checkpoint]) -> None:
    """Append signed checkpoints to the file outside the database: opened append-only,
    flushed to disk before returning. Nothing in ClearPost ever rewrites this file;
    on Linux an operator can also make it append-only (`chattr +a`)."""
    if not heads:
        return
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = "".join(
        sealing.checkpoint_line(settings.CLEARPOST_AUDIT_KEY, cp) + "\n" for cp in heads
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if settings.AUDIT_CHECKPOINT_SYSLOG:
        _send_to_syslog(settings.AUDIT_CHECKPOINT_SYSLOG, lines.splitlines())


def _send_to_syslog(target: str, lines: list[str]) -> None:
    """A second, remote copy of each checkpoint (RFC 3164 over UDP, facility auth).
    Best effort: a lost datagram leaves the file as the record; failures are logged."""
    host, _, port = target.rpartition(":")
    handler = logging.handlers.SysLogHandler(
        address=(host or target, int(port) if port.isdigit() else 514),
        facility=logging.handlers.SysLogHandler.LOG_AUTH,
    )
    try:
        for line in lines:
            handler.emit(logging.makeLogRecord({"msg": f"clearpost-audit-checkpoint {line}"}))
    finally:
        handler.close()


def _verify_chain(
    chain_id: int, checkpoints: list[sealing.Checkpoint], bad_lines: list[int]
) -> ChainReport:
    events = AuditEvent.objects.filter(chain=chain_id).order_by("chain_seq")
    stored = [e.stored() for e in events.iterator(chunk_size=2000)]
    head_row = ChainHead.objects.filter(chain=chain_id).first()
    head = sealing.Head(head_row.seq, head_row.hash) if head_row else None
    mine = [c for c in checkpoints if c.chain == chain_id]
    report = ChainReport(
        chain=chain_id,
        events=len(stored),
        problems=sealing.verify_chain(settings.CLEARPOST_AUDIT_KEY, chain_id, stored, head, mine),
        last_checkpoint=max(mine, key=lambda c: c.seq).at if mine else "",
    )
    if bad_lines:
        report.checkpoint_problems.append(
            f"{len(bad_lines)} line(s) of the checkpoint file do not carry a valid signature "
            f"(lines {', '.join(map(str, bad_lines[:5]))}): the file was altered"
        )
    return report


def _checkpoint_if_intact(reports: list[ChainReport]) -> None:
    now = timezone.now().isoformat()
    heads = []
    for report in reports:
        if not report.ok:
            continue
        head = ChainHead.objects.filter(chain=report.chain).first()
        if head is not None and head.seq > 0:
            heads.append(sealing.Checkpoint(report.chain, head.seq, head.hash, now))
    append_checkpoints(heads)


def verify_practice(practice: Any) -> ChainReport:
    """Verify one practice's chain only: nothing about another practice's events, head
    or checkpoints is read into the answer. Appends a checkpoint when intact."""
    checkpoints, _ = _read_checkpoints()  # damaged lines are the operator's (CLI) concern
    with transaction.atomic():
        AuditHead.objects.select_for_update().filter(id=1).first()  # no writer mid-event
        report = _verify_chain(int(practice.pk), checkpoints, [])
        _checkpoint_if_intact([report])
    return report


def all_chains(checkpoints: list[sealing.Checkpoint]) -> list[int]:
    ids = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    ids |= set(ChainHead.objects.values_list("chain", flat=True))
    ids |= {c.chain for c in checkpoints}
    return sorted(ids)


def verify_all() -> list[ChainReport]:
    """Every chain (the command line's view); checkpoints every intact one."""
    checkpoints, bad = _read_checkpoints()
    with transaction.atomic():
        AuditHead.objects.select_for_update().filter(id=1).first()
        reports = [_verify_chain(c, checkpoints, bad) for c in all_chains(checkpoints)]
        _checkpoint_if_intact(reports)
    return reports


def verify_trail() -> list[sealing.ChainProblem]:
    """Every problem in every chain (kept for callers that want one flat list)."""
    return [p for r in verify_all() for p in r.problems]
