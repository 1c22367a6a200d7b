"""The audit trail as the privacy officer and owner see it: their practice only.

It reads like a record for a manager: who (a name), did what (in words), to which
object, when (in the practice's time zone, named), with filters by person, object,
action and date; and a button that verifies the practice's sealed chain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import require_roles
from clearpost.app.audit.actions import ChainReport, record, verify_practice
from clearpost.app.audit.models import AuditEvent

ACTIONS = {
    "login.success": "signed in",
    "login.failure": "failed to sign in",
    "mfa.success": "passed two-step sign-in",
    "mfa.failure": "failed two-step sign-in",
    "mfa.enrolled": "set up two-step sign-in",
    "session.idle_logoff": "was signed out after being idle",
    "permission.denied": "was refused access",
    "patient.create": "added a patient",
    "patient.view": "viewed a patient's identity",
    "patient.list": "viewed a list of patients",
    "authorization.prepare": "prepared a release",
    "authorization.sign": "recorded a signature",
    "authorization.signer_verified": "verified the signer's authority",
    "authorization.view": "viewed a signed release",
    "authorization.copy": "sent a copy of a release",
    "authorization.revoke": "revoked a release",
    "authorization.revoke_effect": "applied a revocation",
    "authorization.expire": "expired a release",
    "authorization.check_use": "checked whether a release covers a use",
    "authorization.kiosk_open": "opened the signing kiosk",
    "authorization.kiosk_view": "opened a signing link",
    "template.version": "saved a release template",
    "template.refused": "had a release template refused",
    "role.grant": "gave a role",
    "role.revoke": "removed a role",
    "staff.create": "added a staff member",
    "staff.deactivate": "deactivated a staff member",
    "training.record": "recorded training",
    "api_token.issue": "issued an API token",
    "api_token.revoke": "revoked an API token",
    "api.auth_failure": "API sign-in failed",
    "audit.verify": "verified the audit trail",
}
WHO = {  # events with no staff member behind them
    "system": "ClearPost (automatic)",
    "kiosk": "The patient, at the signing kiosk",
    "patient link": "The patient, by their private link",
    "setup": "ClearPost setup",
    "api": "Someone using the API (sign-in failed)",
}
OBJECTS = {
    "patients.patient": "Patient",
    "authorizations.authorization": "Release",
    "authorizations.releasetemplate": "Release template",
    "authorizations.templateversion": "Template version",
    "accounts.user": "Staff member",
    "accounts.apitoken": "API token",
}


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filtered(
    request: HttpRequest, user: User, zone: ZoneInfo
) -> tuple[QuerySet[AuditEvent], dict[str, Any]]:
    events = AuditEvent.objects.filter(practice=user.practice).select_related("actor")
    f = {k: request.GET.get(k, "").strip() for k in ("who", "action", "object", "since", "until")}
    if f["who"] == "system":
        events = events.filter(actor__isnull=True)
    elif f["who"]:
        events = events.filter(actor__public_id=f["who"])
    if f["action"]:
        events = events.filter(action=f["action"])
    if f["object"]:
        events = events.filter(object_id=f["object"])
    since, until = _day(f["since"]), _day(f["until"])
    if since:
        events = events.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        events = events.filter(at__lt=end)
    return events.order_by("-seq"), f


def _rows(page: Any, zone: ZoneInfo) -> list[dict[str, str]]:
    rows = []
    for e in page:
        who = (e.actor.get_full_name() or e.actor.get_username()) if e.actor else e.actor_label
        rows.append(
            {
                "when": e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "who": WHO.get(who, who),
                "what": ACTIONS.get(e.action, e.action.replace("_", " ").replace(".", ": ")),
                "object": OBJECTS.get(e.object_type, e.object_type),
                "object_id": e.object_id,
                "rule": e.rule,
                "action": e.action,
            }
        )
    return rows


def _page(
    request: HttpRequest, user: User, verification: ChainReport | None = None
) -> HttpResponse:
    assert user.practice is not None
    zone = ZoneInfo(user.practice.time_zone)
    events, filters = _filtered(request, user, zone)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    staff = User.objects.filter(practice=user.practice).order_by("first_name", "username")
    actions = sorted(
        set(
            AuditEvent.objects.filter(practice=user.practice)
            .values_list("action", flat=True)
            .distinct()
        )
    )
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "rows": _rows(page, zone),
            "filters": filters,
            "query": query,
            "staff": staff,
            "actions": [(a, ACTIONS.get(a, a)) for a in actions],
            "zone": user.practice.time_zone,
            "verification": verification,
        },
        status=200 if verification is None or verification.ok else 409,
    )


@require_roles(Role.OWNER, Role.PRIVACY_OFFICER, what="read the audit trail")
def event_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return _page(request, user)


@require_POST
@require_roles(Role.OWNER, Role.PRIVACY_OFFICER, what="verify the audit trail")
def verify(request: HttpRequest) -> HttpResponse:
    """Verify this practice's chain (only), checkpoint it if intact, and say so."""
    user = request.user
    assert isinstance(user, User)
    report = verify_practice(user.practice)
    record(
        "audit.verify",
        actor=user,
        rule="SEC-AUDIT-CONTROLS",
        detail={"ok": report.ok, "problems": len(report.problems)},
        request=request,
    )
    return _page(request, user, report)
