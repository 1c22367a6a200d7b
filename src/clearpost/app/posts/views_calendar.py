"""The content calendar (week and month), the weekly framework slots with suggestions,
the post list, and "what needs me" for the dashboard."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import check_roles
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.posts import actions, content
from clearpost.app.posts.models import ApprovalKind, Post, PostType, State
from clearpost.app.posts.views import _user

SUGGESTIONS: dict[str, str] = {
    PostType.EDUCATIONAL_TIP: "One thing patients ask about recovery, answered in three lines.",
    PostType.BEFORE_AFTER: "A consented before/after pair from the media library, with its timeframe.",
    PostType.TEAM_SPOTLIGHT: "Introduce a team member and what they love about their work.",
    PostType.FAQ: "Answer a question from the front desk (no patient details).",
    PostType.BEHIND_THE_SCENES: "The practice getting ready for the day: sterilising, setting up.",
    PostType.TESTIMONIAL: "A patient's own words with their signed release, and 'results vary'.",
}


def _start_of_week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _range_posts(user: User, start: dt.date, end: dt.date, zone: ZoneInfo) -> list[Post]:
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return list(
        actions.scoped_posts(user)
        .filter(scheduled_at__gte=lo, scheduled_at__lt=hi)
        .order_by("scheduled_at", "pk")
    )


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.practice is not None
    zone = ZoneInfo(user.practice.time_zone)
    today = timezone.now().astimezone(zone).date()
    try:
        anchor = dt.date.fromisoformat(request.GET.get("d", "")) if request.GET.get("d") else today
    except ValueError:
        anchor = today
    view = "month" if request.GET.get("view") == "month" else "week"
    if view == "week":
        start = _start_of_week(anchor)
        end = start + dt.timedelta(days=6)
        prev_d, next_d = start - dt.timedelta(days=7), start + dt.timedelta(days=7)
    else:
        first = anchor.replace(day=1)
        last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
        start, end = _start_of_week(first), _start_of_week(last) + dt.timedelta(days=6)
        prev_d = (first - dt.timedelta(days=1)).replace(day=1)
        next_d = last + dt.timedelta(days=1)
    posts = _range_posts(user, start, end, zone)
    by_day: dict[dt.date, list[Post]] = {}
    for p in posts:
        assert p.scheduled_at is not None
        by_day.setdefault(p.scheduled_at.astimezone(zone).date(), []).append(p)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    weeks = [
        [
            {
                "date": d,
                "posts": by_day.get(d, []),
                "today": d == today,
                "past": d < today,
                "other_month": view == "month" and d.month != anchor.month,
            }
            for d in days[i : i + 7]
        ]
        for i in range(0, len(days), 7)
    ]
    slots: list[dict[str, Any]] = []
    if view == "week":
        for value, label in PostType.choices:
            filled = [p for p in posts if p.post_type == value]
            slots.append(
                {
                    "type": value,
                    "label": label,
                    "posts": filled,
                    "suggestion": "" if filled else SUGGESTIONS[value],
                }
            )
    unscheduled = list(
        actions.scoped_posts(user).filter(scheduled_at__isnull=True).order_by("-updated_at")[:20]
    )
    return render(
        request,
        "posts/calendar.html",
        {
            "view": view,
            "weeks": weeks,
            "anchor": anchor,
            "start": start,
            "end": end,
            "prev": prev_d,
            "next": next_d,
            "today": today,
            "slots": slots,
            "unscheduled": unscheduled,
            "zone": user.practice.time_zone,
            "can_move": user.has_role(*actions.COMPOSE_ROLES, *actions.REVIEW_ROLES),
            "can_policy": user.has_role("owner", "privacy_officer"),
            "states": State.choices,
        },
    )


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    state = request.GET.get("state", "")
    rows = actions.scoped_posts(user).order_by("-updated_at")
    if state in State.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "posts/list.html",
        {
            "posts": list(rows[:200]),
            "state": state,
            "states": State.choices,
            "zone": user.practice.time_zone if user.practice else "UTC",
        },
    )


def needs_me(user: User) -> dict[str, list[Post]]:
    """What each person should look at now, by role (the dashboard's posts card)."""
    out: dict[str, list[Post]] = {}
    posts = actions.scoped_posts(user)
    if user.has_role(*actions.COMPOSE_ROLES):
        out["drafts"] = list(
            posts.filter(author=user, state=State.DRAFT, gate_passed=False).order_by("-updated_at")[
                :10
            ]
        )
        out["returned"] = list(
            posts.filter(author=user, state=State.DRAFT).exclude(rejection_reason="")[:10]
        )
    if user.has_role(*actions.REVIEW_ROLES):
        out["review"] = [
            p
            for p in posts.filter(state=State.IN_REVIEW)
            .exclude(author=user)
            .order_by("scheduled_at")[:20]
            if ApprovalKind.REVIEW in actions.missing_approvals(p)
        ]
    if user.has_role(*actions.PRIVACY_ROLES):
        out["privacy"] = [
            p
            for p in posts.filter(state=State.IN_REVIEW, identifiable=True)
            .exclude(author=user)
            .order_by("scheduled_at")[:20]
            if ApprovalKind.PRIVACY in actions.missing_approvals(p)
        ]
        out["takedowns"] = list(
            posts.filter(
                state__in=[State.SCHEDULED, State.PUBLISHED, State.APPROVED],
                media__item__links__authorization__revoked_at__isnull=False,
            ).distinct()[:20]
        )
    return out


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The practice's post policy: minors, and the patient preview per post type."""
    user = _user(request)
    check_roles(user, (Role.OWNER, Role.PRIVACY_OFFICER), request, "set the post policy")
    assert user.practice is not None
    current = content.policy_for(user.practice)
    if request.method == "POST":
        preview = {t: request.POST.get(f"preview_{t}", "default") for t in PostType.values}
        try:
            actions.set_policy(
                user,
                minors_allowed=request.POST.get("minors_allowed") == "on",
                preview=preview,
                request=request,
            )
        except ActionError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
        else:
            messages.success(request, "Post policy saved. It applies from the next check.")
            return HttpResponseRedirect(reverse("posts:policy"))
    rows = [
        {"type": value, "label": label, "value": (current.preview or {}).get(value, "default")}
        for value, label in PostType.choices
    ]
    return render(
        request, "posts/policy.html", {"minors_allowed": current.minors_allowed, "rows": rows}
    )
