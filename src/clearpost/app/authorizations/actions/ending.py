"""Revocation and expiry, and the background task that runs expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task

from clearpost.app import events
from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations import links
from clearpost.app.authorizations.actions.common import ActionError, require_own_release
from clearpost.app.authorizations.models import (
    Authorization,
    DomainEvent,
    LinkToken,
    RevocationSource,
    Status,
)
from clearpost.engine.consent.check import (
    expiry_instant,
    practice_zone,
)


# Revocation and expiry --------------------------------------------------------------
def _close_links(auth: Authorization, now: dt.datetime) -> None:
    """A release that has ended leaves no usable kiosk or revocation link behind."""
    LinkToken.objects.filter(authorization=auth, used_at__isnull=True).update(used_at=now)


def _publish_end(auth: Authorization, name: str, **extra: str) -> DomainEvent:
    """The domain event later features subscribe to: IDs only, never PHI."""
    payload: dict[str, object] = {
        "authorization": auth.public_id,
        "patient": auth.patient.public_id,
        "practice": auth.practice_id,
        **extra,
    }
    return events.publish(name, payload, practice=auth.practice)


def _revoke(
    auth: Authorization,
    source: str,
    *,
    actor: User | None,
    note: str,
    request: HttpRequest | None,
) -> Authorization:
    now = timezone.now()
    auth.status = Status.REVOKED
    auth.revoked_at = now
    auth.revocation_source = source
    auth.revoked_by = actor
    auth.revocation_note_enc = auth.seal("revocation_note", note)
    auth.save()
    _close_links(auth, now)
    record(
        "authorization.revoke",
        actor=actor,
        actor_label=None if actor is not None else "patient link",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-REVOKE-WRITTEN",
        after={"revoked_at": now.isoformat(), "source": source},
        detail={"source": source},
        request=request,
    )
    event = _publish_end(
        auth, events.AUTHORIZATION_REVOKED, revoked_at=now.isoformat(), source=source
    )
    record(
        "authorization.revoke_effect",
        actor=actor,
        actor_label=None if actor is not None else "patient link",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-REVOKE-EFFECT",
        detail={"event": event.pk, "subscribers": len(events.subscribers(event.name))},
        request=request,
    )
    return auth


def revoke_by_staff(
    actor: User, authorization: Authorization, note: str, request: HttpRequest | None = None
) -> Authorization:
    """Staff enter the patient's written request to revoke; it takes effect at once."""
    require_own_release(actor, authorization, request)
    note = note.strip()
    if len(note) < 5:
        raise ActionError(
            {"note": "Describe the patient's written request (date, how it arrived)."}
        )
    if len(note) > 2000:
        raise ActionError({"note": "Keep the note under 2000 characters."})
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.status != Status.SIGNED:
            raise ActionError({"": "Only a signed release in effect can be revoked."})
        return _revoke(
            auth, RevocationSource.STAFF_WRITTEN, actor=actor, note=note, request=request
        )


def revocation_page(token: str) -> Authorization:
    """The release a patient's revocation link points at (LinkInvalid when unusable)."""
    link = links.resolve(token, LinkToken.Purpose.REVOKE)
    if link.authorization.status != Status.SIGNED:
        raise links.LinkInvalid
    return link.authorization


def revoke_by_link(token: str, request: HttpRequest | None = None) -> Authorization:
    """The patient's one click: no login, the single-use link is the proof."""
    with transaction.atomic():
        link = links.resolve(token, LinkToken.Purpose.REVOKE, lock=True)
        auth = Authorization.objects.select_for_update().get(pk=link.authorization_id)
        if auth.status != Status.SIGNED:
            raise links.LinkInvalid
        links.use(link)
        return _revoke(
            auth,
            RevocationSource.PATIENT_LINK,
            actor=None,
            note="Revoked by the patient through the private link.",
            request=request,
        )


def _expire(
    auth: Authorization,
    now: dt.datetime,
    *,
    actor: User | None,
    detail: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    auth.status = Status.EXPIRED
    auth.expired_at = now
    auth.save()
    _close_links(auth, now)
    event = _publish_end(auth, events.AUTHORIZATION_EXPIRED, expired_at=now.isoformat())
    record(
        "authorization.expire",
        actor=actor,
        actor_label=None if actor is not None else "system",
        practice=auth.practice,
        obj=auth,
        rule="HIPAA-AUTH-DEFECT-EXPIRED",
        after={"expired_at": now.isoformat()},
        detail={"event": event.pk, **detail},
        request=request,
    )


def record_expiration_event(
    actor: User, authorization: Authorization, note: str, request: HttpRequest | None = None
) -> Authorization:
    """Staff record that the release's expiration event happened (164.508(b)(2)(i): the
    release is invalid once the practice knows). An event has no date the task can see."""
    require_own_release(actor, authorization, request)
    note = note.strip()
    if len(note) < 5:
        raise ActionError({"note": "Say how the practice learned that the event happened."})
    with transaction.atomic():
        auth: Authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.status != Status.SIGNED or not auth.expiration_event:
            raise ActionError({"": "Only a signed release with an expiry event can end this way."})
        _expire(
            auth, timezone.now(), actor=actor, detail={"cause": "expiration event"}, request=request
        )
        return auth


def due_for_expiry(now: dt.datetime | None = None) -> list[Authorization]:
    """Signed releases whose expiry day has ended in their practice's time zone."""
    now = now or timezone.now()
    rows = Authorization.objects.filter(
        status=Status.SIGNED,
        expires_on__isnull=False,
        expires_on__lte=now.date() + dt.timedelta(days=1),
    ).select_related("practice")
    out = []
    for auth in rows:
        assert auth.expires_on is not None
        if expiry_instant(auth.expires_on, practice_zone(auth.practice.time_zone)) <= now:
            out.append(auth)
    return out


def expire_due(now: dt.datetime | None = None) -> list[str]:
    """Expire every due release (idempotent: an expired one is never due again)."""
    now = now or timezone.now()
    done: list[str] = []
    for candidate in due_for_expiry(now):
        with transaction.atomic():
            auth = Authorization.objects.select_for_update().get(pk=candidate.pk)
            if auth.status != Status.SIGNED:
                continue
            _expire(auth, now, actor=None, detail={"expires_on": str(auth.expires_on)})
            done.append(auth.public_id)
    return done


EXPIRY_INTERVAL = dt.timedelta(hours=1)


@task()
def expire_authorizations() -> list[str]:
    """Background task: expire due releases, retry undelivered domain events (so a
    subscriber that failed on revocation gets another go), then queue the next run."""
    done = expire_due()
    events.deliver_pending()
    schedule_expiry(EXPIRY_INTERVAL)
    return done


def schedule_expiry(delay: dt.timedelta = EXPIRY_INTERVAL) -> bool:
    """Keep exactly one future run of `expire_authorizations` queued.

    django.tasks has no periodic scheduler, so the task re-queues itself with
    `run_after`; `clearpost setup` starts the chain. Backends that cannot defer (the
    immediate backend) are left alone: there the command or a test runs expiry.
    """
    backend = expire_authorizations.get_backend()
    if not backend.supports_defer:
        return False
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(
            task_path=expire_authorizations.module_path, status="READY"
        ).exists()
        if pending:
            return False
    expire_authorizations.using(run_after=timezone.now() + delay).enqueue()
    return True
