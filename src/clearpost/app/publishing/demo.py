"""The demo practice's accounts, connected to the local fakes `clearpost serve` starts
(`clearpost.providers.demo`), plus the website gallery and the ready-to-post kit."""

from __future__ import annotations

from clearpost.app.practices.models import Practice
from clearpost.app.publishing.models import AccountKind, ConnectedAccount
from clearpost.providers.demo import DEMO


def seed_accounts(practice: Practice) -> list[ConnectedAccount]:
    """Idempotent. An account another demo seeded without a connection (the posts demo's
    Instagram and Facebook targets) is connected in place, so its posts can go out."""
    out = []
    for d in DEMO:
        account = ConnectedAccount.objects.filter(
            practice=practice, platform=d.platform, external_id=d.external_id
        ).first()
        if account is None:
            account = (
                ConnectedAccount.objects.filter(
                    practice=practice, platform=d.platform, access_token_enc=""
                )
                .order_by("pk")
                .first()
            )
            if account is not None:
                account.external_id = d.external_id
                account.handle = d.handle
                account.save(update_fields=["external_id", "handle"])
        if account is None:
            account = ConnectedAccount.objects.create(
                practice=practice,
                platform=d.platform,
                external_id=d.external_id,
                kind=d.kind,
                display_name=d.name,
                handle=d.handle,
            )
        if not account.access_token_enc:
            account.set_tokens(d.token)
            account.scopes = []
            account.save()
        out.append(account)
    for platform, name in (("website", "Practice website gallery"), ("kit", "Ready-to-post kit")):
        account, _ = ConnectedAccount.objects.get_or_create(
            practice=practice,
            platform=platform,
            external_id=platform,
            defaults={"kind": AccountKind.PRACTICE_OWNED, "display_name": name},
        )
        out.append(account)
    return out
