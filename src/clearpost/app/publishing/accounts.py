"""Connected accounts: the OAuth connect flow, tokens kept fresh, lapses warned about.

- Connect: authorization code (with PKCE where the platform supports it: TikTok, X),
  then the platform's own account discovery. Only professional accounts are kept
  (ASPS-PROFESSIONAL-ACCOUNT): a Facebook Page and the Instagram professional account
  linked to it, a TikTok business account, LinkedIn pages the member administers, the
  practice's X account. A personal account is refused with a message saying what to do.
- Tokens are sealed to their row (`ConnectedAccount.set_tokens`) and refreshed shortly
  before expiry where the platform issues refresh tokens (rotating ones replaced at once).
- Warnings: a token or refresh token expiring within `WARN_DAYS`, or a Meta permission
  unused for more than 80 of its 90 days, shows on the accounts page.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import secrets
import urllib.parse
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions import ActionError
from clearpost.app.publishing import config
from clearpost.app.publishing.models import (
    AccountKind,
    AccountStatus,
    ConnectedAccount,
    Platform,
)
from clearpost.providers.errors import ErrorKind, ProviderError

RULE = "ASPS-PROFESSIONAL-ACCOUNT"
WARN_DAYS = 7
REFRESH_MARGIN = dt.timedelta(minutes=10)
REFRESH_AHEAD = dt.timedelta(minutes=30)
META_PERMISSION_DAYS = 90
SCOPES = {
    "instagram": "instagram_basic,instagram_content_publish,instagram_manage_comments,"
    "instagram_manage_contents,pages_show_list,pages_read_engagement",
    "facebook": "pages_show_list,pages_manage_posts,pages_read_engagement,"
    "pages_manage_engagement,pages_read_user_engagement",
    "tiktok": "user.info.basic,video.publish,video.upload,video.list",
    "linkedin": "w_organization_social r_organization_social rw_organization_admin",
    "x": "tweet.read tweet.write users.read media.write tweet.moderate.write offline.access",
}
PKCE = frozenset({"tiktok", "x"})
GRAPH = "/v25.0"


@dataclasses.dataclass(frozen=True)
class Start:
    url: str
    state: str
    verifier: str


def start_connect(platform: str, redirect_uri: str) -> Start:
    cfg = config.platform(platform)
    if not cfg.configured:
        raise ActionError(
            {
                "": f"{platform} is not set up: set CLEARPOST_{platform.upper()}_CLIENT_ID and "
                "_CLIENT_SECRET for the practice's app first."
            }
        )
    state = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48) if platform in PKCE else ""
    params: dict[str, str] = {"redirect_uri": redirect_uri, "state": state, "response_type": "code"}
    if platform == "tiktok":
        params.update(client_key=cfg.client_id, scope=SCOPES[platform].replace(" ", ","))
    else:
        params.update(client_id=cfg.client_id, scope=SCOPES[platform])
    if verifier:
        digest = hashlib.sha256(verifier.encode()).digest()
        params["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        params["code_challenge_method"] = "S256"
    return Start(cfg.authorize_url + "?" + urllib.parse.urlencode(params), state, verifier)


def _http(platform: str) -> httpx.Client:
    return httpx.Client(base_url=config.platform(platform).api_base, timeout=20.0)


def _check(platform: str, r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        body = {}
    err = body.get("error") if isinstance(body, dict) else None
    ok_envelope = isinstance(err, dict) and err.get("code") == "ok"
    if r.status_code >= 400 or not isinstance(body, dict) or (err is not None and not ok_envelope):
        raise ActionError(
            {"": f"{platform} refused the connection (HTTP {r.status_code}). Try again."}
        )
    return body


def finish_connect(
    actor: Any, platform: str, code: str, redirect_uri: str, verifier: str = ""
) -> list[ConnectedAccount]:
    """Exchange the code, discover the professional accounts, store them sealed."""
    cfg = config.platform(platform)
    found: list[dict[str, Any]] = []
    with _http(platform) as http:
        if platform in ("instagram", "facebook"):
            found = _meta_accounts(http, cfg, platform, code, redirect_uri)
        elif platform == "tiktok":
            tok = _check(
                platform,
                http.post(
                    "/v2/oauth/token/",
                    data={
                        "client_key": cfg.client_id,
                        "client_secret": cfg.client_secret,
                        "code": code,
                        "grant_type": "authorization_code",
                        "redirect_uri": redirect_uri,
                        "code_verifier": verifier,
                    },
                ),
            )
            info = _check(
                platform,
                http.get(
                    "/v2/user/info/",
                    params={"fields": "open_id,username,display_name"},
                    headers={"Authorization": f"Bearer {tok['access_token']}"},
                ),
            )
            user = (info.get("data") or {}).get("user") or {}
            if user.get("account_type") == "PERSONAL":
                raise ActionError(
                    {
                        "": "This TikTok account is a personal account. Switch it to a Business "
                        "account in the TikTok app (Settings > Account), then connect again."
                    }
                )
            found = [
                {
                    "kind": AccountKind.BUSINESS,
                    "id": tok["open_id"],
                    "name": user.get("display_name", ""),
                    "handle": user.get("username", ""),
                    "access": tok["access_token"],
                    "refresh": tok.get("refresh_token", ""),
                    "expires_in": tok.get("expires_in"),
                    "refresh_expires_in": tok.get("refresh_expires_in"),
                    "scopes": str(tok.get("scope", "")).split(","),
                }
            ]
        elif platform == "linkedin":
            tok = _check(
                platform,
                http.post(
                    "/oauth/v2/accessToken",
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                        "client_id": cfg.client_id,
                        "client_secret": cfg.client_secret,
                    },
                ),
            )
            acls = _check(
                platform,
                http.get(
                    "/rest/organizationAcls",
                    params={"q": "roleAssignee", "role": "ADMINISTRATOR"},
                    headers={
                        "Authorization": f"Bearer {tok['access_token']}",
                        "LinkedIn-Version": "202611",
                        "X-Restli-Protocol-Version": "2.0.0",
                    },
                ),
            )
            for el in acls.get("elements", []):
                org = str(el.get("organization", "")).removeprefix("urn:li:organization:")
                found.append(
                    {
                        "kind": AccountKind.ORGANIZATION,
                        "id": org,
                        "name": f"LinkedIn page {org}",
                        "handle": "",
                        "access": tok["access_token"],
                        "refresh": tok.get("refresh_token", ""),
                        "expires_in": tok.get("expires_in"),
                        "refresh_expires_in": tok.get("refresh_token_expires_in"),
                        "scopes": str(tok.get("scope", "")).split(","),
                    }
                )
            if not found:
                raise ActionError(
                    {
                        "": "You administer no LinkedIn page. Personal LinkedIn profiles cannot be "
                        "connected; ask a page administrator to connect the practice's page."
                    }
                )
        elif platform == "x":
            tok = _check(
                platform,
                http.post(
                    "/2/oauth2/token",
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                        "code_verifier": verifier,
                        "client_id": cfg.client_id,
                    },
                    auth=(cfg.client_id, cfg.client_secret),
                ),
            )
            me = _check(
                platform,
                http.get("/2/users/me", headers={"Authorization": f"Bearer {tok['access_token']}"}),
            )
            user = me.get("data") or {}
            found = [
                {
                    "kind": AccountKind.BUSINESS,
                    "id": user.get("id", ""),
                    "name": user.get("name", ""),
                    "handle": user.get("username", ""),
                    "access": tok["access_token"],
                    "refresh": tok.get("refresh_token", ""),
                    "expires_in": tok.get("expires_in"),
                    "refresh_expires_in": 180 * 86400 if tok.get("refresh_token") else None,
                    "scopes": str(tok.get("scope", "")).split(),
                }
            ]
        else:
            raise ActionError({"": "This platform needs no connection."})
    return _store(actor, platform, found)


def _meta_accounts(
    http: httpx.Client, cfg: config.PlatformConfig, platform: str, code: str, redirect_uri: str
) -> list[dict[str, Any]]:
    short = _check(
        platform,
        http.get(
            f"{GRAPH}/oauth/access_token",
            params={
                "client_id": cfg.client_id,
                "client_secret": cfg.client_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
        ),
    )
    long = _check(
        platform,
        http.get(
            f"{GRAPH}/oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": cfg.client_id,
                "client_secret": cfg.client_secret,
                "fb_exchange_token": short["access_token"],
            },
        ),
    )
    pages = _check(
        platform, http.get(f"{GRAPH}/me/accounts", params={"access_token": long["access_token"]})
    )
    perms = _check(
        platform, http.get(f"{GRAPH}/me/permissions", params={"access_token": long["access_token"]})
    )
    scopes = [p["permission"] for p in perms.get("data", []) if p.get("status") == "granted"]
    out: list[dict[str, Any]] = []
    for page in pages.get("data", []):
        base = {
            "access": page["access_token"],
            "refresh": "",
            "expires_in": None,
            "refresh_expires_in": None,
            "scopes": scopes,
        }
        if platform == "facebook":
            out.append(
                {
                    **base,
                    "kind": AccountKind.PAGE,
                    "id": page["id"],
                    "name": page["name"],
                    "handle": "",
                }
            )
        elif page.get("instagram_business_account"):
            ig = page["instagram_business_account"]
            out.append(
                {
                    **base,
                    "kind": AccountKind.BUSINESS,
                    "id": ig["id"],
                    "name": f"{page['name']} (Instagram)",
                    "handle": ig.get("username", ""),
                }
            )
    if not out:
        msg = (
            "No Facebook Page was shared with ClearPost."
            if platform == "facebook"
            else "No Instagram professional account is linked to your Facebook Pages. Personal Instagram "
            "accounts cannot be connected: switch the account to Business or Creator in the Instagram "
            "app and link it to the practice's Facebook Page, then connect again."
        )
        raise ActionError({"": msg})
    return out


def _store(actor: Any, platform: str, found: list[dict[str, Any]]) -> list[ConnectedAccount]:
    now = timezone.now()
    stored = []
    with transaction.atomic():
        for f in found:
            account, created = ConnectedAccount.objects.get_or_create(
                practice=actor.practice,
                platform=platform,
                external_id=str(f["id"]),
                defaults={
                    "kind": f["kind"],
                    "display_name": f["name"] or str(f["id"]),
                    "connected_by": actor,
                },
            )
            account.kind = f["kind"]
            account.display_name = f["name"] or account.display_name
            account.handle = f["handle"]
            account.status = AccountStatus.ACTIVE
            account.scopes = [s for s in f["scopes"] if s]
            account.set_tokens(f["access"], f["refresh"])
            account.token_expires_at = (
                now + dt.timedelta(seconds=int(f["expires_in"])) if f["expires_in"] else None
            )
            account.refresh_expires_at = (
                now + dt.timedelta(seconds=int(f["refresh_expires_in"]))
                if f["refresh_expires_in"]
                else None
            )
            account.connected_at = now
            account.last_used_at = now
            account.save()
            record(
                "publishing.account_connected",
                actor=actor,
                obj=account,
                rule=RULE,
                detail={"platform": platform, "kind": account.kind, "new": created},
            )
            stored.append(account)
    return stored


def set_kit_platform(actor: Any, account: ConnectedAccount, platform: str) -> ConnectedAccount:
    """Name the platform a ready-to-post kit is meant for, so the posts gate can check
    the patient's release against it (blank: the gate refuses patient content again).
    Owner or privacy officer, audited."""
    from clearpost.app.accounts.models import Role
    from clearpost.app.publishing.models import KIT_PLATFORMS

    if not actor.has_role(Role.OWNER, Role.PRIVACY_OFFICER):
        raise ActionError({"": "Only an owner or privacy officer can set up a kit."})
    if account.platform != Platform.KIT or account.practice_id != actor.practice_id:
        raise ActionError({"": "Only a ready-to-post kit has a platform to choose."})
    if platform and platform not in {p for p, _ in KIT_PLATFORMS}:
        raise ActionError({"kit_platform": f"A kit cannot be meant for {platform!r}."})
    with transaction.atomic():
        locked = ConnectedAccount.objects.select_for_update().get(pk=account.pk)
        before = locked.kit_platform
        locked.kit_platform = platform
        locked.save(update_fields=["kit_platform"])
        record(
            "publishing.kit_platform_set",
            actor=actor,
            obj=locked,
            rule="HIPAA-AUTH-SCOPE-MATCH",
            before={"kit_platform": before},
            after={"kit_platform": platform},
        )
    saved: ConnectedAccount = locked
    return saved


# --- tokens in use ---------------------------------------------------------------------
def usable_token(account: ConnectedAccount) -> str:
    """The access token, refreshed first when it expires within REFRESH_MARGIN."""
    if account.platform in (Platform.WEBSITE, Platform.KIT):
        return ""
    if account.status != AccountStatus.ACTIVE:
        raise ProviderError(
            ErrorKind.AUTH_EXPIRED, "The account is not connected.", platform=account.platform
        )
    exp = account.token_expires_at
    if exp is not None and exp - REFRESH_MARGIN <= timezone.now():
        if account.refresh_token():
            refresh(account)
            account.refresh_from_db()
        elif exp <= timezone.now():
            mark_needs_reauth(account, "The access token expired.")
            raise ProviderError(
                ErrorKind.AUTH_EXPIRED, "The access token expired.", platform=account.platform
            )
    return account.access_token()


def refresh(
    account: ConnectedAccount, *, force: bool = False, now: dt.datetime | None = None
) -> None:
    """Refresh under a row lock so two workers never spend one rotating refresh token."""
    cfg = config.platform(account.platform)
    with transaction.atomic():
        acc = ConnectedAccount.objects.select_for_update().get(pk=account.pk)
        margin = REFRESH_AHEAD if force else REFRESH_MARGIN
        if acc.token_expires_at and acc.token_expires_at - margin > (now or timezone.now()):
            return  # another worker refreshed it meanwhile
        with _http(acc.platform) as http:
            if acc.platform == "tiktok":
                r = http.post(
                    "/v2/oauth/token/",
                    data={
                        "client_key": cfg.client_id,
                        "client_secret": cfg.client_secret,
                        "grant_type": "refresh_token",
                        "refresh_token": acc.refresh_token(),
                    },
                )
            elif acc.platform == "x":
                r = http.post(
                    "/2/oauth2/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": acc.refresh_token(),
                        "client_id": cfg.client_id,
                    },
                    auth=(cfg.client_id, cfg.client_secret),
                )
            else:
                r = None
        ok = r is not None and r.status_code < 400
        if r is not None and ok:
            _store_refreshed(acc, r.json())
    if not ok:
        # Outside the refresh transaction, so the status change survives the error.
        status = r.status_code if r is not None else "none"
        mark_needs_reauth(account, f"The token could not be refreshed (HTTP {status}).")
        raise ProviderError(
            ErrorKind.AUTH_EXPIRED, "The token could not be refreshed.", platform=account.platform
        )


def _store_refreshed(acc: ConnectedAccount, body: dict[str, Any]) -> None:
    if body:
        acc.set_tokens(body["access_token"], body.get("refresh_token") or acc.refresh_token())
        acc.token_expires_at = timezone.now() + dt.timedelta(
            seconds=int(body.get("expires_in", 3600))
        )
        if body.get("refresh_expires_in"):
            acc.refresh_expires_at = timezone.now() + dt.timedelta(
                seconds=int(body["refresh_expires_in"])
            )
        acc.save()
        record(
            "publishing.token_refreshed",
            actor_label="system",
            practice=acc.practice,
            obj=acc,
            rule=RULE,
            detail={"platform": acc.platform, "expires_at": acc.token_expires_at.isoformat()},
        )


def mark_needs_reauth(account: ConnectedAccount, why: str) -> None:
    with transaction.atomic():
        updated = ConnectedAccount.objects.filter(
            pk=account.pk, status=AccountStatus.ACTIVE
        ).update(status=AccountStatus.NEEDS_REAUTH)
        if updated:
            record(
                "publishing.account_needs_reauth",
                actor_label="system",
                practice=account.practice,
                obj=account,
                rule=RULE,
                detail={"platform": account.platform, "why": why[:300]},
            )


def disconnect(actor: Any, account: ConnectedAccount) -> None:
    with transaction.atomic():
        account.status = AccountStatus.DISCONNECTED
        account.set_tokens("", "")
        account.save()
        record(
            "publishing.account_disconnected",
            actor=actor,
            obj=account,
            rule=RULE,
            detail={"platform": account.platform},
        )


def warnings(account: ConnectedAccount, now: dt.datetime | None = None) -> list[str]:
    """What will stop working soon, in words, for the accounts page and the dashboard."""
    now = now or timezone.now()
    out: list[str] = []
    if account.status == AccountStatus.NEEDS_REAUTH:
        out.append("Not connected any more: connect it again before the next post.")
        return out
    soon = now + dt.timedelta(days=WARN_DAYS)
    can_refresh = bool(account.refresh_token_enc)
    if account.token_expires_at and account.token_expires_at <= soon and not can_refresh:
        days = max(0, (account.token_expires_at - now).days)
        out.append(f"The connection expires in {days} day(s): connect it again before then.")
    if account.refresh_expires_at and account.refresh_expires_at <= soon:
        days = max(0, (account.refresh_expires_at - now).days)
        out.append(f"The renewal permission ends in {days} day(s): connect it again before then.")
    if account.platform in (Platform.INSTAGRAM, Platform.FACEBOOK) and account.last_used_at:
        lapse = account.last_used_at + dt.timedelta(days=META_PERMISSION_DAYS)
        if lapse <= soon:
            days = max(0, (lapse - now).days)
            out.append(
                f"Meta drops permissions unused for 90 days: in {days} day(s) deleting and "
                "hiding may stop working. Connect the account again to renew them."
            )
    return out


def refresh_due(now: dt.datetime | None = None) -> int:
    """Refresh, ahead of time, every token that expires within REFRESH_AHEAD and can be
    renewed (the heartbeat calls this, so an account never lapses between two posts)."""
    now = now or timezone.now()
    due = ConnectedAccount.objects.filter(
        status=AccountStatus.ACTIVE,
        token_expires_at__lte=now + REFRESH_AHEAD,
        platform__in=("tiktok", "x"),
    ).exclude(refresh_token_enc="")
    done = 0
    for account in due:
        try:
            refresh(account, force=True, now=now)
            done += 1
        except ProviderError:
            continue  # marked "needs to be connected again" and shown on the page
    return done
