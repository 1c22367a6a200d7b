"""A local TikTok Content Posting API (open.tiktokapis.com) for tests and `make run`.

Reproduces reference §3: OAuth v2 with PKCE and rotating refresh tokens, creator info
with privacy options, video init (FILE_UPLOAD with chunk rules, PULL_FROM_URL from a
verified prefix only), the upload PUT with `Content-Range`, photo posts (PULL_FROM_URL
only, no PNG), the publish status machine (`PROCESSING_UPLOAD` -> `PUBLISH_COMPLETE`,
first without `publicaly_available_post_id` while moderation runs: the misspelling is
TikTok's own), `FAILED` with a `fail_reason`, per-token rate limits (init 6/min, status
30/min), the `error{code,message,log_id}` envelope on every answer (code "ok" on
success), `/v2/video/list/` for reconciliation, and no delete endpoint at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import urllib.parse
from typing import Any

from clearpost.providers.fakes import FakePlatform, Request, Response

MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64 * 1024 * 1024


def envelope(data: Any = None, code: str = "ok", message: str = "", status: int = 200) -> Response:
    body = {
        "data": data if data is not None else {},
        "error": {"code": code, "message": message, "log_id": secrets.token_hex(16).upper()},
    }
    return Response(status, body)


class TikTokFake(FakePlatform):
    platform = "tiktok"
    client_key = "fake-client-key"
    client_secret = "fake-client-secret"  # noqa: S105 - the fake's own
    processing_s = 10.0
    moderation_s = 30.0
    access_lifetime = 2 * 3600.0
    refresh_lifetime = 180 * 86400.0

    def __init__(self, **kw: Any) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.publishes: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.verified_prefixes: list[str] = []
        super().__init__(**kw)
        self.set_limit("init", 6, 60)
        self.set_limit("status", 30, 60)

    def routes(self) -> None:
        self.route("GET", r"/v2/auth/authorize/", self._authorize)
        self.route("POST", r"/v2/oauth/token/", self._token)
        self.route("POST", r"/v2/user/info/", self._user_info)
        self.route("GET", r"/v2/user/info/", self._user_info)
        self.route("POST", r"/v2/post/publish/creator_info/query/", self._creator_info)
        self.route("POST", r"/v2/post/publish/video/init/", self._video_init)
        self.route("POST", r"/v2/post/publish/content/init/", self._photo_init)
        self.route("PUT", r"/upload/", self._upload)
        self.route("POST", r"/v2/post/publish/status/fetch/", self._status)
        self.route("POST", r"/v2/video/list/", self._video_list)
        self.route("GET", r"/@(?P<user>[^/]+)/video/(?P<id>\d+)", self._public_page)

    def add_user(self, username: str, *, business: bool = True, audited: bool = True) -> str:
        open_id = "-000" + secrets.token_hex(12)
        self.users[open_id] = {"username": username, "business": business, "audited": audited}
        return open_id

    def token_for(self, open_id: str, scopes: set[str] | None = None) -> str:
        scopes = scopes or {"user.info.basic", "video.publish", "video.upload", "video.list"}
        tok = self.issue_token(
            open_id,
            scopes,
            lifetime=self.access_lifetime,
            refresh_lifetime=self.refresh_lifetime,
            prefix="act",
        )
        return tok.token

    def live_posts(self, open_id: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for p in self.publishes.values()
            if p["complete_at"] is not None and (open_id is None or p["owner"] == open_id)
        ]

    def not_found(self, req: Request, *, method_mismatch: bool) -> Response:
        return envelope(code="invalid_params", message="Unknown endpoint.", status=404)

    def _auth(self, req: Request, operation: str, scope: str | None) -> tuple[str, Response | None]:
        tok, problem = self.token_state(req, operation)
        if problem:
            return "", envelope(
                code="access_token_invalid",
                message="The access token is invalid or not found in the request.",
                status=401,
            )
        assert tok is not None
        if scope and scope not in tok.scopes:
            return "", envelope(
                code="scope_not_authorized",
                message=f"The user did not authorize the scope required for completing this request ({scope}).",
                status=401,
            )
        return tok.subject, None

    # --- OAuth ------------------------------------------------------------------------
    def _authorize(self, req: Request) -> Response:
        q = req.query
        if q.get("client_key") != self.client_key or q.get("response_type") != "code":
            return Response(400, raw=b"invalid client_key", headers={"Content-Type": "text/plain"})
        user = next(iter(self.users), None)
        if user is None:
            return Response(400, raw=b"no user", headers={"Content-Type": "text/plain"})
        code = secrets.token_urlsafe(12)
        self.codes[code] = {
            "user": user,
            "redirect_uri": q.get("redirect_uri", ""),
            "challenge": q.get("code_challenge", ""),
            "scope": q.get("scope", ""),
        }
        target = (
            q.get("redirect_uri", "")
            + "?"
            + urllib.parse.urlencode(
                {"code": code, "scopes": q.get("scope", ""), "state": q.get("state", "")}
            )
        )
        return Response(302, raw=b"", headers={"Location": target})

    def _token(self, req: Request) -> Response:
        f = req.form
        if f.get("client_key") != self.client_key or f.get("client_secret") != self.client_secret:
            return Response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client key or secret is incorrect.",
                    "log_id": secrets.token_hex(8),
                },
            )
        if f.get("grant_type") == "refresh_token":
            old = next(
                (
                    t
                    for t in self.tokens.values()
                    if t.refresh and t.refresh == f.get("refresh_token")
                ),
                None,
            )
            if old is None or (old.refresh_expires_at or 0) <= self.clock.now():
                return Response(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Refresh token is invalid or expired.",
                        "log_id": secrets.token_hex(8),
                    },
                )
            old.refresh = ""  # rotation: the previous refresh token stops working
            new = self.issue_token(
                old.subject,
                old.scopes,
                lifetime=self.access_lifetime,
                refresh_lifetime=self.refresh_lifetime,
                prefix="act",
            )
            return Response(200, self._token_body(new))
        entry = self.codes.pop(f.get("code", ""), None)
        if entry is None or entry["redirect_uri"] != f.get("redirect_uri"):
            return Response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Authorization code is expired.",
                    "log_id": secrets.token_hex(8),
                },
            )
        if entry["challenge"]:
            verifier = f.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if digest != entry["challenge"]:
                return Response(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Code verifier does not match.",
                        "log_id": secrets.token_hex(8),
                    },
                )
        scopes = set(filter(None, entry["scope"].split(",")))
        tok = self.issue_token(
            entry["user"],
            scopes,
            lifetime=self.access_lifetime,
            refresh_lifetime=self.refresh_lifetime,
            prefix="act",
        )
        return Response(200, self._token_body(tok))

    def _token_body(self, tok: Any) -> dict[str, Any]:
        return {
            "open_id": tok.subject,
            "scope": ",".join(sorted(tok.scopes)),
            "access_token": tok.token,
            "expires_in": int(self.access_lifetime),
            "refresh_token": tok.refresh,
            "refresh_expires_in": int(self.refresh_lifetime),
            "token_type": "Bearer",
        }

    def _user_info(self, req: Request) -> Response:
        user, err = self._auth(req, "user_info", "user.info.basic")
        if err:
            return err
        u = self.users[user]
        return envelope(
            {
                "user": {
                    "open_id": user,
                    "display_name": u["username"],
                    "username": u["username"],
                    "is_verified": False,
                    "account_type": "BUSINESS" if u["business"] else "PERSONAL",
                }
            }
        )

    def _creator_info(self, req: Request) -> Response:
        user, err = self._auth(req, "creator_info", "video.publish")
        if err:
            return err
        u = self.users[user]
        options = (
            ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
            if u["audited"]
            else ["SELF_ONLY"]
        )
        return envelope(
            {
                "creator_avatar_url": "",
                "creator_username": u["username"],
                "creator_nickname": u["username"],
                "privacy_level_options": options,
                "comment_disabled": False,
                "duet_disabled": False,
                "stitch_disabled": True,
                "max_video_post_duration_sec": 600,
            }
        )

    # --- publishing -------------------------------------------------------------------
    def _post_info_problem(self, user: str, info: Any) -> Response | None:
        if not isinstance(info, dict):
            return envelope(code="invalid_params", message="post_info is required.", status=400)
        u = self.users[user]
        allowed = (
            ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
            if u["audited"]
            else ["SELF_ONLY"]
        )
        level = info.get("privacy_level")
        if level not in allowed:
            code = (
                "unaudited_client_can_only_post_to_private_accounts"
                if not u["audited"]
                else "privacy_level_option_mismatch"
            )
            return envelope(
                code=code,
                message="privacy_level is not one of the creator's options.",
                status=403 if not u["audited"] else 400,
            )
        return None

    def _begin(
        self, user: str, info: dict[str, Any], kind: str, urls: list[str], mode: str
    ) -> dict[str, Any]:
        pid = f"v_pub_{'file' if kind == 'video' else 'url'}~v2-1.{self.new_id(18)}"
        rec = {
            "publish_id": pid,
            "owner": user,
            "title": str(info.get("title") or info.get("description") or ""),
            "kind": kind,
            "urls": urls,
            "status": "PROCESSING_UPLOAD" if kind == "video" else "PROCESSING_DOWNLOAD",
            "fail_reason": "",
            "uploaded": 0,
            "size": 0,
            "ready_at": None if kind == "video" else self.clock.now() + self.processing_s,
            "complete_at": None,
            "post_id": "",
            "reject": mode == "reject_media",
        }
        self.publishes[pid] = rec
        return rec

    def _init_common(self, req: Request, operation: str) -> tuple[str, Any, str, Response | None]:
        user, err = self._auth(req, operation, "video.publish")
        if err:
            return "", None, "", err
        wait = self._hit_per_token("init", req)
        if wait is not None:
            return (
                "",
                None,
                "",
                envelope(code="rate_limit_exceeded", message="Too many requests.", status=429),
            )
        body = req.json()
        if not isinstance(body, dict):
            return (
                "",
                None,
                "",
                envelope(code="invalid_params", message="Body must be JSON.", status=400),
            )
        return user, body, self.take_mode(operation), None

    def _hit_per_token(self, bucket: str, req: Request) -> float | None:
        count, window = self.limits[bucket]
        key = f"{bucket}:{req.bearer()}"
        self.limits.setdefault(key, (count, window))
        return self.hit(key)

    def _answer(self, mode: str, data: dict[str, Any]) -> Response:
        if mode == "created_then_error":
            return envelope(
                code="internal_error",
                message="Something went wrong. Please try again later.",
                status=500,
            )
        if mode == "created_then_timeout":
            r = envelope(data)
            r.delay = self.timeout_delay
            return r
        return envelope(data)

    def _video_init(self, req: Request) -> Response:
        user, body, mode, err = self._init_common(req, "video_init")
        if err:
            return err
        if mode == "error_in_200":
            return envelope(code="internal_error", message="Something went wrong.", status=200)
        problem = self._post_info_problem(user, body.get("post_info"))
        if problem:
            return problem
        src = body.get("source_info") or {}
        if src.get("source") == "PULL_FROM_URL":
            url = str(src.get("video_url", ""))
            if not any(url.startswith(p) for p in self.verified_prefixes):
                return envelope(
                    code="url_ownership_unverified",
                    message="Please verify the ownership of the URL prefix or domain.",
                    status=403,
                )
            rec = self._begin(user, body["post_info"], "video", [url], mode)
            rec["ready_at"] = self.clock.now() + self.processing_s
            rec["status"] = "PROCESSING_DOWNLOAD"
            return self._answer(mode, {"publish_id": rec["publish_id"]})
        if src.get("source") != "FILE_UPLOAD":
            return envelope(
                code="invalid_params",
                message="source_info.source must be FILE_UPLOAD or PULL_FROM_URL.",
                status=400,
            )
        try:
            size, chunk, count = (
                int(src["video_size"]),
                int(src["chunk_size"]),
                int(src["total_chunk_count"]),
            )
        except (KeyError, TypeError, ValueError):
            return envelope(
                code="invalid_params",
                message="video_size, chunk_size and total_chunk_count are required.",
                status=400,
            )
        if size <= 0 or chunk <= 0 or count < 1 or count > 1000:
            return envelope(code="invalid_params", message="Invalid chunk settings.", status=400)
        if size < MIN_CHUNK:
            if chunk != size or count != 1:
                return envelope(
                    code="invalid_params",
                    message="Files under 5 MB must be sent as one chunk.",
                    status=400,
                )
        elif not MIN_CHUNK <= chunk <= MAX_CHUNK or count != size // chunk:
            return envelope(
                code="invalid_params", message="The chunk size or count is invalid.", status=400
            )
        rec = self._begin(user, body["post_info"], "video", [], mode)
        rec["size"] = size
        token = secrets.token_urlsafe(8)
        rec["upload_token"] = token
        upload_url = f"{self.base_url}/upload/?upload_id={rec['publish_id']}&upload_token={token}"
        return self._answer(mode, {"publish_id": rec["publish_id"], "upload_url": upload_url})

    def _photo_init(self, req: Request) -> Response:
        user, body, mode, err = self._init_common(req, "video_init")
        if err:
            return err
        if mode == "error_in_200":
            return envelope(code="internal_error", message="Something went wrong.", status=200)
        if body.get("media_type") != "PHOTO" or body.get("post_mode") not in (
            "DIRECT_POST",
            "MEDIA_UPLOAD",
        ):
            return envelope(
                code="invalid_params",
                message="media_type must be PHOTO and post_mode DIRECT_POST or MEDIA_UPLOAD.",
                status=400,
            )
        problem = self._post_info_problem(user, body.get("post_info"))
        if problem:
            return problem
        src = body.get("source_info") or {}
        if src.get("source") != "PULL_FROM_URL":
            return envelope(
                code="invalid_params", message="Photos support only PULL_FROM_URL.", status=400
            )
        urls = [str(u) for u in src.get("photo_images") or []]
        if not 1 <= len(urls) <= 35:
            return envelope(
                code="invalid_params", message="photo_images takes 1 to 35 URLs.", status=400
            )
        if not all(any(u.startswith(p) for p in self.verified_prefixes) for u in urls):
            return envelope(
                code="url_ownership_unverified",
                message="Please verify the ownership of the URL prefix or domain.",
                status=403,
            )
        rec = self._begin(user, body["post_info"], "photo", urls, mode)
        for u in urls:
            fetched = self.fetch(u)
            if fetched is None:
                rec["fail"] = "photo_pull_failed"
            elif not (fetched[0].startswith(b"\xff\xd8") or fetched[0][8:12] == b"WEBP"):
                rec["fail"] = "file_format_check_failed"  # no PNG on TikTok photos
        return self._answer(mode, {"publish_id": rec["publish_id"]})

    def _upload(self, req: Request) -> Response:
        rec = self.publishes.get(req.query.get("upload_id", ""))
        if rec is None or rec.get("upload_token") != req.query.get("upload_token"):
            return Response(404, raw=b"", headers={})
        rng = req.headers.get("content-range", "")
        try:
            span, total = rng.removeprefix("bytes ").split("/")
            first, last = (int(x) for x in span.split("-"))
        except ValueError:
            return Response(400, raw=b"", headers={})
        if (
            int(total) != rec["size"]
            or first != rec["uploaded"]
            or last - first + 1 != len(req.body)
        ):
            return Response(416, raw=b"", headers={})
        if req.headers.get("content-type") not in ("video/mp4", "video/quicktime", "video/webm"):
            return Response(415, raw=b"", headers={})
        if first == 0 and req.body[4:8] != b"ftyp":
            rec["fail"] = "file_format_check_failed"
        rec["uploaded"] = last + 1
        if rec["uploaded"] >= rec["size"]:
            rec["ready_at"] = self.clock.now() + self.processing_s
            return Response(201, raw=b"", headers={})
        return Response(206, raw=b"", headers={})

    def _advance(self, rec: dict[str, Any]) -> None:
        now = self.clock.now()
        if (
            rec["status"] in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD")
            and rec["ready_at"]
            and now >= rec["ready_at"]
        ):
            fail = rec.get("fail") or ("file_format_check_failed" if rec["reject"] else "")
            if fail:
                rec["status"], rec["fail_reason"] = "FAILED", fail
            else:
                rec["status"] = "PUBLISH_COMPLETE"
                rec["complete_at"] = now
        if (
            rec["status"] == "PUBLISH_COMPLETE"
            and not rec["post_id"]
            and now >= rec["complete_at"] + self.moderation_s
        ):
            rec["post_id"] = self.new_id(19)

    def _status(self, req: Request) -> Response:
        user, err = self._auth(req, "status", "video.publish")
        if err:
            return err
        if self._hit_per_token("status", req) is not None:
            return envelope(code="rate_limit_exceeded", message="Too many requests.", status=429)
        body = req.json() or {}
        rec = self.publishes.get(str(body.get("publish_id", "")))
        if rec is None or rec["owner"] != user:
            return envelope(
                code="invalid_publish_id", message="The publish_id does not exist.", status=400
            )
        self._advance(rec)
        if self.take_mode_if("status", "error_in_200"):
            return envelope({"status": "FAILED", "fail_reason": "internal"}, status=200)
        data = {
            "status": rec["status"],
            "fail_reason": rec["fail_reason"],
            "publicaly_available_post_id": [int(rec["post_id"])] if rec["post_id"] else [],
            "uploaded_bytes": rec["uploaded"],
        }
        return envelope(data)

    def _video_list(self, req: Request) -> Response:
        user, err = self._auth(req, "video_list", "video.list")
        if err:
            return err
        for rec in self.publishes.values():
            self._advance(rec)
        videos = [
            {
                "id": r["post_id"],
                "title": r["title"],
                "create_time": int(r["complete_at"]),
                "share_url": f"{self.base_url}/@{self.users[user]['username']}/video/{r['post_id']}",
            }
            for r in self.live_posts(user)
            if r["post_id"]
        ]
        return envelope({"videos": videos, "cursor": 0, "has_more": False})

    def _public_page(self, req: Request) -> Response:
        for r in self.live_posts():
            if r["post_id"] == req.match["id"]:
                page = f"<!doctype html><title>TikTok (fake)</title><h1>@{html.escape(req.match['user'])}</h1><p>{html.escape(r['title'])}</p>"
                return Response(200, raw=page.encode(), headers={"Content-Type": "text/html"})
        return Response(
            404,
            raw=b"<!doctype html><h1>Video currently unavailable</h1>",
            headers={"Content-Type": "text/html"},
        )
