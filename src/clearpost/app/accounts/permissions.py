"""Role checks for views: one place that refuses, audits the refusal, and raises 403.

Every permission denial is evidence (SEC-AUDIT-CONTROLS asks that refused access be
examinable), so a refusal that is not recorded is a bug. Views use `@require_roles`;
actions and the API call `deny()` directly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.actions import record

F = TypeVar("F", bound=Callable[..., HttpResponse])


def deny(
    actor: User,
    needed: str,
    *,
    rule: str = "SEC-ACCESS-CONTROL",
    request: HttpRequest | None = None,
    message: str = "Your role does not allow this.",
) -> NoReturn:
    """Audit a refusal (`permission.denied`) and raise 403. `needed` names what was
    missing (a role or a duty), never patient data."""
    record(
        "permission.denied",
        actor=actor,
        rule=rule,
        detail={"needed": needed, "path": request.path if request is not None else ""},
        request=request,
    )
    raise PermissionDenied(message)


def check_roles(
    actor: User, roles: tuple[Role, ...], request: HttpRequest | None = None, what: str = ""
) -> None:
    if not actor.has_role(*roles):
        deny(
            actor,
            "one of: " + ", ".join(sorted(str(r) for r in roles)),
            request=request,
            message=f"Only {' or '.join(r.label.lower() for r in roles)} staff can {what or 'do this'}.",
        )


def require_roles(*roles: Role, what: str = "") -> Callable[[F], F]:
    """Signed in, in a practice, and holding one of `roles`; otherwise 403, audited."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or user.practice_id is None:
                raise PermissionDenied("This account belongs to no practice.")
            check_roles(user, roles, request, what)
            return view(request, *args, **kwargs)

        return cast(F, login_required(wrapped))

    return decorate


REQUEST_STARTED = "_clearpost_started"


def audit_if_unrecorded(request: HttpRequest, exc: PermissionDenied) -> None:
    """The safety net behind `deny()`: a refusal raised by code that did not audit it
    (a tenancy guard, a library) is recorded here, once, so no denial goes unseen."""
    from clearpost.app.audit.models import AuditEvent

    user = getattr(request, "user", None)
    actor = user if isinstance(user, User) else None
    started = getattr(request, REQUEST_STARTED, None)
    already = AuditEvent.objects.filter(action="permission.denied", actor=actor)
    if started is not None:
        already = already.filter(at__gte=started)
    if started is not None and already.exists():
        return
    record(
        "permission.denied",
        actor=actor,
        actor_label=None if actor is not None else "anonymous",
        rule="SEC-ACCESS-CONTROL",
        detail={"needed": str(exc)[:200] or "permission", "path": request.path},
        request=request,
    )


class DenialAuditMiddleware:
    """Audits any 403 a view raises that nothing audited before it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setattr(request, REQUEST_STARTED, timezone.now())
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            audit_if_unrecorded(request, exception)
