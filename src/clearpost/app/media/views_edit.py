"""Item edits: manual regions (drawn in the browser), faces, links, labels and pairs.

Each view is a thin call to one action; a refused action comes back as a message on
the item page (or JSON for the region editor's fetch).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clearpost.app.authorizations.actions import ActionError, scoped_authorizations
from clearpost.app.authorizations.models import Authorization
from clearpost.app.media import actions, selectors
from clearpost.app.media.models import MediaItem
from clearpost.app.media.views import _item, _user
from clearpost.app.patients.actions import scoped_patients
from clearpost.app.patients.models import Patient


def _back(item: MediaItem, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("media:detail", args=[item.public_id]) + anchor)


def _run(request: HttpRequest, item: MediaItem, fn: Callable[[], object], done: str) -> None:
    try:
        fn()
    except ActionError as exc:
        for errs in exc.errors.values():
            for e in errs:
                messages.error(request, e)
    else:
        messages.info(request, done)


@login_required
def regions(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: the drawing page. POST (JSON {"regions": [...]}): save and re-run."""
    user = _user(request)
    item = _item(request, public_id)
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            saved = actions.save_regions(user, item, body.get("regions"), request)
        except (ValueError, AttributeError):
            return JsonResponse({"detail": "Send JSON with a list of regions."}, status=400)
        except ActionError as exc:
            return JsonResponse({"detail": str(exc), "errors": exc.errors}, status=422)
        return JsonResponse(
            {"saved": len(saved.regions), "url": reverse("media:detail", args=[saved.public_id])}
        )
    report = item.report_dict
    return render(
        request,
        "media/regions.html",
        {
            "item": item,
            "width": report.get("width") or 0,
            "height": report.get("height") or 0,
            "regions": item.regions,
            "can_see_original": user.has_role(*actions.ORIGINAL_ROLES),
        },
    )


@require_POST
@login_required
def faces_keep(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    _run(
        request,
        item,
        lambda: actions.leave_faces_visible(
            _user(request), item, request.POST.get("reason", ""), request
        ),
        "Faces will be left visible; de-identification runs again.",
    )
    return _back(item)


@require_POST
@login_required
def faces_redact(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    _run(
        request,
        item,
        lambda: actions.redact_faces_again(_user(request), item, request),
        "Faces will be redacted again.",
    )
    return _back(item)


def _patient(request: HttpRequest, public_id: str) -> Patient | None:
    if not public_id:
        return None
    found: Patient | None = scoped_patients(_user(request)).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such patient")
    return found


def _release(request: HttpRequest, public_id: str) -> Authorization | None:
    if not public_id:
        return None
    found: Authorization | None = (
        scoped_authorizations(_user(request)).filter(public_id=public_id).first()
    )
    if found is None:
        raise Http404("No such release")
    return found


@require_POST
@login_required
def link(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    release = _release(request, request.POST.get("authorization", ""))
    patient = _patient(request, request.POST.get("patient", ""))
    if patient is None and release is not None:
        patient = release.patient
    if patient is None:
        messages.error(request, "Choose a patient or one of their releases.")
        return _back(item, "#links")
    _run(
        request,
        item,
        lambda: actions.link_patient(_user(request), item, patient, release, request),
        "Linked.",
    )
    return _back(item, "#links")


@require_POST
@login_required
def unlink(request: HttpRequest, public_id: str, link_id: int) -> HttpResponse:
    item = _item(request, public_id)
    _run(
        request,
        item,
        lambda: actions.unlink(_user(request), item, link_id, request),
        "Link removed.",
    )
    return _back(item, "#links")


@require_POST
@login_required
def no_patient(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    kind = request.POST.get("kind", "")
    _run(
        request,
        item,
        lambda: actions.mark_no_patient(_user(request), item, kind, request),
        "Marked as showing no patient.",
    )
    return _back(item, "#links")


@require_POST
@login_required
def body_regions(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _item(request, public_id)
    chosen = request.POST.getlist("body_regions")
    _run(
        request,
        item,
        lambda: actions.set_body_regions(_user(request), item, chosen, request),
        "Body regions saved.",
    )
    return _back(item, "#links")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def pair_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.practice is not None
    candidates = list(selectors.items(user.practice).filter(links__isnull=False).distinct()[:200])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            before = selectors.item_for(user.practice, request.POST.get("before", ""))
            after = selectors.item_for(user.practice, request.POST.get("after", ""))
        except Http404:
            errors = {"": ["Choose the before and the after item."]}
        else:
            try:
                pair = actions.create_pair(
                    user,
                    before,
                    after,
                    _date(request.POST.get("before_date", "")),
                    _date(request.POST.get("after_date", "")),
                    request.POST.get("reason", ""),
                    request,
                )
            except ActionError as exc:
                errors = exc.errors
            else:
                return HttpResponseRedirect(reverse("media:pair", args=[pair.public_id]))
    return render(
        request,
        "media/pair_new.html",
        {
            "candidates": candidates,
            "errors": errors,
            "post": request.POST,
            "first": request.GET.get("item", ""),
        },
    )


@login_required
def pair(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    assert user.practice is not None
    found = selectors.pair_for(user.practice, public_id)
    from clearpost.app.media.presenter import provenance

    return render(
        request,
        "media/pair.html",
        {
            "pair": found,
            "before_prov": provenance(found.before) if found.before.report else None,
            "after_prov": provenance(found.after) if found.after.report else None,
        },
    )
