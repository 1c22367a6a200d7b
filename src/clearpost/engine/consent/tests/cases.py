"""A valid, fully covered case that each test changes in one place."""

from __future__ import annotations

import copy
from typing import Any


def base_case() -> dict[str, Any]:
    return copy.deepcopy(_BASE)


def with_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Copy of the base case with dotted paths set; the value DELETE removes the field."""
    case = base_case()
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = case
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return case


DELETE = object()

_BASE: dict[str, Any] = {
    "authorization": {
        "id": "auth-001",
        "patient": {"birth_date": "1990-04-02", "date_of_death": None},
        "signer": {
            "relationship": "self",
            "name": "Jane Roe",
            "authority_description": None,
            "signed_at": "2026-03-01T10:00:00-05:00",
            "method": "drawn",
        },
        "minor_assent": None,
        "standalone_document": True,
        "treatment_conditioned_on_signing": False,
        "elements": {
            "information_description": "Before/after photos of the abdomen, face hidden",
            "disclosers": ["Example Aesthetics"],
            "recipients": "The general public via Instagram and the practice website",
            "purposes": ["marketing", "education"],
            "expires_on": "2027-03-01",
            "expiration_event": None,
            "revocation_statement": True,
            "no_conditioning_statement": True,
            "redisclosure_statement": True,
            "permanence_statement": True,
            "third_party_remuneration": False,
            "remuneration_statement": False,
            "copy_given_at": "2026-03-01T10:05:00-05:00",
        },
        "scope": {
            "platforms": ["instagram", "website"],
            "media_types": ["photo", "video"],
            "identifiability": "face_masked",
            "name": "first_name",
            "body_regions": ["abdomen", "face"],
            "paid_promotion": False,
            "patient_compensation": None,
        },
        "revoked_at": None,
    },
    "use": {
        "platform": "instagram",
        "media_type": "photo",
        "shows_face": False,
        "name_shown": "none",
        "body_regions": ["abdomen"],
        "purpose": "marketing",
        "paid_promotion": False,
        "at": "2026-04-01T12:00:00Z",
    },
}
