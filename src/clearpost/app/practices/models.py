"""A practice is a tenant: every row that holds practice data points at one."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example America/New_York).")


class Practice(models.Model):
    class Country(models.TextChoices):
        US = "US", "United States"
        GB = "GB", "United Kingdom"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.US)
    state = models.CharField(max_length=2, blank=True, help_text="US state code, e.g. TX")
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PracticeScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """The only way views reach practice data: always filtered by the user's practice."""

    def for_practice(self, practice: Practice) -> PracticeScopedQuerySet:
        return self.filter(practice=practice)


def _list() -> list[str]:
    return []


class PracticeProfile(models.Model):
    """The practice's own words for the text checks: never PHI, never patient confirmation.

    One per practice, edited by the owner or privacy officer on the practice settings page
    (`practices.actions.save_profile`, audited) and turned into the engine's profile by
    `practices.profile.text_profile_for` for every check. Lists are JSON arrays of strings
    so SQLite and PostgreSQL store them alike. None of it is patient data: these are the
    practice's public contact details and its team, so it is stored in clear.
    """

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        max_length=200, blank=True, help_text="The name patients see; the practice name if empty."
    )
    other_names = models.JSONField(default=_list, blank=True)
    phones = models.JSONField(default=_list, blank=True)
    emails = models.JSONField(default=_list, blank=True)
    addresses = models.JSONField(default=_list, blank=True)
    websites = models.JSONField(default=_list, blank=True)
    handles = models.JSONField(default=_list, blank=True)
    staff = models.JSONField(default=_list, blank=True)
    services = models.JSONField(default=_list, blank=True)
    allowed_terms = models.JSONField(default=_list, blank=True)
    secure_channel = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.practice}"
