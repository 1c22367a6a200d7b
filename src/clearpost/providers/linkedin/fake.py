"""A local LinkedIn Community Management API (api.linkedin.com/rest) for tests and
`make run`.

Reproduces reference §4: OAuth with 60-day tokens, the required `LinkedIn-Version`
(426 `NONEXISTENT_VERSION` when sunset) and `X-Restli-Protocol-Version` headers, image
upload (initializeUpload -> one whole-file PUT -> `PROCESSING` -> `AVAILABLE` on the
clock), `POST /rest/posts` answering 201 with an empty body and the URN in `x-restli-id`,
media that is not yet `AVAILABLE` refused, organization roles, "little text" commentary
truncated at an unescaped reserved character, the author listing used to reconcile,
idempotent 204 deletes, comments without any hide operation, and the
`{"message","serviceErrorCode","status"}` error body.
"""

from __future__ import annotations

import html
import re
import secrets
import urllib.parse
from typing import Any

from clearpost.providers.fakes import FakePlatform, Request, Response

OLDEST_VERSION = 202511
RESERVED = r"\|{}@[]()<>#*_~"


def lerror(status: int, message: str, service_code: int, code: str = "") -> Response:
    body: dict[str, Any] = {"message": message, "serviceErrorCode": service_code, "status": status}
    if code:
        body["code"] = code
    return Response(status, body)


