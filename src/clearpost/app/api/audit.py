"""The audit trail's integrity, for the people who answer for it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from clearpost.app.accounts.models import Role
from clearpost.app.accounts.permissions import check_roles
from clearpost.app.api.base import actor
from clearpost.app.audit.actions import record, verify_trail
from clearpost.app.audit.models import AuditEvent

router = Router(tags=["audit"])


class ProblemOut(Schema):
    seq: int
    kind: str
    message: str


class VerifyOut(Schema):
    ok: bool
    events: int  # events of the caller's practice; the check covers the whole chain
    problems: list[ProblemOut]


@router.get("/verify", response=VerifyOut, summary="Is the hash chain intact?")
def verify(request: HttpRequest) -> VerifyOut:
    user = actor(request)
    check_roles(user, (Role.PRIVACY_OFFICER, Role.OWNER), request, "check the audit trail")
    problems = verify_trail()
    record(
        "audit.verify",
        actor=user,
        rule="SEC-AUDIT-CONTROLS",
        detail={"ok": not problems, "problems": len(problems)},
        request=request,
    )
    return VerifyOut(
        ok=not problems,
        events=AuditEvent.objects.filter(practice=user.practice).count(),
        problems=[ProblemOut(seq=p.seq, kind=p.kind, message=p.message) for p in problems],
    )
