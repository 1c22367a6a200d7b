"""Connecting accounts through the OAuth flow against the fakes: professional accounts
only, tokens sealed, refresh before expiry (rotating), warnings before a lapse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from clearpost.app.accounts.models import Role, User
from clearpost.app.practices.models import Practice
from clearpost.app.publishing import accounts
from clearpost.app.publishing.models import AccountKind, AccountStatus, ConnectedAccount
from clearpost.providers.errors import ProviderError
from clearpost.providers.instagram.fake import InstagramFake
from clearpost.providers.tiktok.fake import TikTokFake
from clearpost.providers.x.fake import XFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(practice: Practice, make_user: Callable[..., User]) -> User:
    user = make_user(practice, Role.OWNER)
    user.mfa_confirmed_at = timezone.now()
    user.save(update_fields=["mfa_confirmed_at"])
    return user


def walk_oauth(client: Client, platform: str) -> Any:
    """Press Connect, let the fake's consent page answer, come back to the callback."""
    start = client.post(f"/publishing/accounts/connect/{platform}/")
    assert start.status_code == 302, start.content[:300]
    consent = httpx.get(start["Location"], follow_redirects=False)
    assert consent.status_code == 302, consent.text[:300]
    back = httpx.URL(consent.headers["location"])
    return client.get(back.path, dict(back.params), follow=True)


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[InstagramFake]:
    fake = InstagramFake()
    fake.start()
    monkeypatch.setenv("CLEARPOST_INSTAGRAM_API_BASE", fake.base_url)
    monkeypatch.setenv("CLEARPOST_FACEBOOK_API_BASE", fake.base_url)
    yield fake
    fake.stop()


def test_instagram_connect_keeps_the_professional_account_sealed(
    owner: User, login: Callable[[User], Client], meta: InstagramFake
) -> None:
    ig = meta.add_instagram("riverside.clinic", page_name="Riverside Aesthetics")
    page = walk_oauth(login(owner), "instagram")
    assert b"Connected: Riverside Aesthetics (Instagram)" in page.content
    account = ConnectedAccount.objects.get(platform="instagram")
    assert (
        account.external_id == ig and account.kind == AccountKind.BUSINESS and account.is_usable()
    )
    assert (
        account.access_token() in meta.tokens
        and account.access_token() not in account.access_token_enc
    )
    assert "instagram_manage_contents" in account.scopes


def test_a_personal_instagram_account_is_refused(
    owner: User, login: Callable[[User], Client], meta: InstagramFake
) -> None:
    meta.add_instagram("me.personal", personal=True)
    page = walk_oauth(login(owner), "instagram")
    assert b"Personal Instagram accounts cannot be connected" in page.content
    assert not ConnectedAccount.objects.filter(platform="instagram").exists()


def test_facebook_connect_stores_every_page(
    owner: User, login: Callable[[User], Client], meta: InstagramFake
) -> None:
    meta.add_page("Riverside Aesthetics")
    walk_oauth(login(owner), "facebook")
    account = ConnectedAccount.objects.get(platform="facebook")
    assert account.kind == AccountKind.PAGE and account.token_expires_at is None


def test_state_mismatch_is_refused(
    owner: User, login: Callable[[User], Client], meta: InstagramFake
) -> None:
    client = login(owner)
    client.post("/publishing/accounts/connect/instagram/")
    page = client.get(
        "/publishing/accounts/callback/instagram/", {"code": "x", "state": "forged"}, follow=True
    )
    assert b"state mismatch" in page.content


def test_tiktok_connect_with_pkce_and_refresh_rotation(
    owner: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = TikTokFake()
    fake.start()
    try:
        monkeypatch.setenv("CLEARPOST_TIKTOK_API_BASE", fake.base_url)
        fake.add_user("riverside.tt")
        walk_oauth(login(owner), "tiktok")
        account = ConnectedAccount.objects.get(platform="tiktok")
        assert account.refresh_token() and account.token_expires_at is not None
        first_refresh = account.refresh_token()
        ConnectedAccount.objects.filter(pk=account.pk).update(
            token_expires_at=timezone.now() + dt.timedelta(minutes=2)
        )
        account.refresh_from_db()
        token = accounts.usable_token(account)
        account.refresh_from_db()
        assert token == account.access_token() and account.refresh_token() != first_refresh
        assert account.token_expires_at > timezone.now() + dt.timedelta(hours=1)
        # The heartbeat renews tokens half an hour ahead, before anyone needs them.
        before = account.refresh_token()
        assert accounts.refresh_due() == 0
        assert accounts.refresh_due(timezone.now() + dt.timedelta(minutes=100)) == 1
        account.refresh_from_db()
        assert account.refresh_token() != before
        assert accounts.refresh_due() == 0
    finally:
        fake.stop()


def test_a_personal_tiktok_account_is_refused(
    owner: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = TikTokFake()
    fake.start()
    try:
        monkeypatch.setenv("CLEARPOST_TIKTOK_API_BASE", fake.base_url)
        fake.add_user("me", business=False)
        page = walk_oauth(login(owner), "tiktok")
        assert b"personal account" in page.content and not ConnectedAccount.objects.exists()
    finally:
        fake.stop()


def test_x_connect_and_a_spent_refresh_needs_reauth(
    owner: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = XFake()
    fake.start()
    try:
        monkeypatch.setenv("CLEARPOST_X_API_BASE", fake.base_url)
        fake.add_user("RiversideClinic")
        walk_oauth(login(owner), "x")
        account = ConnectedAccount.objects.get(platform="x")
        assert account.handle == "RiversideClinic"
        for t in fake.tokens.values():
            t.refresh = ""  # the refresh token was spent elsewhere
        ConnectedAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now())
        account.refresh_from_db()
        with pytest.raises(ProviderError):
            accounts.usable_token(account)
        account.refresh_from_db()
        assert account.status == AccountStatus.NEEDS_REAUTH
        assert "connect it again" in accounts.warnings(account)[0]
    finally:
        fake.stop()


def test_unconfigured_platform_cannot_start(
    owner: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLEARPOST_LINKEDIN_API_BASE", raising=False)
    page = login(owner).post("/publishing/accounts/connect/linkedin/", follow=True)
    assert b"not set up" in page.content


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"token_expires_at": 3}, "expires in"),
        ({"refresh_expires_at": 2, "refresh": True}, "renewal permission ends"),
        ({"last_used_at": -85}, "Meta drops permissions unused for 90 days"),
        ({"token_expires_at": 30}, None),
    ],
)
def test_warnings_days_before_a_lapse(
    practice: Practice, fields: dict[str, Any], expected: str | None
) -> None:
    now = timezone.now()
    account = ConnectedAccount.objects.create(
        practice=practice, platform="instagram", kind="business", external_id="1", display_name="R"
    )
    if fields.pop("refresh", False):
        account.set_tokens("a", "r")
    for name, days in fields.items():
        setattr(account, name, now + dt.timedelta(days=days))
    found = accounts.warnings(account, now)
    assert (expected is None and not found) or (
        expected is not None and any(expected in w for w in found)
    )
