"""The practice profile: the practice's own words, which are never a patient's PHI.

A practice's name, its clinicians, its phone and its handle appear in almost every
caption; without telling them apart from a patient's, the checker would block every
post. The profile is TOML (stdlib tomllib) and is validated strictly, because a typo in
a key would silently turn the practice's own phone into a "patient" phone.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_KNOWN_KEYS = {
    "name",
    "jurisdiction",
    "staff",
    "phone",
    "email",
    "address",
    "website",
    "handles",
    "allowed_terms",
}
_LIST_KEYS = {"staff", "handles", "allowed_terms"}
_JURISDICTIONS = {"US", "UK"}
MAX_PROFILE_BYTES = 256 * 1024


class ProfileError(ValueError):
    """A practice profile that cannot be used, with what to fix."""


@dataclass(frozen=True, slots=True)
class PracticeProfile:
    name: str = ""
    jurisdiction: str = "US"
    staff: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    address: str = ""
    website: str = ""
    handles: tuple[str, ...] = ()
    allowed_terms: tuple[str, ...] = ()
    # Derived lookups, computed once.
    own_tokens: frozenset[str] = field(default=frozenset(), compare=False)
    own_handles: frozenset[str] = field(default=frozenset(), compare=False)
    own_phone_digits: frozenset[str] = field(default=frozenset(), compare=False)
    own_phrases: tuple[str, ...] = field(default=(), compare=False)
    own_name_tokens: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def uk(self) -> bool:
        return self.jurisdiction == "UK"

    def is_own_phone(self, text: str) -> bool:
        digits = re.sub(r"\D", "", text)
        return any(digits.endswith(d) for d in self.own_phone_digits if d)

    def is_own_email(self, text: str) -> bool:
        return bool(self.email) and text.lower() == self.email.lower()


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W\d_]+", text)]


def build_profile(**values: Any) -> PracticeProfile:
    """Make a profile from plain values, filling in the derived lookups."""
    staff = tuple(values.get("staff", ()))
    handles = tuple(values.get("handles", ()))
    allowed = tuple(values.get("allowed_terms", ()))
    name = str(values.get("name", ""))
    address = str(values.get("address", ""))
    tokens: set[str] = set()
    for phrase in (name, *staff, *allowed):
        tokens.update(w for w in _words(phrase) if len(w) > 1)
    own_handles = {h.lower().lstrip("@") for h in handles}
    phone = str(values.get("phone", ""))
    digits = re.sub(r"\D", "", phone)
    phones = {digits[-10:]} if len(digits) >= 7 else set()
    parts = [p.strip() for p in address.split(",")]
    email = str(values.get("email", ""))
    website = str(values.get("website", ""))
    phrases = tuple(
        p.lower() for p in (name, *staff, *allowed, *parts, email, phone, website) if len(p) > 2
    )
    return PracticeProfile(
        name=name,
        jurisdiction=str(values.get("jurisdiction", "US")),
        staff=staff,
        phone=phone,
        email=email,
        address=address,
        website=website,
        handles=handles,
        allowed_terms=allowed,
        own_tokens=frozenset(tokens),
        own_handles=frozenset(own_handles),
        own_phone_digits=frozenset(phones),
        own_phrases=phrases,
        own_name_tokens=frozenset(w for w in _words(name) if len(w) > 4),
    )


def parse_profile(data: dict[str, Any]) -> PracticeProfile:
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ProfileError(
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    for key, value in data.items():
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProfileError(f"'{key}' must be a list of strings")
        elif not isinstance(value, str):
            raise ProfileError(f"'{key}' must be a string")
    jurisdiction = str(data.get("jurisdiction", "US")).upper()
    if jurisdiction not in _JURISDICTIONS:
        raise ProfileError(f"'jurisdiction' must be one of {', '.join(sorted(_JURISDICTIONS))}")
    return build_profile(**{**data, "jurisdiction": jurisdiction})


def load_profile(path: Path) -> PracticeProfile:
    """Read and validate a profile file; every failure is a ProfileError a person can fix."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read practice profile {path}: {exc.strerror}") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ProfileError(f"practice profile {path} is larger than {MAX_PROFILE_BYTES} bytes")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"practice profile {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"practice profile {path} is not valid TOML: {exc}") from None
    return parse_profile(data)


DEFAULT_PROFILE = build_profile()
