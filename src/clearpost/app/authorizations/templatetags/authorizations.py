"""`{% patient_releases patient %}`: the release list on the patient page.

An inclusion tag lets patients/detail.html show this section with one line, without the
patients app importing the authorizations app."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clearpost.app.authorizations.models import Authorization

register = template.Library()


@register.inclusion_tag("authorizations/patient_section.html", takes_context=True)
def patient_releases(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    request = context["request"]
    practice = getattr(request.user, "practice", None)
    rows = Authorization.objects.filter(practice=practice, patient=patient).order_by("-created_at")
    return {"releases": list(rows), "patient": patient, "request": request}


@register.filter
def release_html(text: str) -> SafeString:
    """The release's plain-language Markdown subset as HTML: headings, bullets, paragraphs.

    Every line is escaped first, so a template's text can never inject markup into the
    kiosk; only the few block shapes the default template uses are recognised (a full
    Markdown library would add features nobody can review on a consent form).
    """
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in str(text).splitlines():
        line = raw.strip()
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1)) + 1
            out.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(str(escape(line[2:])))
        else:
            if items:
                flush()
            paragraph.append(str(escape(line)))
    flush()
    return mark_safe("\n".join(out))  # noqa: S308 - every fragment above is escaped
