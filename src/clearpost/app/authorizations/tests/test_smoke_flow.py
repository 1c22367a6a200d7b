from __future__ import annotations

from clearpost.app.authorizations import actions
from clearpost.app.authorizations.models import Status


def test_sign_then_revoke_by_link(signed: actions.SignResult) -> None:
    auth = signed.authorization
    assert auth.status == Status.SIGNED
    assert auth.open_bytes("pdf").startswith(b"%PDF")
    token = signed.revocation_url.rstrip("/").rsplit("/", 1)[1]
    actions.revoke_by_link(token)
    auth.refresh_from_db()
    assert auth.status == Status.REVOKED
