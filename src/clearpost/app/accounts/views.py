"""Sign-in with lockout, sign-out, and TOTP enrolment and verification."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from clearpost.app.accounts import actions
from clearpost.app.accounts.middleware import MFA_OK
from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput, max_length=256)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=10, label="6-digit code")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("home")
    return target


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if actions.is_locked_out(username):
            actions.note_login(username, request, None, succeeded=False, reason="locked out")
            error = "Too many failed sign-ins. This account is locked for a while; try again later or ask your privacy officer."
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None or not isinstance(user, User) or user.practice_id is None:
                actions.note_login(
                    username, request, None, succeeded=False, reason="bad credentials"
                )
                error = "That username and password do not match."
            else:
                login(request, user)
                actions.note_login(username, request, user, succeeded=True)
                if user.requires_mfa:
                    target = (
                        "accounts:mfa_verify" if user.mfa_confirmed_at else "accounts:mfa_setup"
                    )
                    return HttpResponseRedirect(f"{reverse(target)}?next={_next_url(request)}")
                return HttpResponseRedirect(_next_url(request))
    status = 200 if not error else 401
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": error,
            "idle": request.GET.get("idle") == "1",
            "next": _next_url(request),
        },
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record("logout", actor=request.user, rule="SEC-AUDIT-CONTROLS", request=request)
    logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))


def _qr_svg(data: str) -> str:
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.mfa_confirmed_at:
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if actions.confirm_mfa(user, form.cleaned_data["code"], request):
            request.session[MFA_OK] = True
            return HttpResponseRedirect(_next_url(request))
        error = "That code is not right. Check the time on your phone and try the newest code."
    secret = actions.totp_secret(user) if request.method == "POST" else None
    if not secret:
        secret = actions.start_mfa_enrolment(user)
    uri = actions.provisioning_uri(user, secret)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "error": error,
            "secret": secret,
            "qr_svg": _qr_svg(uri),
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.mfa_confirmed_at:
        return HttpResponseRedirect(reverse("accounts:mfa_setup"))
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if actions.is_locked_out(user.get_username()):
            error = "Too many failed attempts. Try again later."
        elif actions.confirm_mfa(user, form.cleaned_data["code"], request):
            request.session.cycle_key()
            request.session[MFA_OK] = True
            return HttpResponseRedirect(_next_url(request))
        else:
            actions.note_login(
                user.get_username(), request, None, succeeded=False, reason="bad MFA code"
            )
            error = "That code is not right."
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "error": error, "next": _next_url(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Set your own password: required at first sign-in when someone else chose it."""
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(user, form.cleaned_data["new_password1"], request)
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse("home"))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "required": user.must_change_password},
    )
