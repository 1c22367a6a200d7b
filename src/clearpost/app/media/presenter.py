"""What the item page shows, built from the item, its engine report and its links.

Outlines are drawn as SVG in the image's own pixel space (viewBox = the report's width
and height), so boxes line up at any screen size without scripts or inline styles.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clearpost.app.accounts.models import PATIENT_ROLES, User
from clearpost.app.authorizations.actions import scoped_authorizations
from clearpost.app.authorizations.models import Status
from clearpost.app.media import actions, allowlist
from clearpost.app.media.models import MediaItem, MediaPair, MediaStatus
from clearpost.app.patients.actions import reveal_many, scoped_patients
from clearpost.engine import catalog
from clearpost.engine.consent.model import BodyRegion

PROVENANCE_RULES = {"US": "CA-BPC-651-ALTERED", "GB": "UK-CAP-FILTERS"}


def outlines(item: MediaItem) -> list[dict[str, Any]]:
    """Every detected face, text region and manual region as an SVG shape with a label."""
    report = item.report_dict
    shapes: list[dict[str, Any]] = []
    for i, face in enumerate(report.get("faces") or [], 1):
        x, y, w, h = face["box"]
        shapes.append(
            {"kind": "face", "shape": "rect", "x": x, "y": y, "w": w, "h": h,
             "label": f"Face {i} ({face.get('action', 'redacted')})"}
        )  # fmt: skip
    for i, text in enumerate(report.get("text_regions") or [], 1):
        x, y, w, h = text["box"]
        shapes.append(
            {"kind": "text", "shape": "rect", "x": x, "y": y, "w": w, "h": h,
             "label": f"Text {i} ({text.get('action', 'redacted')})"}
        )  # fmt: skip
    for i, region in enumerate(item.regions, 1):
        label = str(region.get("label") or f"Region {i}")
        if "polygon" in region:
            pts = region["polygon"]
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            shapes.append(
                {"kind": "manual", "shape": "polygon", "points": " ".join(f"{x},{y}" for x, y in pts),
                 "x": min(xs), "y": min(ys), "label": label}
            )  # fmt: skip
        else:
            x, y, w, h = region["box"]
            shape = "ellipse" if region.get("shape") == "ellipse" else "rect"
            shapes.append(
                {"kind": "manual", "shape": shape, "x": x, "y": y, "w": w, "h": h,
                 "cx": x + w / 2, "cy": y + h / 2, "rx": w / 2, "ry": h / 2, "label": label}
            )  # fmt: skip
    size = max(report.get("width") or 0, report.get("height") or 0, 1)
    for s in shapes:
        s["font"] = max(12, round(size / 45))
        s["ty"] = max(s["font"], s["y"] - s["font"] // 3)
    return shapes


def allowed_text(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Text regions kept because they are the practice's own words, with the words."""
    terms = report.get("allow_list") or []
    rows = []
    for i, region in enumerate(report.get("text_regions") or [], 1):
        if region.get("action") == "allowed":
            because = allowlist.why_allowed(str(region.get("text") or ""), terms)
            rows.append({"number": i, "text": region.get("text") or "", "because": because})
    return rows


def provenance(item: MediaItem) -> dict[str, Any]:
    country = getattr(item.practice, "country", "US")
    rule_id = PROVENANCE_RULES.get(country, "CA-BPC-651-ALTERED")
    prov = item.report_dict.get("provenance") or {}
    flags = list(item.provenance_flags)
    if flags:
        verdict = "Edited: the metadata shows " + ", ".join(flags)
    else:
        verdict = "No sign of editing or filters in the metadata"
    return {
        "rule": rule_id,
        "rule_text": catalog.rule(rule_id).requirement,
        "verdict": verdict,
        "flags": flags,
        "signals": prov.get("edit_signals") or [],
        "camera": prov.get("camera"),
        "software": prov.get("software"),
    }


