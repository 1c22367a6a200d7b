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
