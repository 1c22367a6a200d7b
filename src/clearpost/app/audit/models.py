"""The append-only audit trail (SEC-AUDIT-CONTROLS, HIPAA-AUTH-RETAIN-6Y).

No code path updates or deletes an event: `save()` refuses updates, the queryset
refuses `update()`/`delete()`, and on PostgreSQL a trigger (migration 0002) refuses
both. Each practice's events form their own chain (`chain`, `chain_seq`), sealed with
the audit key that the database does not hold (see clearpost.engine.audit). Events are
kept with no expiry, which meets the six-year minimum.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from clearpost.engine import audit as sealing


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove an audit event."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)  # global order of writing
    chain = models.BigIntegerField(default=0)  # the practice's id; 0 for events of none
    chain_seq = models.BigIntegerField(null=True)  # position in its chain, from 1
    at = models.DateTimeField(db_index=True)
    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80, db_index=True)
    rule = models.CharField(max_length=64, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before_hash = models.CharField(max_length=64, blank=True)
    after_hash = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)
    ip = models.GenericIPAddressField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_event_chain_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def body(self) -> dict[str, Any]:
        """What the hash seals besides the sequence number (sealed on its own by the
        chain, so a moved event can be told apart from an edited one)."""
        return {
            "at": self.at.isoformat(),
            "practice": self.practice_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "rule": self.rule,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before_hash": self.before_hash,
            "after_hash": self.after_hash,
            "detail": self.detail,
            "ip": self.ip,
        }

    def stored(self) -> sealing.StoredEvent:
        return sealing.StoredEvent(self.chain_seq or 0, self.body(), self.prev_hash, self.hash)


class AuditHead(models.Model):
    """The global writing order: one row every writer locks, so sequence numbers and
    the per-practice heads below are assigned one writer at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=sealing.GENESIS)

    def __str__(self) -> str:
        return f"head at event {self.seq}"


class ChainHead(models.Model):
    """The last sealed event of one practice's chain, written in the same transaction:
    a deleted tail shows up as a head that points past the end of the chain, and the
    signed checkpoints outside the database catch a head moved back with it."""

    chain = models.BigIntegerField(unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=sealing.GENESIS)

    def __str__(self) -> str:
        return f"chain {self.chain} at event {self.seq}"
