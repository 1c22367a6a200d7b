"""Does a release cover a use? The web app asks the engine, never its own rules.

`contract_dict` builds the exact JSON shape of contracts/check-consent.md from the
database row, and `check_use` runs it through the same `parse_authorization` and
`check` that `clearpost check-consent` uses, so the app and the command cannot disagree.
Later features (scheduling, publishing) call `check_use` at the moment of use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clearpost.app.audit.actions import record
from clearpost.app.authorizations.models import Authorization
from clearpost.engine.consent.check import Result, check, expiry_instant, practice_zone
from clearpost.engine.consent.model import parse_authorization, parse_use


def _instant(value: dt.datetime | None, zone_name: str) -> str | None:
    if value is None:
        return None
    return value.astimezone(practice_zone(zone_name)).isoformat()


def contract_dict(auth: Authorization) -> dict[str, Any]:
    """The release as the contract's `authorization` object (decrypts the birth date)."""
    identity = auth.patient.decrypt_identity()
    tz = auth.practice.time_zone
    statements: Mapping[str, bool] = auth.statements or {}
    signed = auth.signed_at is not None
    return {
        "id": auth.public_id,
        "patient": {
            "birth_date": identity.birth_date.isoformat(),
            "date_of_death": identity.date_of_death.isoformat() if identity.date_of_death else None,
        },
        "signer": {
            "relationship": auth.signer_relationship or "self",
            "name": auth.open("signer_name") if signed else "",
            "authority_description": (auth.open("authority_description") or None)
            if signed
            else None,
            "signed_at": _instant(auth.signed_at, tz),
            "method": auth.signing_method or "drawn",
        },
        "minor_assent": auth.minor_assent,
        "standalone_document": True,
        "treatment_conditioned_on_signing": False,
        "elements": {
            "information_description": auth.information_description,
            "disclosers": list(auth.disclosers),
            "recipients": auth.recipients,
            "purposes": list(auth.purposes),
            "expires_on": auth.expires_on.isoformat() if auth.expires_on else None,
            "expiration_event": auth.expiration_event or None,
            "revocation_statement": bool(statements.get("revocation_statement")),
            "no_conditioning_statement": bool(statements.get("no_conditioning_statement")),
            "redisclosure_statement": bool(statements.get("redisclosure_statement")),
            "permanence_statement": bool(statements.get("permanence_statement")),
            "third_party_remuneration": auth.third_party_remuneration,
            "remuneration_statement": bool(statements.get("remuneration_statement")),
            "copy_given_at": _instant(auth.copy_given_at, tz),
        },
        "scope": {
            "platforms": list(auth.platforms),
            "media_types": list(auth.media_types),
            "identifiability": auth.identifiability,
            "name": auth.name_shown,
            "body_regions": list(auth.body_regions),
            "paid_promotion": auth.paid_promotion,
            "patient_compensation": auth.patient_compensation or None,
        },
        "revoked_at": _instant(auth.revoked_at, tz),
    }


def check_use(
    authorization: Authorization,
    use_dict: Mapping[str, Any],
    at: dt.datetime | None = None,
    *,
    actor: Any = None,
) -> Result:
    """Decide coverage with the engine. `at` (default now) overrides the use's `at`.

    Raises `clearpost.engine.consent.model.MalformedInput` for a use that does not follow
    the contract. The decision is audited (HIPAA-AUTH-SCOPE-MATCH) with its reason codes.
    """
    use = dict(use_dict)
    if at is not None or "at" not in use:
        use["at"] = (at or timezone.now()).isoformat()
    parsed_use = parse_use(use)
    parsed_auth = parse_authorization(contract_dict(authorization))
    result = check(parsed_auth, parsed_use, practice_tz=authorization.practice.time_zone)
    record(
        "authorization.check_use",
        actor=actor,
        actor_label=None if actor is not None else "system",
        practice=authorization.practice,
        obj=authorization,
        rule="HIPAA-AUTH-SCOPE-MATCH",
        detail={"covered": result.covered, "reasons": [r.code for r in result.reasons]},
    )
    return result


def check_use_now(
    authorization: Authorization, use_dict: Mapping[str, Any], *, actor: Any = None
) -> Result:
    """For gates (publishing, scheduling): the moment of use is now, never a time the
    caller supplies, so no past answer can open a gate."""
    use = {k: v for k, v in use_dict.items() if k != "at"}
    return check_use(authorization, use, timezone.now(), actor=actor)


@dataclass(frozen=True, slots=True)
class StandingNow:
    """Where a release stands at the moment of asking, beside a check for another time:
    a "covered" for a past instant must never be read as permission today."""

    checked_at: dt.datetime
    historical: bool  # the use was checked for a time before now
    revoked_now: bool
    expired_now: bool

    @property
    def in_force_now(self) -> bool:
        return not (self.revoked_now or self.expired_now)

    def note(self) -> str:
        if not self.historical:
            return ""
        if self.revoked_now:
            return "This answer is for a past time. The release has been revoked since: no use is allowed now."
        if self.expired_now:
            return "This answer is for a past time. The release has expired since: no use is allowed now."
        return "This answer is for a past time; check again at the moment of use."


def standing_now(
    authorization: Authorization, use_dict: Mapping[str, Any], now: dt.datetime | None = None
) -> StandingNow:
    """Whether the release is revoked or expired now, whatever time the use asked about."""
    now = now or timezone.now()
    raw_at = use_dict.get("at")
    try:
        at = dt.datetime.fromisoformat(str(raw_at)) if raw_at else now
    except ValueError:
        at = now
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    zone = practice_zone(authorization.practice.time_zone)
    expires = authorization.expires_on
    return StandingNow(
        checked_at=at,
        historical=at < now - dt.timedelta(seconds=1),
        revoked_now=authorization.revoked_at is not None and authorization.revoked_at <= now,
        expired_now=authorization.expired_at is not None
        or (expires is not None and expiry_instant(expires, zone) <= now),
    )