def guidance(item: MediaItem) -> list[str]:
    """What to do when an item is not cleared, in plain words."""
    reason = item.reason.lower()
    if item.status == MediaStatus.FAILED_VERIFICATION:
        steps = []
        if "face" in reason:
            steps.append("A face was still found after redaction: draw a region over it and save.")
        if "text" in reason:
            steps.append("Text was still readable: draw a region over it and save.")
        if "metadata" in reason:
            steps.append("Hidden data could not be removed: export the file again or use another.")
        steps.append(
            "Or re-shoot without it (plain background, no mirror, no screen), or use another file."
        )
        return steps
    if item.status == MediaStatus.REFUSED:
        return [
            "ClearPost could not clean this file safely, so no de-identified copy exists.",
            "Use another file, or export it again from the camera or phone as JPEG or MP4.",
        ]
    return []


def link_choices(user: User, item: MediaItem, request: HttpRequest) -> dict[str, Any]:
    """Patients and signed releases to link, names revealed (and audited) only for staff
    whose role covers patient records."""
    if not user.has_role(*PATIENT_ROLES):
        return {"patients": [], "releases": [], "can_link_patients": False}
    patients = list(scoped_patients(user).order_by("-created_at")[:100])
    named = {
        p.pk: identity.name for p, identity in reveal_many(user, patients, request, "media link")
    }
    releases = (
        scoped_authorizations(user)
        .filter(status=Status.SIGNED, patient__in=patients)
        .select_related("patient")
        .order_by("-signed_at")[:100]
    )
    return {
        "patients": [(p.public_id, named.get(p.pk, p.public_id)) for p in patients],
        "releases": [
            (
                a.public_id,
                f"{named.get(a.patient_id, a.patient.public_id)} · {a.public_id} · "
                f"{', '.join(a.media_types)} · {a.identifiability}",
            )
            for a in releases
        ],
        "can_link_patients": True,
    }


def linked(user: User, item: MediaItem, request: HttpRequest) -> list[dict[str, Any]]:
    links = list(item.links.select_related("patient", "authorization"))
    if not links:
        return []
    names: dict[int, str] = {}
    if user.has_role(*PATIENT_ROLES):
        names = {
            p.pk: identity.name
            for p, identity in reveal_many(user, [lk.patient for lk in links], request, "media")
        }
    rows = []
    for link in links:
        result = actions.coverage(item, link, user)
        rows.append(
            {
                "id": link.pk,
                "patient": names.get(link.patient_id, link.patient.public_id),
                "patient_id": link.patient.public_id,
                "authorization": link.authorization.public_id if link.authorization else "",
                "result": result,
            }
        )
    return rows


def result_context(request: HttpRequest, user: User, item: MediaItem) -> dict[str, Any]:
    report = item.report_dict
    pairs = MediaPair.objects.filter(practice=item.practice).filter(
        before=item
    ) | MediaPair.objects.filter(practice=item.practice, after=item)
    return {
        "item": item,
        "report": report,
        "polling": not item.finished,
        "outlines": outlines(item) if item.kind == "photo" else [],
        "width": report.get("width") or 0,
        "height": report.get("height") or 0,
        "provenance": provenance(item) if report else None,
        "guidance": guidance(item),
        "can_upload": user.has_role(*actions.UPLOAD_ROLES),
        "can_see_original": user.has_role(*actions.ORIGINAL_ROLES),
        "can_delete": user.has_role(*actions.DELETE_ROLES),
        "is_privacy_officer": user.has_role("privacy_officer"),
        "links": linked(user, item, request) if item.finished else [],
        "choices": link_choices(user, item, request) if item.finished else {},
        "body_region_choices": [r.value for r in BodyRegion],
        "pairs": list(pairs.select_related("before", "after")),
        "allowed_text": allowed_text(report),
        "time_s": (report.get("timings_ms") or {}).get("total", 0) / 1000,
    }
