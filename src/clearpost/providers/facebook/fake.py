"""A local Facebook Pages API (Graph) for tests and `make run`.

Reproduces reference §2: `/{page}/feed` (text, link, `attached_media`), `/{page}/photos`
(`url`, `published`), `/{page}/videos` (`file_url`, then `status.video_status` on the
clock), `/{page}/published_posts`, `DELETE /{post-id}` with `{"success":true}`, comments
with `is_hidden` and replies, the Page-token requirement (a user token gets code 200),
duplicate posts (506), Page rate limits (32), photo rejection (1366046), and the
misbehaviour modes of the fake base.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

from clearpost.providers.fakes import Request, Response
from clearpost.providers.graph import GraphFake, ObjectHandler, gerror

MAX_PHOTO = 4 * 1024 * 1024


class FacebookFake(GraphFake):
    platform = "facebook"
    video_processing_s = 15.0

    def __init__(self, **kw: Any) -> None:
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.stories: dict[str, dict[str, Any]] = {}  # recommendations' open-graph stories
        super().__init__(**kw)

    def routes(self) -> None:
        super().routes()
        self.route("GET", r"/fb/(?P<post>[0-9_]+)", self._public_post)

    def object_handlers(self) -> list[ObjectHandler]:
        return [*super().object_handlers(), self._fb_object]

    def live_posts(self, page_id: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for p in self.posts.values()
            if not p["deleted"] and (page_id is None or p["page"] == page_id)
        ]

    def add_comment(self, post_id: str, text: str, name: str = "Visitor") -> str:
        cid = f"{post_id.split('_')[-1]}_{self.new_id(16)}"
        self.comments[cid] = {
            "id": cid,
            "post": post_id,
            "message": text,
            "from": {"name": name, "id": self.new_id(15)},
            "created_time": self._fb_iso(),
            "is_hidden": False,
            "parent": "",
            "by_page": False,
        }
        return cid

    def _fb_iso(self) -> str:
        return dt.datetime.fromtimestamp(self.clock.now(), dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S+0000"
        )

    def add_recommendation(
        self, page_id: str, text: str, recommends: bool = False, name: str = "Visitor"
    ) -> str:
        """A Page recommendation; returns its open-graph story ID (what replies go to)."""
        story = self.new_id(16)
        self.stories[story] = {
            "page": page_id,
            "review_text": text,
            "recommendation_type": "positive" if recommends else "negative",
            "reviewer": {"name": name, "id": self.new_id(15)},
            "created_time": self._fb_iso(),
            "replies": [],
        }
        return story

    def _fb_object(self, req: Request, method: str, oid: str, edge: str) -> Response | None:
        if oid in self.pages and method == "GET" and edge == "ratings":
            return self._ratings(req, oid)
        if oid in self.stories and method == "POST" and edge == "comments":
            return self._story_reply(req, oid)
        if oid in self.pages:
            if method == "POST" and edge in ("feed", "photos", "videos"):
                return self._create(req, oid, edge)
            if method == "GET" and edge in ("published_posts", "feed"):
                return self._list(req, oid)
            if method == "GET" and not edge:
                page = self.pages[oid]
                body: dict[str, Any] = {"id": oid, "name": page["name"]}
                if page["ig"] and "instagram_business_account" in req.query.get("fields", ""):
                    body["instagram_business_account"] = {"id": page["ig"]}
                return Response(200, body)
        if oid in self.posts:
            if method == "GET" and not edge:
                return self._get_post(req, oid)
            if method == "DELETE" and not edge:
                return self._delete(req, oid)
            if edge == "comments":
                if method == "GET":
                    return self._fb_comments(req, oid)
                return self._add_reply(req, oid, parent="")
        if oid in self.videos and method == "GET" and not edge:
            return self._video_status(req, oid)
        if oid in self.comments and self.comments[oid].get("post") in self.posts:
            if method == "POST" and not edge:
                return self._fb_hide(req, oid)
            if edge == "comments" and method == "POST":
                return self._add_reply(req, self.comments[oid]["post"], parent=oid)
            if edge == "comments" and method == "GET":
                return self._fb_comments(req, self.comments[oid]["post"], parent=oid)
        return None

    def _page_token(
        self, req: Request, page_id: str, operation: str, scope: str
    ) -> Response | None:
        tok, err = self.require(req, operation, scope)
        if err:
            return err
        assert tok is not None
        if tok.subject != page_id:
            return gerror(
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts as an admin with sufficient administrative permission",
                200,
                status=403,
            )
        return None

    def _create(self, req: Request, page_id: str, edge: str) -> Response:
        err = self._page_token(req, page_id, "create", "pages_manage_posts")
        if err:
            return err
        wait = self.hit(f"page:{page_id}")
        if wait is not None:
            return gerror("(#32) Page request limit reached", 32)
        p = req.params
        mode = self.take_mode("create")
        if mode == "reject_media" and edge != "feed":
            return gerror(
                "Invalid image",
                100,
                1366046,
                user_msg="Photos should be smaller than 4 MB and saved as JPG or PNG files.",
            )
        published = p.get("published", "true") != "false"
        message = p.get("message") or p.get("caption") or p.get("description") or ""
        if edge == "photos":
            url = p.get("url", "")
            fetched = self.fetch(url) if url else None
            if fetched is None:
                return gerror("(#324) Requires upload file", 324)
            data = fetched[0]
            if (
                not (data.startswith(b"\xff\xd8") or data.startswith(b"\x89PNG"))
                or len(data) > MAX_PHOTO
            ):
                return gerror(
                    "Invalid image",
                    100,
                    1366046,
                    user_msg="Photos should be smaller than 4 MB and saved as JPG or PNG files.",
                )
            photo_id = self.new_id(16)
            self.photos[photo_id] = {
                "url": url,
                "page": page_id,
                "alt": p.get("alt_text_custom", ""),
            }
            if not published:
                return Response(200, {"id": photo_id})
            post_id = self._new_post(page_id, message, [url], mode)
            if isinstance(post_id, Response):
                return post_id
            return self._answer(mode, {"id": photo_id, "post_id": post_id})
        if edge == "videos":
            url = p.get("file_url", "")
            fetched = self.fetch(url) if url else None
            if fetched is None or fetched[0][4:8] != b"ftyp":
                return gerror(
                    "There was a problem uploading your video file.",
                    352,
                    user_msg="The video file could not be read.",
                )
            video_id = self.new_id(16)
            post_id = self._new_post(page_id, message, [url], mode, post_id=f"{page_id}_{video_id}")
            if isinstance(post_id, Response):
                return post_id
            self.videos[video_id] = {
                "post": post_id,
                "ready_at": self.clock.now() + self.video_processing_s,
            }
            self.posts[post_id]["processing_video"] = video_id
            return self._answer(mode, {"id": video_id})
        attached = p.get("attached_media", "")
        urls: list[str] = []
        if attached:
            try:
                items = json.loads(attached)
            except ValueError:
                return gerror("(#100) param attached_media must be an array of objects", 100)
            for item in items:
                photo = self.photos.get(str(item.get("media_fbid", "")))
                if photo is None or photo["page"] != page_id:
                    return gerror("(#100) Invalid media_fbid", 100)
                urls.append(photo["url"])
        if not message and not urls and not p.get("link"):
            return gerror("(#100) Missing message or attachment", 100)
        post_id = self._new_post(page_id, message, urls, mode)
        if isinstance(post_id, Response):
            return post_id
        return self._answer(mode, {"id": post_id})

    def _new_post(
        self, page_id: str, message: str, urls: list[str], mode: str, post_id: str = ""
    ) -> str | Response:
        if mode == "error_in_200":
            return Response(
                200,
                {
                    "error": {
                        "message": "An unknown error occurred",
                        "type": "OAuthException",
                        "code": 1,
                        "is_transient": True,
                    }
                },
            )
        if mode == "expire_token":
            return gerror(
                "Error validating access token: Session has expired.", 190, 463, status=401
            )
        for other in self.live_posts(page_id):
            if message and other["message"] == message and self.clock.now() - other["t"] < 3600:
                return gerror("Duplicate status message", 506)
        post_id = post_id or f"{page_id}_{self.new_id(16)}"
        self.posts[post_id] = {
            "id": post_id,
            "page": page_id,
            "message": message,
            "urls": urls,
            "created_time": self._fb_iso(),
            "t": self.clock.now(),
            "deleted": False,
            "processing_video": "",
        }
        return post_id

    def _answer(self, mode: str, body: dict[str, Any]) -> Response:
        if mode == "created_then_error":
            return Response(
                500,
                {
                    "error": {
                        "message": "An unknown error has occurred.",
                        "type": "OAuthException",
                        "code": 1,
                        "is_transient": False,
                    }
                },
            )
        if mode == "created_then_timeout":
            return Response(200, body, delay=self.timeout_delay)
        return Response(200, body)

    def _post_json(self, post: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": post["id"]}
        if "message" in fields:
            out["message"] = post["message"]
        if "created_time" in fields:
            out["created_time"] = post["created_time"]
        if "permalink_url" in fields:
            out["permalink_url"] = f"{self.base_url}/fb/{post['id']}"
        if "is_published" in fields:
            out["is_published"] = True
        return out

    def _list(self, req: Request, page_id: str) -> Response:
        _, err = self.require(req, "list", "pages_read_engagement")
        if err:
            return err
        fields = req.query.get("fields", "id,message,created_time").split(",")
        posts = sorted(self.live_posts(page_id), key=lambda p: p["t"], reverse=True)
        return Response(
            200,
            {
                "data": [
                    self._post_json(p, fields) for p in posts[: int(req.query.get("limit", "25"))]
                ]
            },
        )

    def _get_post(self, req: Request, post_id: str) -> Response:
        _, err = self.require(req, "get_post", None)
        if err:
            return err
        post = self.posts[post_id]
        if post["deleted"]:
            return gerror(
                f"Unsupported get request. Object with ID '{post_id}' does not exist.", 100, 33
            )
        return Response(200, self._post_json(post, req.query.get("fields", "id").split(",")))

    def _video_status(self, req: Request, video_id: str) -> Response:
        _, err = self.require(req, "video_status", None)
        if err:
            return err
        v = self.videos[video_id]
        state = "ready" if self.clock.now() >= v["ready_at"] else "processing"
        return Response(
            200,
            {
                "id": video_id,
                "status": {
                    "video_status": state,
                    "processing_progress": 100 if state == "ready" else 40,
                },
            },
        )

    def _delete(self, req: Request, post_id: str) -> Response:
        err = self._page_token(req, self.posts[post_id]["page"], "delete", "pages_manage_posts")
        if err:
            return err
        post = self.posts[post_id]
        if post["deleted"]:
            return gerror(
                f"Unsupported delete request. Object with ID '{post_id}' does not exist.", 100, 33
            )
        mode = self.take_mode("delete")
        if mode == "error_in_200":
            return Response(200, {"success": False})
        if mode:
            return Response(
                500,
                {
                    "error": {
                        "message": "An unexpected error has occurred.",
                        "type": "OAuthException",
                        "code": 2,
                        "is_transient": True,
                    }
                },
            )
        post["deleted"] = True
        return Response(200, {"success": True})

    def _fb_comments(self, req: Request, post_id: str, parent: str = "") -> Response:
        _, err = self.require(req, "comments", "pages_read_user_engagement")
        if err:
            return err
        items = [
            c for c in self.comments.values() if c["post"] == post_id and c["parent"] == parent
        ]
        keys = ("id", "message", "from", "created_time", "is_hidden")
        return Response(
            200,
            {
                "data": [{k: c[k] for k in keys} | {"can_hide": not c["by_page"]} for c in items],
                "paging": {},
            },
        )

    def _fb_hide(self, req: Request, cid: str) -> Response:
        c = self.comments[cid]
        err = self._page_token(
            req, self.posts[c["post"]]["page"], "hide", "pages_manage_engagement"
        )
        if err:
            return err
        value = req.params.get("is_hidden")
        if value not in ("true", "false"):
            return gerror("(#100) param is_hidden must be a boolean", 100)
        if c["by_page"]:
            return gerror("(#100) This comment cannot be hidden", 100)
        c["is_hidden"] = value == "true"
        return Response(200, {"success": True})

    def _add_reply(self, req: Request, post_id: str, parent: str) -> Response:
        page_id = self.posts[post_id]["page"]
        err = self._page_token(req, page_id, "reply", "pages_manage_engagement")
        if err:
            return err
        message = req.params.get("message", "")
        if not message:
            return gerror("(#100) Missing message", 100)
        cid = self.add_comment(post_id, message, self.pages[page_id]["name"])
        self.comments[cid].update(parent=parent, by_page=True)
        return Response(200, {"id": cid})

    def _ratings(self, req: Request, page_id: str) -> Response:
        err = self._page_token(req, page_id, "ratings", "pages_read_user_engagement")
        if err:
            return err
        data = [
            {k: v for k, v in st.items() if k not in ("page", "replies")}
            | {"open_graph_story": {"id": sid}}
            for sid, st in self.stories.items()
            if st["page"] == page_id
        ]
        return Response(200, {"data": data, "paging": {}})

    def _story_reply(self, req: Request, story: str) -> Response:
        err = self._page_token(req, self.stories[story]["page"], "reply", "pages_manage_engagement")
        if err:
            return err
        message = req.params.get("message", "")
        if not message:
            return gerror("(#100) Missing message", 100)
        cid = f"{story}_{self.new_id(16)}"
        self.stories[story]["replies"].append({"id": cid, "message": message})
        return Response(200, {"id": cid})

    def _public_post(self, req: Request) -> Response:
        post = self.posts.get(req.match["post"])
        if post is None or post["deleted"]:
            return Response(
                404,
                raw=b"<!doctype html><h1>This content isn't available right now</h1>",
                headers={"Content-Type": "text/html"},
            )
        imgs = "".join(f'<img src="{html.escape(u)}" alt="" width="320">' for u in post["urls"])
        body = f"<!doctype html><title>{html.escape(self.pages[post['page']]['name'])} (fake Facebook)</title><p>{html.escape(post['message'])}</p>{imgs}"
        return Response(200, raw=body.encode(), headers={"Content-Type": "text/html"})
