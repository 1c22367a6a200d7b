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
