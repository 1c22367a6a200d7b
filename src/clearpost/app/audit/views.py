"""The audit trail as the privacy officer and owner see it: their practice only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clearpost.app.accounts.models import Role, User
from clearpost.app.audit.actions import record
from clearpost.app.audit.models import AuditEvent


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.has_role(Role.OWNER, Role.PRIVACY_OFFICER):
        record(
            "permission.denied",
            actor=user,
            rule="SEC-ACCESS-CONTROL",
            detail={"view": "audit"},
            request=request,
        )
        raise PermissionDenied("Only the owner and the privacy officer can read the audit trail.")
    events = (
        AuditEvent.objects.filter(practice=user.practice).select_related("actor").order_by("-seq")
    )
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "action": action})
