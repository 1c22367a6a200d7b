"""The only write path for a practice's profile: role check, validation, save and audit
event in one transaction, so a profile change and its evidence commit together."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.http import HttpRequest

from clearpost.app.accounts.models import Role, User
from clearpost.app.accounts.permissions import check_roles, deny
from clearpost.app.audit.actions import record
from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.app.practices.profile import LIST_FIELDS

EDITOR_ROLES = (Role.OWNER, Role.PRIVACY_OFFICER)
MAX_ITEMS = 50
MAX_ITEM_CHARS = 200
# The profile decides what the text checks treat as the practice's own (never PHI), so a
# change to it changes what the de-identification check lets through.
RULE = "HIPAA-DEID-SAFE-HARBOR-18"

_HANDLE = re.compile(r"^@?[A-Za-z0-9_.]{1,60}$")
_SITE = re.compile(r"^(?:https?://)?(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?$")
_email = EmailValidator()


def _check_item(field: str, value: str) -> str | None:
    """Why one entry of a list field is not acceptable, or None."""
    if len(value) > MAX_ITEM_CHARS:
        return f"“{value[:40]}…” is longer than {MAX_ITEM_CHARS} characters."
    if field == "phones":
        digits = re.sub(r"\D", "", value)
        if not 7 <= len(digits) <= 15 or re.search(r"[A-Za-z]", value):
            return f"“{value}” is not a phone number (7 to 15 digits)."
    elif field == "emails":
        try:
            _email(value)
        except ValidationError:
            return f"“{value}” is not an e-mail address."
    elif field == "websites":
        if not _SITE.match(value):
            return f"“{value}” is not a web address (for example lumamedspa.com)."
    elif field == "handles" and not _HANDLE.match(value):
        return f"“{value}” is not a social handle (for example @lumamedspa)."
    return None


def clean_profile_values(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalised values and per-field errors. Lists are trimmed, de-duplicated (case
    ignored) and bounded; handles get their "@"."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for field in LIST_FIELDS:
        raw = values.get(field) or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        items: list[str] = []
        seen: set[str] = set()
        for item in raw:
            v = " ".join(str(item).split())
            if field == "handles" and v and not v.startswith("@"):
                v = "@" + v
            if not v or v.lower() in seen:
                continue
            seen.add(v.lower())
            problem = _check_item(field, v)
            if problem:
                errors.setdefault(field, []).append(problem)
            items.append(v)
        if len(items) > MAX_ITEMS:
            errors.setdefault(field, []).append(f"At most {MAX_ITEMS} entries.")
        out[field] = items
    for field, limit in (("display_name", 200), ("secure_channel", 300)):
        v = " ".join(str(values.get(field) or "").split())
        if len(v) > limit:
            errors.setdefault(field, []).append(f"At most {limit} characters.")
        out[field] = v
    return out, errors


class ProfileInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def _snapshot(profile: PracticeProfile) -> dict[str, Any]:
    return {f: getattr(profile, f) for f in (*LIST_FIELDS, "display_name", "secure_channel")}


def save_profile(
    actor: User,
    practice: Practice,
    values: dict[str, Any],
    request: HttpRequest | None = None,
) -> PracticeProfile:
    """Replace the practice's profile with `values` (owner or privacy officer only).

    Nothing is saved unless every field is valid; the audit event names the fields that
    changed and hashes the before/after states."""
    check_roles(actor, EDITOR_ROLES, request, "edit the practice profile")
    if actor.practice_id != practice.pk:
        deny(actor, "membership of this practice", request=request)
    cleaned, errors = clean_profile_values(values)
    if errors:
        raise ProfileInvalid(errors)
    with transaction.atomic():
        profile, created = PracticeProfile.objects.select_for_update().get_or_create(
            practice=practice
        )
        before = {} if created else _snapshot(profile)
        for field, value in cleaned.items():
            setattr(profile, field, value)
        profile.save()
        after = _snapshot(profile)
        changed = sorted(k for k in after if before.get(k) != after[k])
        record(
            "practice.profile_updated",
            actor=actor,
            practice=practice,
            obj=profile,
            object_id=str(practice.slug),
            rule=RULE,
            before=before or None,
            after=after,
            detail={"changed": changed},
            request=request,
        )
    return profile
