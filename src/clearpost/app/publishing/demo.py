"""The demo practice's accounts, connected to the local fakes `clearpost serve` starts
(`clearpost.providers.demo`), plus the website gallery and the ready-to-post kit."""

from __future__ import annotations

from clearpost.app.practices.models import Practice
from clearpost.app.publishing.models import AccountKind, ConnectedAccount
from clearpost.providers.demo import DEMO


def seed_accounts(practice: Practice) -> list[ConnectedAccount]:
    out = []
    for d in DEMO:
        account, _ = ConnectedAccount.objects.get_or_create(
            practice=practice,
            platform=d.platform,
            external_id=d.external_id,
            defaults={"kind": d.kind, "display_name": d.name, "handle": d.handle},
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
