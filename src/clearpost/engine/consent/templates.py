"""The default release template, filling its placeholders, and the scope in plain words.

The template is plain language on purpose (Flesch-Kincaid grade <= 8, checked by the
tests through `template_lint`): a patient signing on a tablet in a waiting room must
understand what they allow. Placeholders are filled from the release's scope so that
the words the patient reads and the data the engine enforces cannot drift apart.
It lives in Python rather than a data file so that an installed wheel always has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from clearpost.engine.consent.model import (
    BodyRegion,
    Identifiability,
    MediaType,
    NameShown,
    Platform,
    Scope,
)

__all__ = [
    "DEFAULT_TEMPLATE",
    "MEDIA_WORDS",
    "PLACEHOLDERS",
    "PLATFORM_WORDS",
    "TemplateError",
    "render_template",
    "scope_in_plain_words",
    "template_values",
]

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "practice_name",
        "platforms",
        "media_types",
        "identifiability",
        "name_shown",
        "body_regions",
        "purposes",
        "paid_promotion",
        "compensation",
        "remuneration",
        "expiry",
        "revocation_link",
        "revocation_email",
    }
)

DEFAULT_TEMPLATE = """\
# Permission to post your photos and story

{{practice_name}} asks for your permission to use photos, videos or words about your care.
This form is only about posting. It is not part of any other form you sign.

## What we will use

- What: {{media_types}}
- Body areas: {{body_regions}}
- Your face: {{identifiability}}
- Your name: {{name_shown}}

## Who will post it and who will see it

{{practice_name}} and its staff may post it. Anyone can see it on {{platforms}}.

## Why we will use it

We will use it for {{purposes}}. Paid ads: {{paid_promotion}}.

## What you get

{{compensation}}
{{remuneration}}

## Your choice

You do not have to sign. Your care will not change if you say no.
We will never make your treatment or payment depend on this form.

## Once it is online

Once we post it, other people may share, copy or save it.
Then the law that keeps your health facts private may no longer protect it.
Copies may never be fully removed from the internet, even if we delete our post.

## How long it lasts

This permission ends on {{expiry}}.

## You can change your mind

You can take back (revoke) this permission at any time.
Tell us in writing: use {{revocation_link}} or e-mail {{revocation_email}}.
We will then stop new posts and take down our posts.
We cannot undo what we did before we got your note.

## If you sign for someone else

If you are a parent, guardian or legal representative, write how you are related to the
patient and the legal authority you have to act for them.

Relationship and authority: ______________

## Signature

Signed: ______________ Date: ______________

