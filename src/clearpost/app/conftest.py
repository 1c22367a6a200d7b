"""Shared fixtures for the Django apps' tests: practices, staff with roles, clients."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clearpost.app.accounts import actions as account_actions
from clearpost.app.accounts.middleware import MFA_OK
from clearpost.app.accounts.models import Role, User
from clearpost.app.patients.actions import create_patient
from clearpost.app.patients.models import Identity, Patient
from clearpost.app.practices.models import Practice

PASSWORD = "correct-horse-battery-staple-9"  # noqa: S105 - test-only password
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _audit_checkpoint_file(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets its own checkpoint file: database rows roll back between tests,
    a file outside the database does not."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"


@pytest.fixture
def make_practice(db: None) -> Callable[..., Practice]:
    def make(name: str = "", **kw: object) -> Practice:
        n = next(_seq)
        return Practice.objects.create(name=name or f"Practice {n}", slug=f"practice-{n}", **kw)

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(practice: Practice, *roles: Role, username: str = "", trained: bool = True) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(_seq)}", password=PASSWORD, practice=practice
        )
        for role in roles:
            account_actions.grant_role(None, user, role)
        if trained:
            today = timezone.localdate()
            account_actions.record_training(
                None, user, today - dt.timedelta(days=10), today + dt.timedelta(days=355)
            )
        return user

    return make


@pytest.fixture
def login(db: None) -> Callable[[User], Client]:
    """A client signed in as the user, past the MFA step (MFA itself is tested apart)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        session = client.session
        session[MFA_OK] = True
        session.save()
        return client

    return make


@pytest.fixture
def practice(make_practice: Callable[..., Practice]) -> Practice:
    return make_practice("Riverside Aesthetics", time_zone="America/New_York")


@pytest.fixture
def other_practice(make_practice: Callable[..., Practice]) -> Practice:
    return make_practice("Hillcrest Plastic Surgery", time_zone="America/Chicago")


@pytest.fixture
def make_patient(db: None) -> Callable[..., Patient]:
    def make(
        actor: User, name: str = "Sarah Jones", birth: dt.date = dt.date(1990, 4, 2), **kw: object
    ) -> Patient:
        return create_patient(
            actor,
            Identity(name, birth, str(kw.get("record_number", "")), kw.get("date_of_death")),  # type: ignore[arg-type]
        )

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2's deliberate slowness is most of a test's set-up time; tests only need
    passwords to check, not to resist cracking (production keeps Django's default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
