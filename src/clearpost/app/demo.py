"""The demo practice `make run` creates: staff of every role, idempotently.

Passwords are generated on the first run and kept in the data folder (mode 0600) so a
second run prints the same logins instead of creating new users or resetting them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clearpost.app.accounts import actions as account_actions
from clearpost.app.accounts.models import Role, User
from clearpost.app.authorizations.actions import ensure_default_template
from clearpost.app.media.demo import seed_media_demo
from clearpost.app.posts.demo import seed_posts_demo
from clearpost.app.practices.demo import seed_demo_profile
from clearpost.app.practices.models import Practice
from clearpost.app.publishing.demo import seed_accounts

DEMO_STAFF: list[tuple[str, str, list[Role]]] = [
    ("owner", "Olivia Owner", [Role.OWNER]),
    ("privacy", "Priya Privacy", [Role.PRIVACY_OFFICER]),
    ("reviewer", "Ray Reviewer", [Role.REVIEWER]),
    ("creator", "Cora Creator", [Role.CONTENT_CREATOR]),
    ("clinician", "Dr. Rivera", [Role.CLINICIAN, Role.CONTENT_CREATOR]),
]


@dataclass
class DemoLogins:
    practice: str
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"Demo practice: {self.practice}", "Logins (username / password / roles):"]
        lines += [f"  {u:<10} {p}  {r}" for u, p, r in self.logins]
        lines.append("Everyone sets up two-step sign-in (TOTP) at first login.")
        return "\n".join(lines)


def _passwords() -> dict[str, str]:
    path = settings.DATA_DIR / "demo-logins.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    made = {username: "demo-" + secrets.token_urlsafe(9) for username, _, _ in DEMO_STAFF}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(made, fh)
    return made


@transaction.atomic
def seed_demo() -> DemoLogins:
    practice, _ = Practice.objects.get_or_create(
        slug="demo",
        defaults={
            "name": "Riverside Aesthetics (demo)",
            "time_zone": "America/New_York",
            "state": "TX",
        },
    )
    passwords = _passwords()
    result = DemoLogins(practice.name)
    today = timezone.localdate()
    owner: User | None = None
    # Through the same actions as the app, so every person, role and training record of
    # the demo has its audit event like any other practice's.
    for username, full_name, roles in DEMO_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.partition(" ")
            if owner is None and Role.OWNER in roles:
                user = account_actions.add_first_owner(
                    practice,
                    username=username,
                    password=passwords[username],
                    first_name=first,
                    last_name=last,
                )
            else:
                assert owner is not None, "the demo's first person is its owner"
                user = account_actions.add_staff(
                    owner,
                    username=username,
                    password=passwords[username],
                    first_name=first,
                    last_name=last,
                    roles=roles,
                    must_change_password=False,  # printed once, to its user alone
                )
            if username != "creator":  # one trained role left due, so the dashboard shows it
                account_actions.record_staff_training(
                    owner or user,
                    user,
                    today - dt.timedelta(days=30),
                    today + dt.timedelta(days=335),
                    "Social media, PHI and patient content (demo course)",
                    evidence="Demo practice: sample completion record, no real course taken.",
                )
        if Role.OWNER in roles and owner is None:
            owner = user
        result.logins.append(
            (username, passwords.get(username, "(set before)"), ", ".join(r.label for r in roles))
        )
    ensure_default_template(practice)  # the shipped release template, once
    seed_demo_profile(practice)  # the practice's own details for the text checks, once
    seed_accounts(practice)  # publishing: the accounts connected to the local fakes
    seed_media_demo(practice, User.objects.get(username="clinician"))  # media library
    seed_posts_demo(practice)  # posts in every state on the calendar
    return result
