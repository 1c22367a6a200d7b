"""Staff pages for templates and releases, the patient kiosk and the revocation link.

Thin on purpose: every change goes through `actions`, every lookup is scoped to the
signed-in user's practice (another practice's release is a 404 like a missing one), and
the public pages (kiosk, revocation) show one neutral page for every unusable link.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations import actions, links
from clearpost.app.authorizations.coverage import check_use
from clearpost.app.authorizations.forms import (
    CheckUseForm,
    EmailCopyForm,
    ExpiryEventForm,
    KioskForm,
    PrepareForm,
    RevokeForm,
    TemplateForm,
    VerifySignerForm,
    add_action_errors,
)
from clearpost.app.authorizations.models import Authorization, ReleaseTemplate, Status
from clearpost.app.authorizations.scope import expiry_words
from clearpost.app.authorizations.signature import (
    SignatureError,
    decode_data_url,
    typed_signature_png,
)
from clearpost.app.patients.actions import require_patient_access, reveal_identity
from clearpost.app.patients.views import get_patient
from clearpost.engine.consent.model import MalformedInput

KIOSK_COPY = "clearpost_kiosk_copy"
KIOSK_COPY_SECONDS = 15 * 60


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _get_template(request: HttpRequest, pk: int) -> ReleaseTemplate:
    found: ReleaseTemplate | None = actions.scoped_templates(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("No such template")
    return found


def _get_authorization(request: HttpRequest, public_id: str) -> Authorization:
    found: Authorization | None = (
        actions.scoped_authorizations(_user(request))
        .select_related("patient", "template_version__template", "practice")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404("No such release")
    return found


# Templates --------------------------------------------------------------------------
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actions.require_template_admin(user, request)
    rows = [(t, t.latest_version()) for t in actions.scoped_templates(user).order_by("name")]
    return render(request, "authorizations/template_list.html", {"rows": rows})


@login_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    actions.require_template_admin(user, request)
    template = _get_template(request, pk) if pk is not None else None
    latest = template.latest_version() if template else None
    initial = {"name": template.name, "text": latest.text} if template and latest else {}
    form = TemplateForm(request.POST or None, request.FILES or None, initial=initial)
    rejected = None
    submitted = ""
    if request.method == "POST" and form.is_valid():
        submitted = form.cleaned_data.get("text") or ""
        try:
            version = actions.save_template_version(
                user,
                name=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
                template=template,
                request=request,
            )
        except actions.TemplateRejected as exc:
            # The findings are listed once, in the Checks card, not again on the field.
            rejected = exc.lint.to_json()
        except actions.ActionError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, f"Saved version {version.number}.")
            return HttpResponseRedirect(
                reverse("authorizations:template_edit", args=[version.template_id])
            )
    grade = None
    if rejected is None and latest is not None:
        grade = latest.readability_grade
    elif rejected is not None:  # the text that was checked, not the form's (emptied) copy
        _, grade = actions.lint_text(submitted)
    return render(
        request,
        "authorizations/template_edit.html",
        {
            "form": form,
            "template": template,
            "latest": latest,
            "lint": rejected if rejected is not None else (latest.lint if latest else None),
            "grade": grade,
            "rejected": rejected is not None,
            "versions": template.versions.order_by("-number") if template else [],
        },
    )


# Releases ---------------------------------------------------------------------------
@login_required
def authorization_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_patient_access(user, request)
    rows = actions.scoped_authorizations(user).select_related("patient").order_by("-created_at")
    return render(request, "authorizations/list.html", {"rows": rows[:200]})


@login_required
def prepare(request: HttpRequest, patient_id: str) -> HttpResponse:
    user = _user(request)
    require_patient_access(user, request)
    patient = get_patient(request, patient_id)
    versions = actions.usable_versions(user)
    form = PrepareForm(request.POST or None, versions=versions, practice=user.practice)
    if request.method == "POST" and form.is_valid():
        try:
            auth = actions.prepare_authorization(
                user, patient, form.cleaned_data["template"], form.scope(), request
            )
        except actions.ActionError as exc:
            add_action_errors(form, exc)
        else:
            return HttpResponseRedirect(reverse("authorizations:detail", args=[auth.public_id]))
    identity = reveal_identity(user, patient, request, purpose="prepare release")
    return render(
        request,
        "authorizations/prepare.html",
        {"form": form, "patient": patient, "identity": identity, "has_templates": bool(versions)},
    )


def _detail_context(request: HttpRequest, auth: Authorization, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    identity = reveal_identity(user, auth.patient, request, purpose="release page")
    signed = None
    signature_data = ""
    if auth.signed_at is not None:
        signed = actions.read_signed_release(user, auth, request)
        signature_data = base64.b64encode(signed.signature_png).decode("ascii")
    events = AuditEvent.objects.filter(practice=auth.practice, object_id=auth.public_id).order_by(
        "seq"
    )[:100]
    context: dict[str, Any] = {
        "auth": auth,
        "identity": identity,
        "signed": signed,
        "signature_data": signature_data,
        "scope_lines": actions.scope_lines(auth),
        "expiry": expiry_words(auth.expires_on, auth.expiration_event),
        "deliveries": auth.deliveries.order_by("at"),
        "events": events,
        "revoke_form": RevokeForm(),
        "email_form": EmailCopyForm(),
        "expiry_form": ExpiryEventForm(),
        "verify_form": VerifySignerForm(),
        "check_form": CheckUseForm(initial={"platform": (auth.platforms or [""])[0]}),
        "check_result": None,
        "can_open_kiosk": auth.status in (Status.DRAFT, Status.AWAITING_SIGNATURE),
    }
    context.update(extra)
    return context


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    require_patient_access(user, request)
    auth = _get_authorization(request, public_id)
    return render(request, "authorizations/detail.html", _detail_context(request, auth))


@login_required
@require_POST
def open_kiosk(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    auth = _get_authorization(request, public_id)
    try:
        token = actions.open_kiosk(user, auth, request)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("authorizations:detail", args=[public_id]))
    # Handing the tablet over ends the staff session on it: otherwise "Back" or a typed
    # URL would take the patient into staff pages.
    record(
        "logout",
        actor=user,
        rule="SEC-AUDIT-CONTROLS",
        detail={"why": "kiosk handover"},
        request=request,
    )
    logout(request)
    return HttpResponseRedirect(reverse("kiosk:sign", args=[token]))


def _detail_form_post(
    request: HttpRequest,
    public_id: str,
    form_class: type[forms.Form],
    form_key: str,
    act: Callable[[User, Authorization, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """The release page's small forms all work alike: validate, run the one action,
    report success and go back to the page, or show the page again with the errors."""
    user = _user(request)
    auth = _get_authorization(request, public_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(user, auth, form.cleaned_data)
        except actions.ActionError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("authorizations:detail", args=[public_id]))
    return render(
        request,
        "authorizations/detail.html",
        _detail_context(request, auth, **{form_key: form}),
        status=400,
    )


@login_required
@require_POST
def verify_signer(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_form_post(
        request,
        public_id,
        VerifySignerForm,
        "verify_form",
        lambda user, auth, data: actions.attest_signer_verified(user, auth, data["note"], request),
        "The signer check is recorded.",
    )


@login_required
@require_POST
def expiry_event(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_form_post(
        request,
        public_id,
        ExpiryEventForm,
        "expiry_form",
        lambda user, auth, data: actions.record_expiration_event(user, auth, data["note"], request),
        "The release has ended: its expiry event happened.",
    )


@login_required
def copy_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    auth = _get_authorization(request, public_id)
    try:
        pdf = actions.download_copy(user, auth, request)
    except actions.ActionError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("authorizations:detail", args=[public_id]))
    return _pdf_response(pdf, auth.public_id)


def _pdf_response(pdf: bytes, public_id: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="media-release-{public_id}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def email_copy(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_form_post(
        request,
        public_id,
        EmailCopyForm,
        "email_form",
        lambda user, auth, data: actions.email_copy(user, auth, data["email"], request),
        "The copy was sent.",
    )


@login_required
@require_POST
def revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail_form_post(
        request,
        public_id,
        RevokeForm,
        "revoke_form",
        lambda user, auth, data: actions.revoke_by_staff(user, auth, data["note"], request),
        "The release is revoked. No new use is allowed.",
    )


@login_required
@require_POST
def check(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    require_patient_access(user, request)
    auth = _get_authorization(request, public_id)
    form = CheckUseForm(request.POST)
    result = None
    if form.is_valid():
        try:
            result = check_use(auth, form.use(), actor=user)
        except MalformedInput as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "authorizations/detail.html",
        _detail_context(request, auth, check_form=form, check_result=result),
    )


# Kiosk (no staff session needed; no staff navigation) -------------------------------
def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "authorizations/link_invalid.html", status=404)


@never_cache
def kiosk_sign(request: HttpRequest, token: str) -> HttpResponse:
    try:
        page = actions.kiosk_page(token, request)
    except links.LinkInvalid:
        return _link_invalid(request)
    form = KioskForm(request.POST or None, relationships=page.relationships, minor=page.minor)
    if request.method == "POST" and form.is_valid():
        try:
            typed = bool(form.cleaned_data.get("typed_signature"))
            png = (
                typed_signature_png(form.cleaned_data["typed_name"])
                if typed
                else decode_data_url(form.cleaned_data.get("signature") or "")
            )
            result = actions.sign(
                token,
                actions.SignatureInput(
                    typed_name=form.cleaned_data["typed_name"],
                    relationship=form.cleaned_data["relationship"],
                    authority_description=form.cleaned_data.get("authority_description") or "",
                    minor_assent=form.assent(),
                    signature_png=png,
                    method="typed" if typed else "drawn",
                ),
                request,
            )
        except SignatureError as exc:
            form.add_error("signature", str(exc))
        except actions.ActionError as exc:
            add_action_errors(form, exc)
        except links.LinkInvalid:
            return _link_invalid(request)
        else:
            request.session[KIOSK_COPY] = {
                "id": result.authorization.public_id,
                "url": result.revocation_url,
                "until": time.time() + KIOSK_COPY_SECONDS,
            }
            return HttpResponseRedirect(reverse("kiosk:done"))
    return render(
        request,
        "authorizations/kiosk.html",
        {"page": page, "auth": page.authorization, "form": form},
    )


def _kiosk_copy(request: HttpRequest) -> tuple[Authorization, str] | None:
    held = request.session.get(KIOSK_COPY)
    if not isinstance(held, dict) or float(held.get("until", 0)) < time.time():
        return None
    auth = Authorization.objects.filter(public_id=held.get("id")).first()
    if auth is None or auth.signed_at is None:
        return None
    return auth, str(held.get("url", ""))


@never_cache
def kiosk_done(request: HttpRequest) -> HttpResponse:
    held = _kiosk_copy(request)
    if held is None:
        return _link_invalid(request)
    auth, url = held
    return render(request, "authorizations/kiosk_done.html", {"auth": auth, "revocation_url": url})


@never_cache
def kiosk_copy(request: HttpRequest) -> HttpResponse:
    """The patient takes the copy on the tablet right after signing (session-bound)."""
    held = _kiosk_copy(request)
    if held is None:
        return _link_invalid(request)
    auth, _ = held
    pdf = actions.download_copy(None, auth, request)
    return _pdf_response(pdf, auth.public_id)


@never_cache
def kiosk_finish(request: HttpRequest) -> HttpResponse:
    """Hand the tablet back: forget the copy link so the next person cannot see it."""
    request.session.pop(KIOSK_COPY, None)
    return render(request, "authorizations/kiosk_finished.html")


# Patient revocation link -------------------------------------------------------------
@never_cache
def revoke_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            auth = actions.revoke_by_link(token, request)
        except links.LinkInvalid:
            return _link_invalid(request)
        return render(request, "authorizations/revoke_done.html", {"auth": auth})
    try:
        auth = actions.revocation_page(token)
    except links.LinkInvalid:
        return _link_invalid(request)
    return render(
        request,
        "authorizations/revoke_confirm.html",
        {"auth": auth, "practice_name": auth.practice.name},
    )
