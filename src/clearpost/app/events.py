"""Domain events: a durable publish/subscribe between features.

Revocation and expiry of an authorization must reach every scheduled or published post
that relies on it (HIPAA-AUTH-REVOKE-EFFECT), but the authorization code should not know
those features. So it publishes a `DomainEvent` row in its own transaction and features
subscribe by name. Subscribers run after the commit; a failing subscriber leaves the
event undelivered so `deliver_pending()` (and the `deliver_domain_events` task) retries
it. Subscribers must therefore be idempotent. Payloads are JSON with IDs only, never PHI.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clearpost.app.authorizations.models import DomainEvent

log = logging.getLogger(__name__)

AUTHORIZATION_REVOKED = "authorization.revoked"
AUTHORIZATION_EXPIRED = "authorization.expired"

Subscriber = Callable[[DomainEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(name: str) -> Callable[[Subscriber], Subscriber]:
    """Register a subscriber for events called `name` (use in an AppConfig.ready or at
    import of the subscribing module)."""

    def register(fn: Subscriber) -> Subscriber:
        if fn not in _subscribers[name]:
            _subscribers[name].append(fn)
        return fn

    return register


def unsubscribe(name: str, fn: Subscriber) -> None:
    if fn in _subscribers.get(name, []):
        _subscribers[name].remove(fn)


def subscribers(name: str) -> list[Subscriber]:
    return list(_subscribers.get(name, []))


def publish(name: str, payload: Mapping[str, Any], *, practice: Any = None) -> DomainEvent:
    """Record the event now (inside the caller's transaction); deliver after commit."""
    event = DomainEvent.objects.create(name=name, payload=dict(payload), practice=practice)
    transaction.on_commit(lambda: deliver(event.pk))
    return event


def deliver(event_id: int) -> bool:
    """Run every subscriber of one event; True when all succeeded (or it was delivered)."""
    event = DomainEvent.objects.filter(pk=event_id).first()
    if event is None or event.delivered_at is not None:
        return event is not None
    errors: list[str] = []
    for fn in subscribers(event.name):
        try:
            fn(event)
        except Exception as exc:  # one broken subscriber must not stop the others
            log.exception(
                "subscriber %s failed for event %s", getattr(fn, "__name__", fn), event.pk
            )
            errors.append(f"{getattr(fn, '__qualname__', fn)}: {type(exc).__name__}")
    event.attempts += 1
    event.last_error = "; ".join(errors)
    if not errors:
        event.delivered_at = timezone.now()
    event.save(update_fields=["attempts", "last_error", "delivered_at"])
    return not errors


def deliver_pending(limit: int = 500) -> int:
    """Retry undelivered events, oldest first; returns how many are now delivered."""
    ids = list(
        DomainEvent.objects.filter(delivered_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if deliver(pk))


@task()
def deliver_domain_events() -> int:
    return deliver_pending()
