"""Connected accounts: tokens sealed to their row; only professional, live accounts are usable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clearpost import crypto
from clearpost.app.posts.tests.conftest import World
from clearpost.app.practices.models import Practice
from clearpost.app.publishing.models import AccountKind, AccountStatus, ConnectedAccount, Platform

pytestmark = pytest.mark.django_db


def _account(practice: Practice, **kw: object) -> ConnectedAccount:
    fields: dict[str, object] = {
        "practice": practice,
        "platform": Platform.INSTAGRAM,
        "kind": AccountKind.BUSINESS,
        "display_name": "Rivera Aesthetics",
        "external_id": "1789",
    }
    fields.update(kw)
    return ConnectedAccount.objects.create(**fields)


def test_tokens_are_encrypted_and_bound_to_their_row() -> None:
    practice = Practice.objects.create(name="P", slug="p")
    a = _account(practice)
    a.set_tokens("EAAB-secret", "refresh-secret")
    a.save()
    assert "EAAB-secret" not in a.access_token_enc
    assert ConnectedAccount.objects.get(pk=a.pk).access_token() == "EAAB-secret"
    assert a.refresh_token() == "refresh-secret"
    b = _account(practice, external_id="other")
    b.access_token_enc = a.access_token_enc  # a ciphertext copied into another row
    with pytest.raises(crypto.DecryptionError):
        b.access_token()


@pytest.mark.parametrize(
    ("kind", "status", "expires_in", "usable"),
    [
        (AccountKind.BUSINESS, AccountStatus.ACTIVE, None, True),
        (AccountKind.PAGE, AccountStatus.ACTIVE, dt.timedelta(days=3), True),
        (AccountKind.BUSINESS, AccountStatus.ACTIVE, dt.timedelta(seconds=-1), False),
        (AccountKind.PERSONAL, AccountStatus.ACTIVE, None, False),
        (AccountKind.BUSINESS, AccountStatus.NEEDS_REAUTH, None, False),
        (AccountKind.BUSINESS, AccountStatus.DISCONNECTED, None, False),
    ],
)
def test_usable_only_when_professional_connected_and_unexpired(
    kind: str, status: str, expires_in: dt.timedelta | None, usable: bool
) -> None:
    practice = Practice.objects.create(name="P", slug="p")
    expires = timezone.now() + expires_in if expires_in is not None else None
    a = _account(practice, kind=kind, status=status, token_expires_at=expires)
    assert a.is_usable() is usable


@pytest.mark.parametrize(
    ("kit_platform", "passes"),
    [("", False), ("instagram", True), ("tiktok", False)],  # the release names instagram
)
def test_a_kit_target_is_checked_against_the_platform_it_is_meant_for(
    world: World, kit_platform: str, passes: bool
) -> None:
    from clearpost.app.audit.models import AuditEvent
    from clearpost.app.authorizations.actions import ActionError
    from clearpost.app.posts import actions as posts
    from clearpost.app.publishing import accounts

    kit = ConnectedAccount.objects.create(
        practice=world.practice, platform="kit", kind="practice_owned", display_name="Kit"
    )
    with pytest.raises(ActionError):
        accounts.set_kit_platform(world.author, kit, "instagram")  # not an admin
    with pytest.raises(ActionError):
        accounts.set_kit_platform(world.privacy, world.account, "tiktok")  # not a kit
    with pytest.raises(ActionError):
        accounts.set_kit_platform(world.privacy, kit, "website")  # not posted from a phone
    kit = accounts.set_kit_platform(world.privacy, kit, kit_platform)
    assert AuditEvent.objects.filter(action="publishing.kit_platform_set").count() == 1
    post = posts.create_post(world.author, world.data(targets=[kit.public_id]))
    codes = {f.get("code") for f in post.gate.get("findings", [])}
    assert post.gate_passed is passes, post.gate
    assert ("PLATFORM_UNCHECKABLE" in codes) is (kit_platform == "")
