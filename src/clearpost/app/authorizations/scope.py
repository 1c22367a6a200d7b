"""The release scope as staff choose it, and its translation to the engine's vocabulary.

The choices are the engine's own enums (clearpost.engine.consent.model), so a form can
never offer a value the coverage check does not understand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clearpost.engine.consent.model import (
    BodyRegion,
    Identifiability,
    MediaType,
    NameShown,
    Platform,
    Scope,
)

PLATFORM_LABELS = {
    Platform.INSTAGRAM: "Instagram",
    Platform.FACEBOOK: "Facebook",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.X: "X (Twitter)",
    Platform.LINKEDIN: "LinkedIn",
    Platform.WEBSITE: "Practice website",
    Platform.PRINT: "Print",
    Platform.EMAIL: "E-mail newsletters",
}
MEDIA_LABELS = {
    MediaType.PHOTO: "Photos",
    MediaType.VIDEO: "Videos",
    MediaType.TESTIMONIAL_TEXT: "Written testimonial",
    MediaType.TESTIMONIAL_VIDEO: "Video testimonial",
    MediaType.AUDIO: "Audio",
}
IDENTIFIABILITY_LABELS = {
    Identifiability.DEIDENTIFIED: "De-identified only",
    Identifiability.FACE_MASKED: "Face masked",
    Identifiability.FACE_VISIBLE: "Face visible",
}
NAME_LABELS = {
    NameShown.NONE: "No name",
    NameShown.FIRST_NAME: "First name",
    NameShown.FULL_NAME: "Full name",
}
BODY_LABELS = {r: r.value.capitalize() for r in BodyRegion}
BODY_LABELS[BodyRegion.ANY] = "Any body area"
PURPOSE_LABELS = {
    "marketing": "marketing and advertising our services",
    "education": "educating patients about treatments",
    "professional_education": "teaching other doctors and nurses",
}


@dataclass(frozen=True)
class ScopeInput:
    platforms: tuple[str, ...]
    media_types: tuple[str, ...]
    identifiability: str
    name_shown: str
    body_regions: tuple[str, ...]
    purposes: tuple[str, ...]
    paid_promotion: bool
    patient_compensation: str
    third_party_remuneration: bool
    expires_on: dt.date | None
    expiration_event: str

    def engine_scope(self) -> Scope:
        return Scope(
            platforms=tuple(Platform(p) for p in self.platforms),
            media_types=tuple(MediaType(m) for m in self.media_types),
            identifiability=Identifiability(self.identifiability),
            name=NameShown(self.name_shown),
            body_regions=tuple(BodyRegion(b) for b in self.body_regions),
            paid_promotion=self.paid_promotion,
            patient_compensation=self.patient_compensation or None,
        )


def purpose_words(purposes: tuple[str, ...] | list[str]) -> list[str]:
    return [PURPOSE_LABELS.get(p, p) for p in purposes]


def expiry_words(expires_on: dt.date | None, event: str) -> str:
    day = f"{expires_on:%B} {expires_on.day}, {expires_on.year}" if expires_on else ""
    if day and event:
        return f"{day}, or earlier when this happens: {event}"
    return day or f"when this happens: {event}"
