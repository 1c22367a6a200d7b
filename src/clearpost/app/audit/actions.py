"""The one write path into the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from clearpost.app.audit.models import AuditEvent, AuditHead
from clearpost.engine import audit as chain
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
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            practice=practice,
            actor=actor,
            actor_label=label,
            action=action,
            rule=rule,
            object_type=object_type,
            object_id=object_id,
            before_hash=chain.content_hash(before) or "",
            after_hash=chain.content_hash(after) or "",
            detail=dict(detail or {}),
            ip=client_ip(request),
            prev_hash=head.hash,
            hash="",
        )
        event.hash = chain.link_hash(event.prev_hash, event.seq, event.body())
        event.save()
        head.seq = event.seq
        head.hash = event.hash
        head.save()
    return event


def verify_trail() -> list[chain.ChainProblem]:
    """Walk the whole trail; also compare its end with the head record."""
    problems = chain.verify(
        e.stored() for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    )
    head = AuditHead.objects.filter(id=1).first()
    last = AuditEvent.objects.order_by("-seq").first()
    if head is not None:
        last_seq = last.seq if last else 0
        if head.seq > last_seq:
            problems.append(
                chain.ChainProblem(
                    last_seq + 1,
                    "deleted",
                    f"events {last_seq + 1} to {head.seq} were removed from the end",
                )
            )
        elif last is not None and head.seq == last.seq and head.hash != last.hash:
            problems.append(
                chain.ChainProblem(
                    last.seq, "changed", f"event {last.seq} does not match the head record"
                )
            )
    return problems