We will give you a copy of this form after you sign it.
"""

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

PLATFORM_WORDS = {
    Platform.INSTAGRAM: "Instagram",
    Platform.FACEBOOK: "Facebook",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.X: "X (Twitter)",
    Platform.LINKEDIN: "LinkedIn",
    Platform.WEBSITE: "our website",
    Platform.PRINT: "printed leaflets and ads",
    Platform.EMAIL: "our e-mails",
}
MEDIA_WORDS = {
    MediaType.PHOTO: "photos",
    MediaType.VIDEO: "videos",
    MediaType.TESTIMONIAL_TEXT: "your written words",
    MediaType.TESTIMONIAL_VIDEO: "a video of you talking",
    MediaType.AUDIO: "sound recordings",
}
_FACE_WORDS = {
    Identifiability.DEIDENTIFIED: (
        "You will not be recognisable: your face and anything else that could identify you "
        "will be hidden"
    ),
    Identifiability.FACE_MASKED: "Your face will be hidden",
    Identifiability.FACE_VISIBLE: "Your face may be shown",
}
_NAME_WORDS = {
    NameShown.NONE: "No name will be shown",
    NameShown.FIRST_NAME: "Only your first name may be shown",
    NameShown.FULL_NAME: "Your full name may be shown",
}


class TemplateError(ValueError):
    """A template that cannot be filled: an unknown, missing or malformed placeholder."""


def _join(items: Sequence[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def render_template(text: str, values: Mapping[str, str]) -> str:
    """Fill every `{{placeholder}}`; refuse unknown, missing or malformed ones.

    Filling is a single pass, so a value that itself contains `{{...}}` is inserted as
    text and never expanded (patient-supplied text cannot inject placeholders).
    """
    unknown_values = sorted(set(values) - PLACEHOLDERS)
    if unknown_values:
        raise TemplateError(f"unknown placeholder value(s): {', '.join(unknown_values)}")
    for key, value in values.items():
        if not isinstance(value, str):
            raise TemplateError(f"value for {{{{{key}}}}} must be text, got {type(value).__name__}")
    used = [m.group(1) for m in _PLACEHOLDER.finditer(text)]
    unknown = sorted({u for u in used if u not in PLACEHOLDERS})
    if unknown:
        raise TemplateError(
            "unknown placeholder(s) in the template: "
            + ", ".join("{{" + u + "}}" for u in unknown)
            + "; known ones are "
            + ", ".join(sorted(PLACEHOLDERS))
        )
    stray = _PLACEHOLDER.sub("", text)
    if "{{" in stray or "}}" in stray:
        at = stray.find("{{") if "{{" in stray else stray.find("}}")
        raise TemplateError(f"malformed placeholder near {stray[max(0, at - 20) : at + 30]!r}")
    missing = sorted({u for u in used if u not in values})
    if missing:
        raise TemplateError(
            "no value for placeholder(s): " + ", ".join("{{" + m + "}}" for m in missing)
        )
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _body_words(regions: Sequence[BodyRegion]) -> str:
    if BodyRegion.ANY in regions:
        return "any body area"
    return _join([r.value for r in regions]) or "no body areas"


def scope_in_plain_words(scope: Scope) -> list[str]:
    """One short line per scope field, for the kiosk screen the patient reads before signing."""
    platforms = _join([PLATFORM_WORDS[p] for p in scope.platforms]) or "Nowhere"
    media = _join([MEDIA_WORDS[m] for m in scope.media_types]) or "nothing"
    name = NameShown.NONE if scope.identifiability is Identifiability.DEIDENTIFIED else scope.name
    lines = [
        platforms,
        media[0].upper() + media[1:],
        _FACE_WORDS[scope.identifiability],
        _NAME_WORDS[name],
        "Body areas: " + _body_words(scope.body_regions),
        "May be used in paid ads" if scope.paid_promotion else "Will not be used in paid ads",
    ]
    comp = (scope.patient_compensation or "").strip()
    lines.append(f"You get: {comp}" if comp else "You are not paid for this")
    return lines


def template_values(
    scope: Scope,
    *,
    practice_name: str,
    purposes: Sequence[str],
    expiry: str,
    revocation_link: str,
    revocation_email: str,
    third_party_remuneration: bool,
) -> dict[str, str]:
    """The values `render_template` needs, worded from the same scope the engine enforces."""
    name = NameShown.NONE if scope.identifiability is Identifiability.DEIDENTIFIED else scope.name
    comp = (scope.patient_compensation or "").strip()
    return {
        "practice_name": practice_name,
        "platforms": _join([PLATFORM_WORDS[p] for p in scope.platforms]) or "no channel",
        "media_types": _join([MEDIA_WORDS[m] for m in scope.media_types]) or "nothing",
        "identifiability": _FACE_WORDS[scope.identifiability],
        "name_shown": _NAME_WORDS[name],
        "body_regions": _body_words(scope.body_regions),
        "purposes": _join([p.strip() for p in purposes if p.strip()]),
        "paid_promotion": "yes, we may pay to show it more" if scope.paid_promotion else "no",
        "compensation": f"You get {comp} for this." if comp else "You are not paid for this.",
        "remuneration": (
            "A company whose products we use pays us for this promotion."
            if third_party_remuneration
            else "No other company pays us to post it."
        ),
        "expiry": expiry,
        "revocation_link": revocation_link,
        "revocation_email": revocation_email,
    }
