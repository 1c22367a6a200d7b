"""A local X API v2 for tests and `make run`.

Reproduces reference §5: OAuth 2.0 with PKCE, 2-hour tokens and rotating refresh
tokens (`offline.access`), `POST /2/tweets` (201 `{"data":{id,text}}`), duplicate text
refused with 403, 200 posts per 15 minutes per user with `x-rate-limit-*` headers,
`DELETE /2/tweets/:id` (`{"data":{"deleted":true}}`), reads answering 200 with an
`errors[]` array for missing posts, the v2 media upload (initialize / append / finalize
/ STATUS with `processing_info` on the clock), hide replies (only in conversations the
user started), recent search by `conversation_id`, and problem-JSON error bodies.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import secrets
import urllib.parse
from typing import Any

from clearpost.providers.fakes import FakePlatform, Request, Response, multipart_file

CREATE_WINDOW = 15 * 60.0


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Response:
    return Response(status, {"title": title, "detail": detail, "type": kind, "status": status})


def not_found(kind: str, value: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"Could not find {kind} with id: [{value}].",
        "title": "Not Found Error",
        "resource_type": kind,
        "parameter": "id",
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


class XFake(FakePlatform):
    platform = "x"
    client_id = "fake-x-client"
    client_secret = "fake-x-secret"  # noqa: S105 - the fake's own
    video_processing_s = 6.0

    def __init__(self, **kw: Any) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, str]] = {}
        super().__init__(**kw)

    def routes(self) -> None:
        self.route("GET", r"/i/oauth2/authorize", self._authorize)
        self.route("POST", r"/2/oauth2/token", self._token)
        self.route("GET", r"/2/users/me", self._me)
        self.route("POST", r"/2/tweets", self._create)
        self.route("GET", r"/2/tweets/search/recent", self._search)
        self.route("GET", r"/2/tweets/(?P<id>\d+)", self._get)
        self.route("DELETE", r"/2/tweets/(?P<id>\d+)", self._delete)
        self.route("PUT", r"/2/tweets/(?P<id>\d+)/hidden", self._hide)
        self.route("GET", r"/2/users/(?P<id>\d+)/tweets", self._timeline)
        self.route("POST", r"/2/media/upload/initialize", self._media_init)
        self.route("POST", r"/2/media/upload/(?P<id>\d+)/append", self._media_append)
        self.route("POST", r"/2/media/upload/(?P<id>\d+)/finalize", self._media_finalize)
        self.route("GET", r"/2/media/upload", self._media_status)
        self.route("GET", r"/(?P<user>[A-Za-z0-9_]+)/status/(?P<id>\d+)", self._public)

    def add_user(self, username: str) -> str:
        uid = self.new_id(19)
        self.users[uid] = {"username": username, "name": username}
        self.set_limit(f"create:{uid}", 200, CREATE_WINDOW)
        self.set_limit(f"delete:{uid}", 50, CREATE_WINDOW)
        return uid

    def token_for(self, uid: str, scopes: set[str] | None = None, lifetime: float = 7200) -> str:
        scopes = scopes or {
            "tweet.read",
            "tweet.write",
            "users.read",
            "media.write",
            "tweet.moderate.write",
            "offline.access",
        }
        return self.issue_token(
            uid, scopes, lifetime=lifetime, refresh_lifetime=180 * 86400, prefix="xoa"
        ).token

    def live_posts(self, uid: str | None = None) -> list[dict[str, Any]]:
        return [
            t
            for t in self.tweets.values()
            if not t["deleted"] and not t["reply_to"] and (uid is None or t["author"] == uid)
        ]

    def add_reply(self, tweet_id: str, text: str, author: str = "") -> str:
        if not author:
            author = self.add_user("visitor" + secrets.token_hex(2))
        return self._store(author, text, reply_to=tweet_id)

    def _store(
        self, author: str, text: str, media: list[str] | None = None, reply_to: str = ""
    ) -> str:
        tid = self.new_id(19)
        conversation = self.tweets[reply_to]["conversation"] if reply_to in self.tweets else tid
        self.tweets[tid] = {
            "id": tid,
            "author": author,
            "text": text,
            "media": media or [],
            "reply_to": reply_to,
            "conversation": conversation,
            "created_at": dt.datetime.fromtimestamp(self.clock.now(), dt.UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
            "t": self.clock.now(),
            "deleted": False,
            "hidden": False,
        }
        return tid

    def _auth(self, req: Request, operation: str, scope: str | None) -> tuple[str, Response | None]:
        tok, state = self.token_state(req, operation)
        if state:
            return "", problem(401, "Unauthorized", "Unauthorized")
        assert tok is not None
        if scope and scope not in tok.scopes:
            return "", problem(
                403,
                "Forbidden",
                f"Missing scope {scope}.",
                "https://api.twitter.com/2/problems/client-forbidden",
            )
        return tok.subject, None

    def _limited(self, bucket: str) -> Response | None:
        wait = self.hit(bucket)
        if wait is None:
            return None
        r = problem(429, "Too Many Requests", "Too Many Requests")
        count = self.limits[bucket][0]
        r.headers.update(
            {
                "x-rate-limit-limit": str(count),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(self.clock.now() + wait)),
            }
        )
        return r

    # --- OAuth 2.0 with PKCE ----------------------------------------------------------
    def _authorize(self, req: Request) -> Response:
        q = req.query
        if (
            q.get("client_id") != self.client_id
            or q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
        ):
            return Response(400, raw=b"invalid request", headers={"Content-Type": "text/plain"})
        user = next(iter(self.users), "")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "user": user,
            "redirect_uri": q.get("redirect_uri", ""),
            "challenge": q.get("code_challenge", ""),
            "scope": q.get("scope", ""),
        }
        target = (
            q.get("redirect_uri", "")
            + "?"
            + urllib.parse.urlencode({"state": q.get("state", ""), "code": code})
        )
        return Response(302, raw=b"", headers={"Location": target})

    def _token(self, req: Request) -> Response:
        f = req.form
        basic = req.headers.get("authorization", "")
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if basic != expected and f.get("client_id") != self.client_id:
            return Response(
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Missing valid authorization header",
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
            if old is None:
                return Response(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "Value passed for the token was invalid.",
                    },
                )
            old.refresh = ""
            new = self.issue_token(
                old.subject, old.scopes, lifetime=7200, refresh_lifetime=180 * 86400, prefix="xoa"
            )
            return Response(200, self._token_body(new))
        entry = self.codes.pop(f.get("code", ""), None)
        if entry is None or entry["redirect_uri"] != f.get("redirect_uri"):
            return Response(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the authorization code was invalid.",
                },
            )
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(f.get("code_verifier", "").encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if digest != entry["challenge"]:
            return Response(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the code verifier did not match.",
                },
            )
        scopes = set(entry["scope"].split())
        tok = self.issue_token(
            entry["user"],
            scopes,
            lifetime=7200,
            refresh_lifetime=180 * 86400 if "offline.access" in scopes else None,
            prefix="xoa",
        )
        return Response(200, self._token_body(tok))

    def _token_body(self, tok: Any) -> dict[str, Any]:
        body = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": tok.token,
            "scope": " ".join(sorted(tok.scopes)),
        }
        if tok.refresh:
            body["refresh_token"] = tok.refresh
        return body

    def _me(self, req: Request) -> Response:
        uid, err = self._auth(req, "me", "users.read")
        if err:
            return err
        u = self.users[uid]
        return Response(200, {"data": {"id": uid, "name": u["name"], "username": u["username"]}})

    # --- posts ------------------------------------------------------------------------
    def _create(self, req: Request) -> Response:
        uid, err = self._auth(req, "create", "tweet.write")
        if err:
            return err
        limited = self._limited(f"create:{uid}")
        if limited:
            return limited
        body = req.json()
        if not isinstance(body, dict):
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        text = str(body.get("text", ""))
        media = [str(m) for m in (body.get("media") or {}).get("media_ids", [])]
        if not text and not media:
            return problem(
                400,
                "Invalid Request",
                "Either text or media is required.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        if len(text) > 280:
            return problem(
                403,
                "Forbidden",
                "Your Tweet text is too long.",
                "https://api.twitter.com/2/problems/client-forbidden",
            )
        if len(media) > 4:
            return problem(
                400,
                "Invalid Request",
                "Your media IDs are invalid: maximum of 4 items.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        for m in media:
            up = self.uploads.get(m)
            if up is None or up["owner"] != uid or self._media_state(m) != "succeeded":
                return problem(
                    400,
                    "Invalid Request",
                    f"Your media IDs are invalid: {m}.",
                    "https://api.twitter.com/2/problems/invalid-request",
                )
        reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id", ""))
        if reply_to and (reply_to not in self.tweets or self.tweets[reply_to]["deleted"]):
            return problem(
                400,
                "Invalid Request",
                "The tweet you are replying to does not exist.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        if text and any(t["text"] == text and t["author"] == uid for t in self.live_posts()):
            return problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        mode = self.take_mode("create")
        if mode == "expire_token":
            return problem(401, "Unauthorized", "Unauthorized")
        if mode == "error_in_200":
            return Response(
                200,
                {
                    "errors": [
                        {
                            "message": "Internal error",
                            "title": "Service Unavailable",
                            "type": "about:blank",
                        }
                    ]
                },
            )
        tid = self._store(uid, text, media, reply_to)
        if mode == "created_then_error":
            return problem(503, "Service Unavailable", "Service Unavailable")
        out = Response(201, {"data": {"id": tid, "text": text, "edit_history_tweet_ids": [tid]}})
        if mode == "created_then_timeout":
            out.delay = self.timeout_delay
        return out

    def _tweet_json(self, t: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": t["id"],
            "text": t["text"],
            "edit_history_tweet_ids": [t["id"]],
        }
        for f in ("author_id", "created_at", "conversation_id"):
            if f in fields:
                out[f] = {
                    "author_id": t["author"],
                    "created_at": t["created_at"],
                    "conversation_id": t["conversation"],
                }[f]
        if "in_reply_to_user_id" in fields and t["reply_to"]:
            out["in_reply_to_user_id"] = self.tweets[t["reply_to"]]["author"]
        return out

    def _get(self, req: Request) -> Response:
        _, err = self._auth(req, "get", "tweet.read")
        if err:
            return err
        t = self.tweets.get(req.match["id"])
        if t is None or t["deleted"]:
            return Response(200, {"errors": [not_found("tweet", req.match["id"])]})
        return Response(
            200, {"data": self._tweet_json(t, set(req.query.get("tweet.fields", "").split(",")))}
        )

    def _delete(self, req: Request) -> Response:
        uid, err = self._auth(req, "delete", "tweet.write")
        if err:
            return err
        limited = self._limited(f"delete:{uid}")
        if limited:
            return limited
        t = self.tweets.get(req.match["id"])
        if t is None or t["deleted"]:
            return Response(200, {"errors": [not_found("tweet", req.match["id"])]})
        if t["author"] != uid:
            return problem(
                403,
                "Forbidden",
                "You are not authorized to delete this Tweet.",
                "https://api.twitter.com/2/problems/client-forbidden",
            )
        mode = self.take_mode("delete")
        if mode == "error_in_200":
            return Response(200, {"data": {"deleted": False}})
        if mode:
            return problem(503, "Service Unavailable", "Service Unavailable")
        t["deleted"] = True
        return Response(200, {"data": {"deleted": True}})

    def _timeline(self, req: Request) -> Response:
        _, err = self._auth(req, "timeline", "tweet.read")
        if err:
            return err
        uid = req.match["id"]
        items = sorted((t for t in self.live_posts(uid)), key=lambda t: t["t"], reverse=True)
        start = req.query.get("start_time")
        if start:
            items = [
                t
                for t in items
                if t["created_at"] >= start.replace("Z", ".000Z") or t["created_at"] >= start
            ]
        fields = set(req.query.get("tweet.fields", "").split(","))
        data = [
            self._tweet_json(t, fields) for t in items[: int(req.query.get("max_results", "10"))]
        ]
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
        return Response(200, ({"data": data} if data else {}) | {"meta": meta})

    def _search(self, req: Request) -> Response:
        _, err = self._auth(req, "search", "tweet.read")
        if err:
            return err
        query = req.query.get("query", "")
        if not query.startswith("conversation_id:"):
            return problem(
                400, "Invalid Request", "Only conversation_id queries are supported by this fake."
            )
        conv = query.split(":", 1)[1]
        fields = set(req.query.get("tweet.fields", "").split(","))
        items = [
            t
            for t in self.tweets.values()
            if t["conversation"] == conv and t["reply_to"] and not t["deleted"]
        ]
        data = [self._tweet_json(t, fields) | {"hidden": t["hidden"]} for t in items]
        return Response(
            200, ({"data": data} if data else {}) | {"meta": {"result_count": len(data)}}
        )

    def _hide(self, req: Request) -> Response:
        uid, err = self._auth(req, "hide", "tweet.moderate.write")
        if err:
            return err
        t = self.tweets.get(req.match["id"])
        body = req.json() or {}
        if t is None or not t["reply_to"]:
            return problem(
                400,
                "Invalid Request",
                "Only replies can be hidden.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        root = self.tweets.get(t["conversation"])
        if root is None or root["author"] != uid:
            return problem(
                403,
                "Forbidden",
                "You can only hide replies in conversations you started.",
                "https://api.twitter.com/2/problems/client-forbidden",
            )
        if not isinstance(body.get("hidden"), bool):
            return problem(400, "Invalid Request", "hidden must be a boolean.")
        t["hidden"] = body["hidden"]
        return Response(200, {"data": {"hidden": t["hidden"]}})

    # --- media ------------------------------------------------------------------------
    def _media_init(self, req: Request) -> Response:
        uid, err = self._auth(req, "media", "media.write")
        if err:
            return err
        body = req.json() or {}
        category = body.get("media_category")
        if category not in ("tweet_image", "tweet_gif", "tweet_video", "amplify_video"):
            return problem(400, "Invalid Request", "media_category is invalid.")
        total = int(body.get("total_bytes", 0))
        limit = {"tweet_image": 5 * 1024 * 1024, "tweet_gif": 15 * 1024 * 1024}.get(
            str(category), 512 * 1024 * 1024
        )
        if not 0 < total <= limit:
            return problem(400, "Invalid Request", f"total_bytes must be between 1 and {limit}.")
        mid = self.new_id(19)
        self.uploads[mid] = {
            "owner": uid,
            "category": category,
            "total": total,
            "segments": {},
            "finalized": False,
            "ready_at": None,
            "reject": self.take_mode_if("media", "reject_media"),
            "type": body.get("media_type", ""),
        }
        return Response(
            200, {"data": {"id": mid, "media_key": f"3_{mid}", "expires_after_secs": 86400}}
        )

    def _media_append(self, req: Request) -> Response:
        uid, err = self._auth(req, "media", "media.write")
        if err:
            return err
        up = self.uploads.get(req.match["id"])
        if up is None or up["owner"] != uid:
            return problem(400, "Invalid Request", "Unknown media id.")
        ctype = req.headers.get("content-type", "")
        index = req.form.get("segment_index")
        data = multipart_file(req.body, ctype, "media")
        if index is None or data is None:
            return problem(400, "Invalid Request", "segment_index and media are required.")
        up["segments"][int(index)] = data
        return Response(204, raw=b"")

    def _media_state(self, mid: str) -> str:
        up = self.uploads[mid]
        if not up["finalized"]:
            return "pending"
        if up["ready_at"] is not None and self.clock.now() < up["ready_at"]:
            return "in_progress"
        data = b"".join(up["segments"][i] for i in sorted(up["segments"]))
        magic_ok = (
            data[:2] == b"\xff\xd8"
            or data[:4] == b"\x89PNG"
            or data[4:8] == b"ftyp"
            or data[:4] == b"GIF8"
        )
        return "failed" if up["reject"] or not magic_ok else "succeeded"

    def _media_finalize(self, req: Request) -> Response:
        uid, err = self._auth(req, "media", "media.write")
        if err:
            return err
        mid = req.match["id"]
        up = self.uploads.get(mid)
        if up is None or up["owner"] != uid:
            return problem(400, "Invalid Request", "Unknown media id.")
        size = sum(len(s) for s in up["segments"].values())
        if size != up["total"]:
            return problem(
                400, "Invalid Request", f"File size mismatch: got {size}, expected {up['total']}."
            )
        up["finalized"] = True
        if up["category"] in ("tweet_video", "amplify_video", "tweet_gif"):
            up["ready_at"] = self.clock.now() + self.video_processing_s
            return Response(
                200,
                {
                    "data": {
                        "id": mid,
                        "media_key": f"7_{mid}",
                        "processing_info": {"state": "pending", "check_after_secs": 1},
                    }
                },
            )
        if self._media_state(mid) == "failed":
            return problem(
                400, "Invalid Request", "InvalidMedia: the image could not be processed."
            )
        return Response(200, {"data": {"id": mid, "media_key": f"3_{mid}", "size": size}})

    def _media_status(self, req: Request) -> Response:
        _, err = self._auth(req, "media", "media.write")
        if err:
            return err
        mid = req.query.get("media_id", "")
        if req.query.get("command") != "STATUS" or mid not in self.uploads:
            return problem(
                400, "Invalid Request", "command=STATUS and a known media_id are required."
            )
        state = self._media_state(mid)
        info: dict[str, Any] = {
            "state": state,
            "progress_percent": 100 if state in ("succeeded", "failed") else 50,
        }
        if state in ("pending", "in_progress"):
            info["check_after_secs"] = 2
        if state == "failed":
            info["error"] = {
                "code": 1,
                "name": "InvalidMedia",
                "message": "Unsupported video format",
            }
        return Response(200, {"data": {"id": mid, "processing_info": info}})

    def _public(self, req: Request) -> Response:
        t = self.tweets.get(req.match["id"])
        if t is None or t["deleted"]:
            return Response(
                404,
                raw=b"<!doctype html><h1>This post is unavailable.</h1>",
                headers={"Content-Type": "text/html"},
            )
        page = f"<!doctype html><title>X (fake)</title><h1>@{html.escape(self.users[t['author']]['username'])}</h1><p>{html.escape(t['text'])}</p>"
        return Response(200, raw=page.encode(), headers={"Content-Type": "text/html"})
