"""The practice's profile as the text engine sees it: called by every check (posts, inbox).

`text_profile_for(practice)` is the one bridge from the web app's practice settings to
`clearpost.engine.text.profile.PracticeProfile`. A practice that never filled in its
profile still gets one built from what the practice row knows (name, contact e-mail,
country), so the practice's own name is never reported as a patient's.
"""

from __future__ import annotations

from typing import Any

from clearpost.app.practices.models import Practice, PracticeProfile
from clearpost.engine.text.profile import PracticeProfile as TextProfile
from clearpost.engine.text.profile import build_profile

LIST_FIELDS = (
    "other_names",
    "phones",
    "emails",
    "addresses",
    "websites",
    "handles",
    "staff",
    "services",
    "allowed_terms",
)


def jurisdiction_of(practice: Practice) -> str:
    return "UK" if practice.country == Practice.Country.GB else "US"


def profile_values(practice: Practice, profile: PracticeProfile | None) -> dict[str, Any]:
    """Plain values for `build_profile`, from the settings row (if any) and the practice."""
    values: dict[str, Any] = {
        "name": practice.name,
        "jurisdiction": jurisdiction_of(practice),
        "emails": [practice.contact_email] if practice.contact_email else [],
    }
    if profile is None:
        return values
    lists = {
        f: [str(v) for v in (getattr(profile, f) or []) if str(v).strip()] for f in LIST_FIELDS
    }
    names = [profile.display_name] if profile.display_name else []
    values.update(
        name=profile.display_name or practice.name,
        phones=lists["phones"],
        emails=[*lists["emails"], *values["emails"]],
        addresses=lists["addresses"],
        websites=lists["websites"],
        handles=lists["handles"],
        staff=lists["staff"],
        services=lists["services"],
        # Other names the practice goes by (and its registered name when a display name is
        # used) are its own words too.
        allowed_terms=[
            *lists["allowed_terms"],
            *lists["other_names"],
            *([practice.name] if names else []),
        ],
        secure_channel=profile.secure_channel,
    )
    return values


def text_profile_for(practice: Practice) -> TextProfile:
    """The engine profile for one practice's checks (one query)."""
    profile = PracticeProfile.objects.filter(practice=practice).first()
    return build_profile(**profile_values(practice, profile))
