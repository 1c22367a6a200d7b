"""Attach the signed-in user's practice to the request (tenant isolation starts here)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class PracticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        practice = getattr(user, "practice", None) if user and user.is_authenticated else None
        setattr(request, "practice", practice)  # noqa: B010 - HttpRequest declares no such field
        if practice is None:
            return self.get_response(request)
        # One time zone everywhere: every date a staff page shows is in the practice's zone.
        timezone.activate(ZoneInfo(practice.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
