"""The audit trail's integrity, for the people who answer for it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from clearpost.app.accounts.models import Role
from clearpost.app.accounts.permissions import check_roles
from clearpost.app.api.base import actor
from clearpost.app.audit.actions import record, verify_practice

router = Router(tags=["audit"])


class ProblemOut(Schema):
    seq: int
    kind: str
    message: str


class VerifyOut(Schema):
    ok: bool
    events: int  # events in the caller's practice's chain (checked before this call's event)
    last_checkpoint: str  # when the last signed checkpoint of this chain was taken, ISO
    problems: list[ProblemOut]


@router.get(
    "/verify",
    response=VerifyOut,
    summary="Is my practice's audit trail intact?",
    description="Checks the caller's practice's sealed chain only (no other practice's "
    "state is read or disclosed) against its head and the signed checkpoints kept outside "
    "the database, then writes a new checkpoint if it is intact.",
)
def verify(request: HttpRequest) -> VerifyOut:
    user = actor(request)
    check_roles(user, (Role.PRIVACY_OFFICER, Role.OWNER), request, "check the audit trail")
    report = verify_practice(user.practice)
    record(
        "audit.verify",
        actor=user,
        rule="SEC-AUDIT-CONTROLS",
        detail={"ok": report.ok, "problems": len(report.problems)},
        request=request,
    )
    return VerifyOut(
        ok=report.ok,
        events=report.events,
        last_checkpoint=report.last_checkpoint,
        problems=[ProblemOut(seq=p.seq, kind=p.kind, message=p.message) for p in report.problems],
    )
