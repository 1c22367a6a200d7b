"""The dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from clearpost.app.accounts.actions import training_status
from clearpost.app.accounts.models import TRAINED_ROLES, User
from clearpost.app.media import selectors as media_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    staff = (
        User.objects.filter(practice=user.practice, is_active=True)
        .prefetch_related("role_grants", "training_records")
        .order_by("username")
    )
    today = timezone.localdate()
    rows = []
    for member in staff:
        roles = sorted(g.role for g in member.role_grants.all())
        records = list(member.training_records.all())
        current = [r for r in records if r.completed_on <= today <= r.expires_on]
        rows.append(
            {
                "user": member,
                "roles": roles,
                "needs_training": bool(set(roles) & TRAINED_ROLES),
                "training": max(current, key=lambda r: r.expires_on, default=None),
                "status": training_status(roles, records, today),
            }
        )
    from clearpost.app.posts.views_calendar import needs_me

    to_review = list(media_selectors.to_review(user.practice)) if user.practice else []
    return render(
        request,
        "home.html",
        {"staff": rows, "to_review": to_review, "needs": needs_me(user)},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
