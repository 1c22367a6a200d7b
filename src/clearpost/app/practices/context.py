from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from clearpost.app.accounts.models import PATIENT_ROLES, Role


def practice(request: HttpRequest) -> dict[str, Any]:
    """The practice and what the signed-in person's roles let them reach, so the
    navigation offers only pages that will not answer 403."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated and hasattr(user, "has_role"))
    return {
        "practice": getattr(request, "practice", None),
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60,
        "can_admin": signed_in and user.has_role(Role.OWNER, Role.PRIVACY_OFFICER),  # type: ignore[union-attr]
        "can_see_patients": signed_in and user.has_role(*PATIENT_ROLES),  # type: ignore[union-attr]
    }
