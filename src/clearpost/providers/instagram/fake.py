"""A local Instagram Graph API (Facebook Login path) for tests and `make run`.

Reproduces the content-publishing flow (reference §1): containers created from a public
JPEG or video URL that the fake really fetches, a clock-driven container state machine
(`IN_PROGRESS` -> `FINISHED`/`ERROR`/`EXPIRED` -> `PUBLISHED`), `media_publish` refusing
an unfinished container with 9007/2207027, the rolling publishing quota served through
`content_publishing_limit`, permalinks, deletion (Facebook-Login tokens with
`instagram_manage_contents` only), comments with hide and reply, and Graph error bodies.
`page_url` renders a public page per post so a person can see what was published.
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from clearpost.providers.fakes import Request, Response
from clearpost.providers.graph import GraphFake, ObjectHandler, gerror

MAX_IMAGE = 8 * 1024 * 1024
QUOTA_WINDOW = 86400.0
CONTAINER_TTL = 86400.0


def _image_problem(data: bytes, ctype: str) -> Response | None:
    if not data.startswith(b"\xff\xd8"):
        return gerror(
            "Only photo or video can be accepted as media type.",
            9004,
            2207052,
            user_msg="The media could not be fetched from this URI or is not a JPEG.",
        )
    if len(data) > MAX_IMAGE:
        return gerror(
            "The image size is too large.",
            36000,
            2207004,
            user_msg="The image is too large to download. It should be less than 8 MiB.",
        )
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
    except Exception:
        return gerror("The image format is not supported.", 36003, 2207005)
    if not 0.8 - 0.005 <= w / h <= 1.91 + 0.005:
        return gerror(
            "The submitted image with aspect ratio is not supported.",
            36003,
            2207009,
            user_msg="The aspect ratio must be between 4:5 and 1.91:1.",
        )
    return None


class InstagramFake(GraphFake):
    platform = "instagram"
    video_processing_s = 20.0

    def __init__(self, **kw: Any) -> None:
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.publishes: list[tuple[str, float]] = []
        super().__init__(**kw)

    def routes(self) -> None:
        super().routes()
        self.route("GET", r"/p/(?P<shortcode>[A-Za-z0-9_-]+)/?", self._public_page)

    def object_handlers(self) -> list[ObjectHandler]:
        return [*super().object_handlers(), self._ig_object]

    def add_instagram(self, username: str, *, page_name: str = "", personal: bool = False) -> str:
        """Create a Page with a linked Instagram account; returns the IG user ID."""
        page_id = self.add_page(page_name or username, ig_username=username, personal_ig=personal)
        return str(self.pages[page_id]["ig"])

    def live_posts(self, ig_user_id: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.media.values()
            if not m["deleted"] and (ig_user_id is None or m["owner"] == ig_user_id)
        ]

    def add_comment(self, media_id: str, text: str, username: str = "visitor") -> str:
        cid = self.new_id(17)
        self.comments[cid] = {
            "id": cid,
            "media": media_id,
            "text": text,
            "username": username,
            "timestamp": self._iso(self.clock.now()),
            "hidden": False,
            "parent": "",
            "by_owner": False,
        }
        return cid

    def _iso(self, t: float) -> str:
        import datetime as dt

        return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")

    # --- object and edge dispatch ---------------------------------------------
    def _ig_object(self, req: Request, method: str, oid: str, edge: str) -> Response | None:
        if oid in self.ig_users:
            if (method, edge) == ("POST", "media"):
                return self._create_container(req, oid)
            if (method, edge) == ("POST", "media_publish"):
                return self._media_publish(req, oid)
            if (method, edge) == ("GET", "media"):
                return self._list_media(req, oid)
            if (method, edge) == ("GET", "content_publishing_limit"):
                return self._quota(req, oid)
            if (method, edge) == ("GET", ""):
                return self._ig_user(req, oid)
        if oid in self.containers and method == "GET" and not edge:
            return self._container_status(req, oid)
        if oid in self.media:
            if method == "GET" and not edge:
                return self._get_media(req, oid)
            if method == "DELETE" and not edge:
                return self._delete_media(req, oid)
            if edge == "comments":
                return self._comments(req, oid) if method == "GET" else self._own_comment(req, oid)
        if oid in self.comments and self.comments[oid].get("media") in self.media:
            if method == "POST" and not edge:
                return self._hide(req, oid)
            if method == "POST" and edge == "replies":
                return self._reply(req, oid)
            if method == "GET" and edge == "replies":
                return self._replies(req, oid)
        return None

    # --- publishing -------------------------------------------------------------
    def _create_container(self, req: Request, ig_id: str) -> Response:
        _, err = self.require(req, "create_container", "instagram_content_publish")
        if err:
            return err
        p = req.params
        media_type = p.get("media_type", "IMAGE" if "image_url" in p else "")
        is_item = p.get("is_carousel_item") == "true"
        now = self.clock.now()
        record: dict[str, Any] = {
            "owner": ig_id,
            "caption": p.get("caption", ""),
            "alt_text": p.get("alt_text", ""),
            "is_carousel_item": is_item,
            "media_type": media_type,
            "created": now,
            "ready_at": now,
            "status_code": "FINISHED",
            "status": "Finished: Media has been uploaded and it is ready to be published.",
            "children": [],
            "published_id": "",
            "url": "",
        }
        if len(record["caption"]) > 2200:
            return gerror(
                "The caption is too long.",
                100,
                2207010,
                user_msg="Captions are limited to 2,200 characters.",
            )
        if media_type == "CAROUSEL":
            if is_item:
                return gerror(
                    "Invalid parameter", 100, user_msg="A carousel cannot be a carousel item."
                )
            children = [c for c in p.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 10:
                return gerror(
                    "Invalid parameter", 100, 2207028, user_msg="A carousel needs 2 to 10 items."
                )
            for c in children:
                child = self.containers.get(c)
                if child is None or not child["is_carousel_item"] or child["owner"] != ig_id:
                    return gerror(
                        "Invalid parameter", 100, user_msg=f"Child {c} is not a carousel item."
                    )
                if self._state(c) != "FINISHED":
                    return gerror("Media ID is not available", 9007, 2207027)
            record["children"] = children
        elif media_type in ("REELS", "VIDEO"):
            if media_type == "VIDEO" and not is_item:
                return gerror(
                    "Invalid parameter", 100, user_msg="Single videos are published as REELS."
                )
            url = p.get("video_url", "")
            if not url:
                return gerror("(#100) The parameter video_url is required", 100)
            record["url"] = url
            fetched = self.fetch(url)
            bad = (
                fetched is None
                or fetched[0][4:8] != b"ftyp"
                or self.take_mode_if("create_container", "reject_media")
            )
            record["status_code"] = "IN_PROGRESS"
            record["status"] = "In Progress: Media is still being processed."
            record["ready_at"] = now + self.video_processing_s
            record["will_fail"] = bool(bad)
        elif media_type == "IMAGE":
            url = p.get("image_url", "")
            if not url:
                return gerror("(#100) The parameter image_url is required", 100)
            record["url"] = url
            fetched = self.fetch(url)
            if fetched is None:
                return gerror(
                    "Media download has failed.",
                    9004,
                    2207052,
                    user_msg="The media could not be fetched from this URI.",
                )
            if self.take_mode_if("create_container", "reject_media"):
                return gerror("The image format is not supported.", 36003, 2207005)
            problem = _image_problem(*fetched)
            if problem:
                return problem
        else:
            return gerror("(#100) The parameter image_url or video_url is required", 100)
        cid = self.new_id(17)
        self.containers[cid] = record
        return Response(200, {"id": cid})

    def _state(self, cid: str) -> str:
        c = self.containers[cid]
        now = self.clock.now()
        if c["status_code"] == "IN_PROGRESS" and now >= c["ready_at"]:
            if c.get("will_fail"):
                c["status_code"] = "ERROR"
                c["status"] = "Error: 2207026 Unsupported video format."
            else:
                c["status_code"] = "FINISHED"
                c["status"] = "Finished: Media has been uploaded and it is ready to be published."
        if c["status_code"] in ("FINISHED", "IN_PROGRESS") and now - c["created"] > CONTAINER_TTL:
            c["status_code"] = "EXPIRED"
            c["status"] = "Expired: not published within 24 hours."
        return str(c["status_code"])

    def _container_status(self, req: Request, cid: str) -> Response:
        _, err = self.require(req, "container_status", None)
        if err:
            return err
        state = self._state(cid)
        c = self.containers[cid]
        if self.take_mode_if("container_status", "error_in_200"):
            return Response(
                200,
                {
                    "status_code": "ERROR",
                    "status": "Error: 2207001 Instagram server error.",
                    "id": cid,
                },
            )
        fields = req.query.get("fields", "status_code").split(",")
        body: dict[str, Any] = {"id": cid}
        if "status_code" in fields:
            body["status_code"] = state
        if "status" in fields:
            body["status"] = c["status"]
        return Response(200, body)

    def _quota_used(self, ig_id: str) -> int:
        now = self.clock.now()
        return sum(1 for owner, t in self.publishes if owner == ig_id and now - t < QUOTA_WINDOW)

    def _quota(self, req: Request, ig_id: str) -> Response:
        _, err = self.require(req, "quota", None)
        if err:
            return err
        total = self.ig_users[ig_id]["quota_total"]
        return Response(
            200,
            {
                "data": [
                    {
                        "quota_usage": self._quota_used(ig_id),
                        "config": {"quota_total": total, "quota_duration": 86400},
                    }
                ]
            },
        )

    def _media_publish(self, req: Request, ig_id: str) -> Response:
        _, err = self.require(req, "media_publish", "instagram_content_publish")
        if err:
            return err
        cid = req.params.get("creation_id", "")
        c = self.containers.get(cid)
        if c is None or c["owner"] != ig_id or c["is_carousel_item"]:
            return gerror("(#100) Param creation_id is not a valid container for this user", 100)
        state = self._state(cid)
        if state == "PUBLISHED":
            return gerror("The media has already been published.", 100, 2207008)
        if state == "EXPIRED":
            return gerror(
                "The media container has expired; create a new one.", -2, 2207020, transient=True
            )
        if state == "ERROR":
            return gerror("Media upload has failed with error code 2207026.", 352, 2207026)
        if state != "FINISHED":
            return gerror(
                "Media ID is not available",
                9007,
                2207027,
                user_msg="The media is not ready for publishing, please wait for a moment",
            )
        if self._quota_used(ig_id) >= self.ig_users[ig_id]["quota_total"]:
            return gerror(
                "Application request limit reached",
                9,
                2207042,
                user_msg="You reached the maximum number of posts allowed in 24 hours.",
            )
        mode = self.take_mode("media_publish")
        if mode == "error_in_200":
            return Response(
                200,
                {
                    "error": {
                        "message": "An unexpected error has occurred. Please retry your request later.",
                        "type": "OAuthException",
                        "code": 2,
                        "is_transient": True,
                    }
                },
            )
        if mode == "expire_token":
            self.expire(req.bearer())
            return gerror(
                "Error validating access token: Session has expired.", 190, 463, status=401
            )
        if mode == "reject_media":
            return gerror("The image format is not supported.", 36003, 2207005)
        mid = self.new_id(17)
        shortcode = secrets.token_urlsafe(8).replace("-", "A").replace("_", "B")
        self.media[mid] = {
            "id": mid,
            "owner": ig_id,
            "caption": c["caption"],
            "alt_text": c["alt_text"],
            "media_type": "CAROUSEL_ALBUM"
            if c["children"]
            else ("VIDEO" if c["media_type"] == "REELS" else "IMAGE"),
            "urls": [self.containers[x]["url"] for x in c["children"]] or [c["url"]],
            "shortcode": shortcode,
            "permalink": f"{self.base_url}/p/{shortcode}/",
            "timestamp": self._iso(self.clock.now()),
            "deleted": False,
            "container": cid,
        }
        c["status_code"] = "PUBLISHED"
        c["status"] = "Published: Media has been published."
        c["published_id"] = mid
        self.publishes.append((ig_id, self.clock.now()))
        if mode == "created_then_error":
            return gerror("We restrict certain activity to protect our community.", 4, 2207051)
        if mode == "created_then_timeout":
            return Response(200, {"id": mid}, delay=self.timeout_delay)
        return Response(200, {"id": mid})

    def _media_fields(self, m: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": m["id"]}
        for f in fields:
            if f in ("caption", "permalink", "timestamp", "media_type", "shortcode"):
                out[f] = m[f]
            elif f == "username":
                out[f] = self.ig_users[m["owner"]]["username"]
        return out

    def _get_media(self, req: Request, mid: str) -> Response:
        _, err = self.require(req, "get_media", None)
        if err:
            return err
        m = self.media[mid]
        if m["deleted"]:
            return gerror(
                f"Unsupported get request. Object with ID '{mid}' does not exist.", 100, 33
            )
        fields = req.query.get("fields", "id").split(",")
        return Response(200, self._media_fields(m, fields))

    def _list_media(self, req: Request, ig_id: str) -> Response:
        _, err = self.require(req, "list_media", None)
        if err:
            return err
        fields = req.query.get("fields", "id").split(",")
        limit = int(req.query.get("limit", "25"))
        items = sorted(self.live_posts(ig_id), key=lambda m: m["timestamp"], reverse=True)[:limit]
        return Response(200, {"data": [self._media_fields(m, fields) for m in items]})

    def _ig_user(self, req: Request, ig_id: str) -> Response:
        _, err = self.require(req, "ig_user", None)
        if err:
            return err
        u = self.ig_users[ig_id]
        return Response(200, {"id": ig_id, "username": u["username"], "name": u["username"]})

    def _delete_media(self, req: Request, mid: str) -> Response:
        _, err = self.require(req, "delete_media", "instagram_manage_contents")
        if err:
            return err
        m = self.media[mid]
        if m["deleted"]:
            return gerror(
                f"Unsupported delete request. Object with ID '{mid}' does not exist.", 100, 33
            )
        mode = self.take_mode("delete_media")
        if mode == "error_in_200":
            return Response(200, {"success": False})
        if mode:  # the reported 2207085 "Fatal" failures, intermittent and server-side
            return gerror("Fatal", -1, 2207085, transient=True)
        m["deleted"] = True
        return Response(200, {"success": True})

    # --- comments ---------------------------------------------------------------
    def _comment_json(self, c: dict[str, Any]) -> dict[str, Any]:
        return {k: c[k] for k in ("id", "text", "username", "timestamp", "hidden")}

    def _comments(self, req: Request, mid: str) -> Response:
        _, err = self.require(req, "comments", "instagram_manage_comments")
        if err:
            return err
        items = [c for c in self.comments.values() if c["media"] == mid and not c["parent"]]
        return Response(200, {"data": [self._comment_json(c) for c in items]})

    def _replies(self, req: Request, cid: str) -> Response:
        _, err = self.require(req, "comments", "instagram_manage_comments")
        if err:
            return err
        items = [c for c in self.comments.values() if c["parent"] == cid]
        return Response(200, {"data": [self._comment_json(c) for c in items]})

    def _own_comment(self, req: Request, mid: str) -> Response:
        _, err = self.require(req, "comment", "instagram_manage_comments")
        if err:
            return err
        cid = self.add_comment(
            mid, req.params.get("message", ""), self.ig_users[self.media[mid]["owner"]]["username"]
        )
        self.comments[cid]["by_owner"] = True
        return Response(200, {"id": cid})

    def _hide(self, req: Request, cid: str) -> Response:
        _, err = self.require(req, "hide", "instagram_manage_comments")
        if err:
            return err
        c = self.comments[cid]
        if c["by_owner"]:
            return gerror("(#100) You cannot hide your own comment.", 100)
        hide = req.params.get("hide")
        if hide not in ("true", "false"):
            return gerror("(#100) Param hide must be a boolean", 100)
        c["hidden"] = hide == "true"
        return Response(200, {"success": True})

    def _reply(self, req: Request, cid: str) -> Response:
        _, err = self.require(req, "reply", "instagram_manage_comments")
        if err:
            return err
        parent = self.comments[cid]
        if parent["hidden"]:
            return gerror("(#100) Cannot reply to a hidden comment.", 100)
        message = req.params.get("message", "")
        if not message:
            return gerror("(#100) The parameter message is required", 100)
        top = parent["parent"] or cid  # a reply to a reply attaches to the top comment
        rid = self.add_comment(
            parent["media"],
            message,
            self.ig_users[self.media[parent["media"]]["owner"]]["username"],
        )
        self.comments[rid].update(parent=top, by_owner=True)
        return Response(200, {"id": rid})

    # --- the public page a person looks at ---------------------------------------
    def _public_page(self, req: Request) -> Response:
        import html

        for m in self.media.values():
            if m["shortcode"] == req.match["shortcode"]:
                if m["deleted"]:
                    return Response(
                        404,
                        raw=b"<!doctype html><title>Gone</title><h1>Sorry, this page isn't available.</h1>",
                        headers={"Content-Type": "text/html"},
                    )
                user = self.ig_users[m["owner"]]["username"]
                imgs = "".join(
                    f'<img src="{html.escape(u)}" alt="{html.escape(m["alt_text"])}" width="320">'
                    for u in m["urls"]
                )
                comments = "".join(
                    f"<li>{html.escape(c['username'])}: {html.escape(c['text'])}</li>"
                    for c in self.comments.values()
                    if c["media"] == m["id"] and not c["hidden"]
                )
                page = (
                    f"<!doctype html><title>@{html.escape(user)} on Instagram (fake)</title>"
                    f"<h1>@{html.escape(user)}</h1>{imgs}<p>{html.escape(m['caption'])}</p><ul>{comments}</ul>"
                )
                return Response(200, raw=page.encode(), headers={"Content-Type": "text/html"})
        return Response(
            404,
            raw=b"<!doctype html><h1>Sorry, this page isn't available.</h1>",
            headers={"Content-Type": "text/html"},
        )
