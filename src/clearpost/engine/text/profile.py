"""The practice profile: the practice's own words, which are never a patient's PHI.

A practice's name, its clinicians, its phone and its handle appear in almost every
caption; without telling them apart from a patient's, the checker would block every
post. The profile is TOML (stdlib tomllib) and is validated strictly, because a typo in
a key would silently turn the practice's own phone into a "patient" phone.

The same profile comes from two places: a TOML file for the command line, and the web
app's practice settings (`clearpost.app.practices.profile.text_profile_for`), which calls
`build_profile` with plain values. Staff entries may carry their role ("Joy, patient
coordinator", "Brianna (lead injector)"): the name part is the practice's own, and the
role words mark a staff spotlight ("Meet Joy, our patient coordinator") as the practice
introducing its team, never a patient.
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
    "phones",
    "email",
    "emails",
    "address",
    "addresses",
    "website",
    "websites",
    "handles",
    "services",
    "allowed_terms",
    "secure_channel",
}
_LIST_KEYS = {
    "staff",
    "handles",
    "allowed_terms",
    "phones",
    "emails",
    "addresses",
    "websites",
    "services",
}
MAX_ITEMS = 200
MAX_ITEM_CHARS = 300
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
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    websites: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    secure_channel: str = ""
    # Derived lookups, computed once.
    own_tokens: frozenset[str] = field(default=frozenset(), compare=False)
    own_handles: frozenset[str] = field(default=frozenset(), compare=False)
    own_phone_digits: frozenset[str] = field(default=frozenset(), compare=False)
    own_phrases: tuple[str, ...] = field(default=(), compare=False)
    own_name_tokens: frozenset[str] = field(default=frozenset(), compare=False)
    own_domains: frozenset[str] = field(default=frozenset(), compare=False)
    staff_names: tuple[str, ...] = field(default=(), compare=False)
    staff_roles: tuple[str, ...] = field(default=(), compare=False)

    @property
    def uk(self) -> bool:
        return self.jurisdiction == "UK"

    @property
    def empty(self) -> bool:
        """No practice details at all: the engine falls back on its own judgement."""
        return not (self.name or self.staff or self.own_phone_digits or self.emails)

    def is_own_phone(self, text: str) -> bool:
        digits = re.sub(r"\D", "", text)
        if len(digits) < 7:
            return False
        return any(
            digits.endswith(d) or d.endswith(digits[-10:]) for d in self.own_phone_digits if d
        )

    def is_own_email(self, text: str) -> bool:
        low = text.lower()
        if low in {e.lower() for e in self.emails}:
            return True
        domain = low.rsplit("@", 1)[-1]
        return domain in self.own_domains


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W\d_]+", text)]


_ROLE_SPLIT = re.compile(r"\s*(?:\(|,|\s[-\u2013\u2014]\s)\s*")
_ROLE_FILLER = re.compile(r"^(?:our|the|a|an)\s+", re.IGNORECASE)


def split_staff(entry: str) -> tuple[str, str]:
    """ "Brianna (our lead injector)" -> ("Brianna", "lead injector");
    "Joy, patient coordinator" -> ("Joy", "patient coordinator"); "Marco PA-C" stays whole."""
    parts = _ROLE_SPLIT.split(entry.strip(), maxsplit=1)
    name = parts[0].strip()
    role = parts[1].strip().rstrip(")").strip() if len(parts) > 1 else ""
    return name, _ROLE_FILLER.sub("", role)


def _domain(value: str) -> str:
    v = value.strip().lower()
    v = re.sub(r"^[a-z]+://", "", v)
    v = v.removeprefix("www.")
    return v.split("/", 1)[0]


def _strings(values: dict[str, Any], key: str) -> tuple[str, ...]:
    raw = values.get(key, ())
    if isinstance(raw, str):
        raw = (raw,)
    return tuple(str(v).strip() for v in raw if str(v).strip())


def build_profile(**values: Any) -> PracticeProfile:
    """Make a profile from plain values, filling in the derived lookups.

    Singular keys (phone, email, address, website) are the primary ones shown in reply
    templates; the plural keys add more. Both are the practice's own."""
    staff = _strings(values, "staff")
    handles = _strings(values, "handles")
    allowed = _strings(values, "allowed_terms")
    services = _strings(values, "services")
    name = str(values.get("name", "")).strip()
    phone, email = str(values.get("phone", "")).strip(), str(values.get("email", "")).strip()
    address, website = (
        str(values.get("address", "")).strip(),
        str(values.get("website", "")).strip(),
    )
    phones = tuple(dict.fromkeys(p for p in (phone, *_strings(values, "phones")) if p))
    emails = tuple(dict.fromkeys(e for e in (email, *_strings(values, "emails")) if e))
    addresses = tuple(dict.fromkeys(a for a in (address, *_strings(values, "addresses")) if a))
    websites = tuple(dict.fromkeys(w for w in (website, *_strings(values, "websites")) if w))
    split = [split_staff(s) for s in staff]
    staff_names = tuple(n for n, _ in split if n)
    staff_roles = tuple(dict.fromkeys(r.lower() for _, r in split if r))
    tokens: set[str] = set()
    for phrase in (name, *staff_names, *allowed, *services):
        tokens.update(w for w in _words(phrase) if len(w) > 1)
    own_handles = {h.lower().lstrip("@") for h in handles}
    digits = {re.sub(r"\D", "", p) for p in phones}
    own_digits = {d[-10:] for d in digits if len(d) >= 7}
    parts = [p.strip() for a in addresses for p in a.split(",")]
    domains = {_domain(w) for w in websites} | {e.rsplit("@", 1)[-1].lower() for e in emails}
    # A free-mail domain is not the practice's: "jane@gmail.com" stays a patient's e-mail.
    domains -= _FREEMAIL
    phrases = tuple(
        dict.fromkeys(
            p.lower()
            for p in (
                name,
                *staff,
                *staff_names,
                *staff_roles,
                *allowed,
                *services,
                *parts,
                *emails,
                *phones,
                *websites,
                *(_domain(w) for w in websites),
            )
            if len(p) > 2
        )
    )
    return PracticeProfile(
        name=name,
        jurisdiction=str(values.get("jurisdiction", "US")),
        staff=staff,
        phone=phone or (phones[0] if phones else ""),
        email=email or (emails[0] if emails else ""),
        address=address or (addresses[0] if addresses else ""),
        website=website or (websites[0] if websites else ""),
        handles=handles,
        allowed_terms=allowed,
        phones=phones,
        emails=emails,
        addresses=addresses,
        websites=websites,
        services=services,
        secure_channel=str(values.get("secure_channel", "")).strip(),
        own_tokens=frozenset(tokens),
        own_handles=frozenset(own_handles),
        own_phone_digits=frozenset(own_digits),
        own_phrases=phrases,
        own_name_tokens=frozenset(w for w in _words(name) if len(w) > 4),
        own_domains=frozenset(d for d in domains if d),
        staff_names=staff_names,
        staff_roles=staff_roles,
    )


_FREEMAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
        "aol.com",
        "live.com",
        "msn.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "yahoo.co.uk",
        "hotmail.co.uk",
        "btinternet.com",
    }
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
            if len(value) > MAX_ITEMS:
                raise ProfileError(f"'{key}' has more than {MAX_ITEMS} entries")
            if any(len(v) > MAX_ITEM_CHARS for v in value):
                raise ProfileError(
                    f"an entry of '{key}' is longer than {MAX_ITEM_CHARS} characters"
                )
        elif not isinstance(value, str):
            raise ProfileError(f"'{key}' must be a string")
        elif len(value) > MAX_ITEM_CHARS:
            raise ProfileError(f"'{key}' is longer than {MAX_ITEM_CHARS} characters")
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
