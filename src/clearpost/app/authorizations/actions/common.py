"""Shared pieces: errors, constants, permission checks and scoped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import deny
from clearpost.app.authorizations.models import (
    Authorization,
    ReleaseTemplate,
    TemplateVersion,
)
from clearpost.app.patients.actions import require_patient_access
from clearpost.engine.consent.template_lint import (
    LintResult,
)

DEFAULT_TEMPLATE_NAME = "Social media release (default)"
MAX_TEMPLATE_BYTES = 100_000
REVOCATION_LINK_WORDS = "the private link printed on your copy of this form"
# A revocation link must outlive every release it can end; 6 years matches retention.
REVOKE_LINK_LIFETIME = dt.timedelta(days=6 * 366)
TEMPLATE_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)


class ActionError(Exception):
    """A refused action; `errors` maps form field names ("" = whole form) to messages."""

    def __init__(self, errors: Mapping[str, str | list[str]]) -> None:
        self.errors: dict[str, list[str]] = {
            k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()
        }
        super().__init__("; ".join(m for ms in self.errors.values() for m in ms))


class TemplateRejected(ActionError):
    """The linter marks the template unusable; `lint` holds every finding."""

    def __init__(self, lint: LintResult) -> None:
        self.lint = lint
        blocking = [f.message for f in lint.findings if f.severity.value == "blocking"]
        super().__init__({"text": blocking or ["The template is not usable."]})


# Permissions ------------------------------------------------------------------------
def require_template_admin(actor: User, request: HttpRequest | None = None) -> None:
    if not actor.has_role(*TEMPLATE_ROLES):
        deny(
            actor,
            "release template editing",
            request=request,
            message="Only the owner and the privacy officer edit release templates.",
        )


def require_own_release(
    actor: User, authorization: Authorization, request: HttpRequest | None = None
) -> None:
    """Every action on one release: a patient role, and a release of the actor's practice."""
    require_patient_access(actor, request)
    if authorization.practice_id != actor.practice_id:
        raise PermissionDenied("Not a release of your practice.")


def scoped_templates(actor: User) -> QuerySet[ReleaseTemplate]:
    if actor.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return ReleaseTemplate.objects.filter(practice=actor.practice)


def scoped_authorizations(actor: User) -> QuerySet[Authorization]:
    """The actor's practice's releases; the only way code reaches them for a person."""
    if actor.practice is None:
        raise PermissionDenied("This account belongs to no practice.")
    return Authorization.objects.filter(practice=actor.practice)


def usable_versions(actor: User) -> list[TemplateVersion]:
    """The newest version of each of the practice's templates, when it is usable."""
    out = []
    for template in scoped_templates(actor).order_by("name"):
        latest = template.latest_version()
        if latest is not None and latest.usable:
            out.append(latest)
    return out
