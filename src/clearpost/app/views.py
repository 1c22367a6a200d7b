"""The dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from clearpost.app.accounts.models import TRAINED_ROLES, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    staff = (
        User.objects.filter(practice=user.practice, is_active=True)
        .prefetch_related("role_grants", "training_records")
        .order_by("username")
    )
    rows = []
    for member in staff:
        roles = sorted(g.role for g in member.role_grants.all())
        needs_training = bool(set(roles) & TRAINED_ROLES)
        rows.append(
            {
                "user": member,
                "roles": roles,
                "needs_training": needs_training,
                "training": member.current_training(),
            }
        )
    return render(request, "home.html", {"staff": rows})


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
