"""`{% patient_releases patient %}`: the release list on the patient page.

An inclusion tag lets patients/detail.html show this section with one line, without the
patients app importing the authorizations app."""

from __future__ import annotations

from typing import Any

from django import template

from clearpost.app.authorizations.models import Authorization

register = template.Library()


@register.inclusion_tag("authorizations/patient_section.html", takes_context=True)
def patient_releases(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    request = context["request"]
    practice = getattr(request.user, "practice", None)
    rows = Authorization.objects.filter(practice=practice, patient=patient).order_by("-created_at")
    return {"releases": list(rows), "patient": patient, "request": request}
