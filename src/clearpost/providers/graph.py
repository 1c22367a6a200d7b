"""What Instagram (through Facebook Login) and Facebook Pages share: Meta's Graph API.

Both speak `graph.facebook.com`, report errors as `{"error":{message,type,code,
error_subcode,is_transient,fbtrace_id}}` (sometimes inside an HTTP 200), and connect
through Facebook Login. The platform folders keep their own codes on top of this map;
the fake base here serves Facebook Login, `/me/accounts` and the token checks both
platforms' fakes build on.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from clearpost.providers.errors import ErrorKind, ProviderError
from clearpost.providers.fakes import FakePlatform, IssuedToken, Request, Response

GRAPH_VERSION = "v25.0"

RATE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, *range(80000, 80010), 80014})
MEDIA_SUBCODES = frozenset({2207004, 2207005, 2207009, 2207026, 2207052, 1366046})
MEDIA_CODES = frozenset({36000, 36003, 352, 9004})
POLICY_SUBCODES = frozenset({2207051, 1346003, 1404102, 1390008})
TRANSIENT_SUBCODES = frozenset({2207001, 2207027, 2207003, 2207020, 2207085})
AUTH_SUBCODE_TEXT = {
    463: "The access token has expired.",
    460: "The password of the connected Facebook user changed.",
    458: "The ClearPost app was removed from the account.",
    459: "Facebook wants the user to log in and pass a security check.",
}


def classify(platform: str, response: httpx.Response) -> ProviderError | None:
    """Map a Graph answer to the taxonomy; None when it is a real success."""
    try:
        body: Any = response.json() if response.content else {}
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return graph_error(platform, body["error"], response.status_code)
    if isinstance(body, dict) and body.get("success") is False:
        return ProviderError(
            ErrorKind.UNKNOWN,
            f"The platform answered HTTP {response.status_code} with success=false.",
            platform=platform,
            code="success_false",
        )
    if response.status_code >= 500:
        return ProviderError(
            ErrorKind.TRANSIENT, f"Server error HTTP {response.status_code}.", platform=platform
        )
    if response.status_code >= 400:
        return ProviderError(
            ErrorKind.UNKNOWN, f"Unexpected HTTP {response.status_code}.", platform=platform
        )
    if body is None:
        return ProviderError(
            ErrorKind.UNKNOWN, "The answer was not JSON.", platform=platform, code="not_json"
        )
    return None


def graph_error(platform: str, err: dict[str, Any], http_status: int) -> ProviderError:
    code = _int(err.get("code"))
    sub = _int(err.get("error_subcode"))
    text = str(err.get("error_user_msg") or err.get("message") or "Unknown error")
    tag = f"{code}/{sub}" if sub else str(code)
    if code == 190 or sub in AUTH_SUBCODE_TEXT:
        return ProviderError(
            ErrorKind.AUTH_EXPIRED,
            AUTH_SUBCODE_TEXT.get(sub, "The connection is no longer valid (expired or revoked)."),
            platform=platform,
            code=tag,
        )
    if code == 10 or 200 <= code <= 299:
        return ProviderError(
            ErrorKind.PERMISSION_MISSING,
            f"A permission is missing: {text}",
            platform=platform,
            code=tag,
        )
    if sub == 2207042 or (code in RATE_CODES and sub not in POLICY_SUBCODES):
        return ProviderError(
            ErrorKind.RATE_LIMITED,
            "The publishing limit for this account is used up."
            if sub == 2207042
            else "Too many requests to the platform.",
            platform=platform,
            code=tag,
            retry_after=3600.0 if sub == 2207042 else 300.0,
        )
    if sub in MEDIA_SUBCODES or code in MEDIA_CODES:
        return ProviderError(
            ErrorKind.MEDIA_REJECTED, f"The media was refused: {text}", platform=platform, code=tag
        )
    if sub in POLICY_SUBCODES or code in (368, 506):
        return ProviderError(
            ErrorKind.CONTENT_POLICY,
            "The platform says this post duplicates an earlier one."
            if code == 506
            else f"The platform refused the post: {text}",
            platform=platform,
            code=tag,
            # 4/2207051 has been returned for posts that were in fact live, and 506 means
            # an identical post exists: both are reconciled, never retried.
            maybe_committed=sub == 2207051 or code == 506,
        )
    if sub in TRANSIENT_SUBCODES or err.get("is_transient") or code in (1, 2, -1, -2):
        return ProviderError(
            ErrorKind.TRANSIENT, f"Temporary platform error: {text}", platform=platform, code=tag
        )
    if code == 100 and sub == 33:
        return ProviderError(
            ErrorKind.UNKNOWN, "The object does not exist.", platform=platform, code="gone"
        )
    return ProviderError(
        ErrorKind.UNKNOWN, f"{text} (HTTP {http_status}, code {tag}).", platform=platform, code=tag
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def is_gone(error: ProviderError) -> bool:
    return error.code == "gone"


# --- the fake's shared half -----------------------------------------------------------

ObjectHandler = Callable[[Request, str, str, str], "Response | None"]

V = r"(?:/v[0-9]+\.[0-9]+)?"


def gerror(
    message: str,
    code: int,
    subcode: int | None = None,
    *,
    status: int = 400,
    transient: bool = False,
    user_msg: str = "",
) -> Response:
    err: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "is_transient": transient,
        "fbtrace_id": "A" + secrets.token_urlsafe(15),
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    if user_msg:
        err["error_user_msg"] = user_msg
    return Response(status, {"error": err})


class GraphFake(FakePlatform):
    """Facebook Login, `/me/accounts` and token checks, shared by the Meta fakes.

    `pages` maps a Page ID to its record: name, category, the linked Instagram
    professional account (or None), and the Page token issued at login.
    """

    platform = "graph"
    app_id = "fake-app-id"
    app_secret = "fake-app-secret"  # noqa: S105 - the fake's own, not a credential

    def __init__(self, **kw: Any) -> None:
        self.pages: dict[str, dict[str, Any]] = {}
        self.ig_users: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (user, redirect_uri)
        self.grant_scopes: set[str] = set()
        self.user_id = "10" + secrets.token_hex(4)
        self.comments: dict[str, dict[str, Any]] = {}
        super().__init__(**kw)

    def routes(self) -> None:
        self.route("GET", r"/dialog/oauth", self._dialog)
        self.route("GET", V + r"/dialog/oauth", self._dialog)
        self.route("GET", V + r"/oauth/access_token", self._access_token)
        self.route("GET", V + r"/me/accounts", self._me_accounts)
        self.route("GET", V + r"/me/permissions", self._me_permissions)
        obj = V + r"/(?P<id>[0-9_]+)(?:/(?P<edge>[a-z_]+))?"
        for method in ("GET", "POST", "DELETE"):
            self.route(method, obj, self._object)

    def object_handlers(self) -> list[ObjectHandler]:
        """Subclasses append `handler(req, method, id, edge) -> Response | None`."""
        return []

    def _object(self, req: Request) -> Response:
        oid, edge = req.match["id"], req.match.get("edge") or ""
        for handler in self.object_handlers():
            response = handler(req, req.method, oid, edge)
            if response is not None:
                return response
        return gerror(
            f"Unsupported {req.method.lower()} request. Object with ID '{oid}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation.",
            100,
            33,
        )

    def add_page(
        self, name: str, *, ig_username: str | None = None, personal_ig: bool = False
    ) -> str:
        page_id = self.new_id(15)
        ig_id = ""
        if ig_username:
            ig_id = self.new_id(17)
            self.ig_users[ig_id] = {
                "username": ig_username,
                "page_id": page_id,
                "quota_total": 50,
                "account_type": "PERSONAL" if personal_ig else "BUSINESS",
            }
        self.pages[page_id] = {"name": name, "category": "Medical & health", "ig": ig_id}
        return page_id

    def user_token(
        self, scopes: set[str] | None = None, lifetime: float = 60 * 86400
    ) -> IssuedToken:
        return self.issue_token(
            self.user_id, scopes or self.grant_scopes, lifetime=lifetime, prefix="EAAU"
        )

    def page_token(self, page_id: str, scopes: set[str] | None = None) -> IssuedToken:
        return self.issue_token(page_id, scopes or self.grant_scopes, lifetime=None, prefix="EAAP")

    def require(
        self, req: Request, operation: str, scope: str | None
    ) -> tuple[IssuedToken | None, Response | None]:
        tok, problem = self.token_state(req, operation)
        if problem == "expired":
            return None, gerror(
                "Error validating access token: Session has expired.", 190, 463, status=401
            )
        if problem:
            return None, gerror(
                "Invalid OAuth access token - Cannot parse access token", 190, status=401
            )
        assert tok is not None
        if scope and scope not in tok.scopes:
            return None, gerror(
                f"(#10) Application does not have permission for this action ({scope})",
                10,
                status=403,
            )
        return tok, None

    # OAuth: the dialog approves at once with every requested scope (a fake consent).
    def _dialog(self, req: Request) -> Response:
        q = req.query
        if q.get("client_id") != self.app_id or not q.get("redirect_uri"):
            return gerror("Invalid App ID", 101)
        code = secrets.token_urlsafe(12)
        self.codes[code] = (self.user_id, q["redirect_uri"])
        self.grant_scopes = set(filter(None, q.get("scope", "").split(",")))
        target = (
            q["redirect_uri"]
            + "?"
            + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        )
        return Response(302, raw=b"", headers={"Location": target})

    def _access_token(self, req: Request) -> Response:
        q = req.params
        if q.get("client_id") != self.app_id or q.get("client_secret") != self.app_secret:
            return gerror("Error validating client secret.", 1, status=400)
        if q.get("grant_type") == "fb_exchange_token":
            old = self.tokens.get(q.get("fb_exchange_token", ""))
            if old is None:
                return gerror("Invalid OAuth access token.", 190)
            tok = self.user_token(set(old.scopes))
            return Response(
                200, {"access_token": tok.token, "token_type": "bearer", "expires_in": 5183944}
            )
        entry = self.codes.pop(q.get("code", ""), None)
        if entry is None or entry[1] != q.get("redirect_uri"):
            return gerror("This authorization code has been used.", 100, 36009)
        tok = self.user_token(lifetime=3600)
        return Response(
            200, {"access_token": tok.token, "token_type": "bearer", "expires_in": 3600}
        )

    def _me_accounts(self, req: Request) -> Response:
        tok, err = self.require(req, "me_accounts", "pages_show_list")
        if err:
            return err
        assert tok is not None
        data = []
        for pid, page in self.pages.items():
            ptok = self.page_token(pid, set(tok.scopes))
            item: dict[str, Any] = {
                "id": pid,
                "name": page["name"],
                "category": page["category"],
                "access_token": ptok.token,
                "tasks": [
                    "ADVERTISE",
                    "ANALYZE",
                    "CREATE_CONTENT",
                    "MESSAGING",
                    "MODERATE",
                    "MANAGE",
                ],
            }
            ig = self.ig_users.get(page["ig"])
            if ig and ig["account_type"] != "PERSONAL":
                item["instagram_business_account"] = {"id": page["ig"], "username": ig["username"]}
            data.append(item)
        return Response(
            200, {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}}
        )

    def _me_permissions(self, req: Request) -> Response:
        tok, err = self.require(req, "me_permissions", None)
        if err:
            return err
        assert tok is not None
        return Response(
            200, {"data": [{"permission": s, "status": "granted"} for s in sorted(tok.scopes)]}
        )
