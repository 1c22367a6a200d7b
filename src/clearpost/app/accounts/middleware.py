"""Session safeguards: idle logoff (SEC-AUTO-LOGOFF), the MFA gate and the first-sign-in
password change (SEC-AUTHN)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from clearpost.app.audit.actions import record

LAST_SEEN = "clearpost_last_seen"
MFA_OK = "clearpost_mfa_ok"
# Paths an MFA-pending or signed-out person may reach (the kiosk, the patient's
# revocation link and post preview carry their own single-use tokens and never a staff
# session; "/p/" also holds the signed media links, "/p/m/", the platforms fetch).
OPEN_PREFIXES = ("/accounts/", "/static/", "/kiosk/", "/r/", "/p/", "/api/", "/healthz")


class IdleLogoffMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - float(last) > settings.IDLE_TIMEOUT_MINUTES * 60:
                record(
                    "session.idle_logoff",
                    actor=user,
                    rule="SEC-AUTO-LOGOFF",
                    detail={"idle_seconds": int(now - float(last))},
                    request=request,
                )
                logout(request)
                return HttpResponseRedirect(f"{reverse('accounts:login')}?idle=1")
            # A background poll (htmx keep-alive) must not count as activity.
            if request.headers.get("X-ClearPost-Passive") != "1":
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "requires_mfa", False)
            and not request.session.get(MFA_OK)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            target = (
                "accounts:mfa_verify"
                if getattr(user, "mfa_confirmed_at", None)
                else "accounts:mfa_setup"
            )
            return HttpResponseRedirect(reverse(target))
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return HttpResponseRedirect(reverse("accounts:password_change"))
        return self.get_response(request)