def unescape_little(text: str) -> str:
    """What LinkedIn shows: escaped characters kept, text cut at the first unescaped one."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in RESERVED:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "@" and re.match(r"@\[[^\]]*\]\(urn:li:[a-z]+:[^)]+\)", text[i:]):
            m = re.match(r"@\[([^\]]*)\]\(urn:li:[a-z]+:[^)]+\)", text[i:])
            assert m is not None
            out.append(m.group(1))
            i += m.end()
            continue
        if ch in RESERVED:
            break
        out.append(ch)
        i += 1
    return "".join(out)


class LinkedInFake(FakePlatform):
    platform = "linkedin"
    client_id = "fake-li-client"
    client_secret = "fake-li-secret"  # noqa: S105 - the fake's own
    image_processing_s = 3.0

    def __init__(self, **kw: Any) -> None:
        self.orgs: dict[str, dict[str, Any]] = {}
        self.admins: dict[str, set[str]] = {}  # member -> org ids
        self.images: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.li_comments: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, tuple[str, str, str]] = {}
        self.member = "m" + secrets.token_hex(5)
        super().__init__(**kw)

    def routes(self) -> None:
        self.route("GET", r"/oauth/v2/authorization", self._authorize)
        self.route("POST", r"/oauth/v2/accessToken", self._access_token)
        self.route("GET", r"/rest/organizationAcls", self._acls)
        self.route("POST", r"/rest/images", self._image_init)
        self.route("PUT", r"/upload/image/(?P<image>[^/]+)", self._image_put)
        self.route("GET", r"/rest/images/(?P<urn>[^/]+)", self._image_get)
        self.route("POST", r"/rest/posts", self._create_post)
        self.route("GET", r"/rest/posts", self._list_posts)
        self.route("GET", r"/rest/posts/(?P<urn>[^/]+)", self._get_post)
        self.route("DELETE", r"/rest/posts/(?P<urn>[^/]+)", self._delete_post)
        self.route("GET", r"/rest/socialActions/(?P<urn>[^/]+)/comments", self._comments)
        self.route("POST", r"/rest/socialActions/(?P<urn>[^/]+)/comments", self._add_comment)
        self.route("GET", r"/feed/update/(?P<urn>[^/]+)/?", self._public_post)

    def add_org(self, name: str, *, admin: bool = True) -> str:
        org = str(10000000 + secrets.randbelow(8999999))
        self.orgs[org] = {"name": name}
        if admin:
            self.admins.setdefault(self.member, set()).add(org)
        return org

    def token_for(self, scopes: set[str] | None = None, lifetime: float = 60 * 86400) -> str:
        scopes = scopes or {
            "w_organization_social",
            "r_organization_social",
            "rw_organization_admin",
        }
        return self.issue_token(self.member, scopes, lifetime=lifetime, prefix="AQV").token

    def live_posts(self, org: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for p in self.posts.values()
            if not p["deleted"] and (org is None or p["author"] == f"urn:li:organization:{org}")
        ]

    def add_comment(self, post_urn: str, text: str, actor: str = "urn:li:person:visitor") -> str:
        cid = self.new_id(19)
        self.li_comments[cid] = {
            "id": cid,
            "object": post_urn,
            "actor": actor,
            "text": text,
            "t": int(self.clock.now() * 1000),
            "parent": "",
        }
        return cid

    def not_found(self, req: Request, *, method_mismatch: bool) -> Response:
        return lerror(405 if method_mismatch else 404, "Resource not found", 0)

    def _check(
        self, req: Request, operation: str, scope: str | None
    ) -> tuple[str, Response | None]:
        version = req.headers.get("linkedin-version", "")
        if not re.fullmatch(r"\d{6}", version) or int(version) < OLDEST_VERSION:
            return "", lerror(
                426,
                f"Requested version {version or '(none)'} is not active",
                0,
                "NONEXISTENT_VERSION",
            )
        if req.headers.get("x-restli-protocol-version") != "2.0.0":
            return "", lerror(400, "X-Restli-Protocol-Version 2.0.0 is required", 0)
        tok, problem = self.token_state(req, operation)
        if problem == "missing":
            return "", lerror(401, "Empty oauth2_access_token", 401)
        if problem == "expired":
            return "", lerror(401, "The token used in the request has expired", 65601)
        if problem:
            return "", lerror(401, "Invalid access token", 65600)
        assert tok is not None
        if scope and scope not in tok.scopes:
            return "", lerror(
                403, f"Not enough permissions to access: {operation}", 100, "ACCESS_DENIED"
            )
        return tok.subject, None

    # --- OAuth ------------------------------------------------------------------------
    def _authorize(self, req: Request) -> Response:
        q = req.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return Response(400, raw=b"invalid client", headers={"Content-Type": "text/plain"})
        code = secrets.token_urlsafe(12)
        self.codes[code] = (self.member, q.get("redirect_uri", ""), q.get("scope", ""))
        target = (
            q.get("redirect_uri", "")
            + "?"
            + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        )
        return Response(302, raw=b"", headers={"Location": target})

    def _access_token(self, req: Request) -> Response:
        f = req.form
        if f.get("client_id") != self.client_id or f.get("client_secret") != self.client_secret:
            return Response(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        entry = self.codes.pop(f.get("code", ""), None)
        if (
            f.get("grant_type") != "authorization_code"
            or entry is None
            or entry[1] != f.get("redirect_uri")
        ):
            return Response(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.",
                },
            )
        scopes = set(entry[2].split()) if entry[2] else set()
        tok = self.issue_token(entry[0], scopes, lifetime=60 * 86400, prefix="AQV")
        return Response(
            200,
            {"access_token": tok.token, "expires_in": 5184000, "scope": ",".join(sorted(scopes))},
        )

    def _acls(self, req: Request) -> Response:
        member, err = self._check(req, "acls", None)
        if err:
            return err
        elements = [
            {
                "organization": f"urn:li:organization:{o}",
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
                "roleAssignee": f"urn:li:person:{member}",
            }
            for o in sorted(self.admins.get(member, set()))
        ]
        return Response(200, {"elements": elements, "paging": {"count": 10, "start": 0}})

    def _org_of(self, urn: str) -> str:
        return (
            urn.removeprefix("urn:li:organization:")
            if urn.startswith("urn:li:organization:")
            else ""
        )

    # --- images -----------------------------------------------------------------------
    def _image_init(self, req: Request) -> Response:
        member, err = self._check(req, "image_init", "w_organization_social")
        if err:
            return err
        if req.query.get("action") != "initializeUpload":
            return lerror(400, "action=initializeUpload is required", 100)
        owner = ((req.json() or {}).get("initializeUploadRequest") or {}).get("owner", "")
        org = self._org_of(owner)
        if org not in self.admins.get(member, set()):
            return lerror(
                403, f"Not enough permissions to access: images for {owner}", 100, "ACCESS_DENIED"
            )
        image = "D" + secrets.token_hex(8).upper()
        self.images[image] = {
            "owner": owner,
            "status": "WAITING_UPLOAD",
            "data": b"",
            "ready_at": None,
            "reject": self.take_mode_if("image", "reject_media"),
        }
        return Response(
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": int((self.clock.now() + 3600) * 1000),
                    "uploadUrl": f"{self.base_url}/upload/image/{image}",
                    "image": f"urn:li:image:{image}",
                }
            },
        )

    def _image_put(self, req: Request) -> Response:
        img = self.images.get(req.match["image"])
        if img is None:
            return Response(404, raw=b"")
        img["data"] = req.body  # a second PUT overwrites: chunked uploads corrupt the file
        img["status"] = "PROCESSING"
        img["ready_at"] = self.clock.now() + self.image_processing_s
        return Response(201, raw=b"")

    def _image_state(self, key: str) -> str:
        img = self.images[key]
        if img["status"] == "PROCESSING" and self.clock.now() >= img["ready_at"]:
            ok = (
                img["data"][:2] == b"\xff\xd8"
                or img["data"][:4] == b"\x89PNG"
                or img["data"][:4] == b"GIF8"
            )
            img["status"] = "AVAILABLE" if ok and not img["reject"] else "PROCESSING_FAILED"
        return str(img["status"])

    def _image_get(self, req: Request) -> Response:
        _, err = self._check(req, "image_get", "r_organization_social")
        if err:
            return err
        key = req.match["urn"].removeprefix("urn:li:image:")
        if key not in self.images:
            return lerror(404, "Image not found", 0)
        state = self._image_state(key)
        body: dict[str, Any] = {
            "id": f"urn:li:image:{key}",
            "status": state,
            "owner": self.images[key]["owner"],
        }
        if state == "PROCESSING_FAILED":
            body["processingFailureReason"] = "Unsupported image format"
        return Response(200, body)

    # --- posts ------------------------------------------------------------------------
    def _create_post(self, req: Request) -> Response:
        member, err = self._check(req, "create_post", "w_organization_social")
        if err:
            return err
        body = req.json()
        if not isinstance(body, dict):
            return lerror(400, "Body must be JSON", 100)
        for field in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
            if field not in body:
                return lerror(422, f"/{field} :: required field is not present", 100)
        org = self._org_of(str(body["author"]))
        if org not in self.admins.get(member, set()):
            return lerror(
                403,
                f"Not enough permissions to access: partnerApiPostsExternal.CREATE for {body['author']}",
                100,
                "ACCESS_DENIED",
            )
        if body["lifecycleState"] != "PUBLISHED" or body["visibility"] not in (
            "PUBLIC",
            "CONNECTIONS",
            "LOGGED_IN",
        ):
            return lerror(422, "/lifecycleState or /visibility has an invalid value", 100)
        images: list[str] = []
        content = body.get("content") or {}
        if "media" in content:
            images = [str(content["media"].get("id", ""))]
        elif "multiImage" in content:
            images = [str(i.get("id", "")) for i in content["multiImage"].get("images", [])]
            if not 2 <= len(images) <= 20:
                return lerror(422, "/content/multiImage/images must have 2 to 20 items", 100)
        for urn in images:
            key = urn.removeprefix("urn:li:image:")
            if key not in self.images:
                return lerror(422, f"Media {urn} does not exist", 100)
            if self._image_state(key) != "AVAILABLE":
                return lerror(422, f"Media asset {urn} is not AVAILABLE; post creation failed", 100)
        text = unescape_little(str(body["commentary"]))
        for other in self.live_posts(org):
            if other["text"] == text and text and self.clock.now() - other["t"] < 86400:
                return lerror(422, f"Content is a duplicate of {other['urn']}", 100)
        mode = self.take_mode("create_post")
        if mode == "expire_token":
            return lerror(401, "The token used in the request has expired", 65601)
        urn = f"urn:li:share:{self.new_id(19)}"
        self.posts[urn] = {
            "urn": urn,
            "author": body["author"],
            "raw": body["commentary"],
            "text": text,
            "images": images,
            "t": self.clock.now(),
            "deleted": False,
        }
        if mode == "error_in_200":
            return Response(201, raw=b"", headers={})  # created, but no x-restli-id to say which
        if mode == "created_then_error":
            return lerror(500, "Internal Server Error", 0)
        headers = {"x-restli-id": urn, "x-linkedin-id": urn}
        if mode == "created_then_timeout":
            return Response(201, raw=b"", headers=headers, delay=self.timeout_delay)
        return Response(201, raw=b"", headers=headers)

    def _post_json(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": p["urn"],
            "author": p["author"],
            "commentary": p["raw"],
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "publishedAt": int(p["t"] * 1000),
            "createdAt": int(p["t"] * 1000),
        }

    def _list_posts(self, req: Request) -> Response:
        _, err = self._check(req, "list_posts", "r_organization_social")
        if err:
            return err
        if req.query.get("q") != "author":
            return lerror(400, "q=author is required", 100)
        author = req.query.get("author", "")
        posts = sorted(
            (p for p in self.posts.values() if p["author"] == author and not p["deleted"]),
            key=lambda p: p["t"],
            reverse=True,
        )
        return Response(
            200,
            {
                "elements": [
                    self._post_json(p) for p in posts[: int(req.query.get("count", "10"))]
                ],
                "paging": {"start": 0, "count": 10},
            },
        )

    def _get_post(self, req: Request) -> Response:
        _, err = self._check(req, "get_post", "r_organization_social")
        if err:
            return err
        p = self.posts.get(req.match["urn"])
        if p is None:
            return lerror(404, "Not Found", 0)
        if p["deleted"]:
            return lerror(410, "Gone", 0)
        return Response(200, self._post_json(p))

    def _delete_post(self, req: Request) -> Response:
        member, err = self._check(req, "delete_post", "w_organization_social")
        if err:
            return err
        p = self.posts.get(req.match["urn"])
        if p is not None:
            if self._org_of(p["author"]) not in self.admins.get(member, set()):
                return lerror(403, "Not enough permissions to access: delete", 100, "ACCESS_DENIED")
            mode = self.take_mode("delete_post")
            if mode:
                return lerror(500, "Internal Server Error", 0)
            p["deleted"] = True
        return Response(204, raw=b"")  # idempotent

    # --- comments ---------------------------------------------------------------------
    def _comments(self, req: Request) -> Response:
        _, err = self._check(req, "comments", "r_organization_social")
        if err:
            return err
        urn = req.match["urn"]
        items = [c for c in self.li_comments.values() if c["object"] == urn]
        elements = [
            {
                "id": c["id"],
                "$URN": f"urn:li:comment:({urn},{c['id']})",
                "actor": c["actor"],
                "object": urn,
                "message": {"text": c["text"]},
                "created": {"time": c["t"]},
                **(
                    {"parentComment": f"urn:li:comment:({urn},{c['parent']})"}
                    if c["parent"]
                    else {}
                ),
            }
            for c in items
        ]
        return Response(200, {"elements": elements, "paging": {"start": 0, "count": len(elements)}})

    def _add_comment(self, req: Request) -> Response:
        _, err = self._check(req, "add_comment", "w_organization_social")
        if err:
            return err
        body = req.json() or {}
        urn = req.match["urn"]
        text = str((body.get("message") or {}).get("text", ""))
        if not text or not body.get("actor") or body.get("object") != urn:
            return lerror(422, "/actor, /object and /message/text are required", 100)
        cid = self.add_comment(urn, text, str(body["actor"]))
        parent = str(body.get("parentComment", ""))
        m = re.search(r",(\d+)\)$", parent)
        self.li_comments[cid]["parent"] = m.group(1) if m else ""
        return Response(
            201, {"id": cid, "$URN": f"urn:li:comment:({urn},{cid})"}, headers={"x-restli-id": cid}
        )

    def _public_post(self, req: Request) -> Response:
        p = self.posts.get(req.match["urn"])
        if p is None or p["deleted"]:
            return Response(
                404,
                raw=b"<!doctype html><h1>This post cannot be displayed</h1>",
                headers={"Content-Type": "text/html"},
            )
        name = self.orgs.get(self._org_of(p["author"]), {}).get("name", "")
        page = f"<!doctype html><title>{html.escape(name)} on LinkedIn (fake)</title><p>{html.escape(p['text'])}</p>"
        return Response(200, raw=page.encode(), headers={"Content-Type": "text/html"})
