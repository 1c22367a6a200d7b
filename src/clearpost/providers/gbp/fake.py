"""A local Google Business Profile reviews API (mybusiness.googleapis.com/v4) for tests
and `make run`: reviews listed per location with star ratings, replies put and deleted,
1-hour tokens, and Google's JSON error bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from clearpost.providers.fakes import FakePlatform, Request, Response

STARS = ("ONE", "TWO", "THREE", "FOUR", "FIVE")


def gerror(code: int, message: str, status: str) -> Response:
    return Response(code, {"error": {"code": code, "message": message, "status": status}})


class GbpFake(FakePlatform):
    platform = "gbp"

    def __init__(self, **kw: Any) -> None:
        self.reviews: dict[str, dict[str, Any]] = {}
        self.locations: dict[str, str] = {}  # "accounts/a/locations/l" -> owner subject
        super().__init__(**kw)

    def routes(self) -> None:
        loc = r"/v4/(?P<loc>accounts/[^/]+/locations/[^/]+)"
        self.route("GET", loc + "/reviews", self._list)
        self.route("PUT", loc + r"/reviews/(?P<rid>[^/]+)/reply", self._reply)
        self.route("DELETE", loc + r"/reviews/(?P<rid>[^/]+)/reply", self._delete_reply)

    def add_location(self, subject: str) -> str:
        name = f"accounts/{self.new_id(10)}/locations/{self.new_id(10)}"
        self.locations[name] = subject
        return name

    def add_review(
        self, location: str, text: str, stars: int = 1, reviewer: str = "A Google user"
    ) -> str:
        rid = "AbFvO" + self.new_id(12)
        now = dt.datetime.fromtimestamp(self.clock.now(), dt.UTC).isoformat().replace("+00:00", "Z")
        self.reviews[rid] = {
            "name": f"{location}/reviews/{rid}",
            "reviewId": rid,
            "reviewer": {"displayName": reviewer},
            "starRating": STARS[stars - 1],
            "comment": text,
            "createTime": now,
            "updateTime": now,
            "location": location,
        }
        return rid

    def _auth(self, req: Request, loc: str) -> Response | None:
        tok, problem = self.token_state(req, "gbp")
        if problem:
            return gerror(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        assert tok is not None
        if "https://www.googleapis.com/auth/business.manage" not in tok.scopes:
            return gerror(
                403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED"
            )
        if self.locations.get(loc) != tok.subject:
            return gerror(403, "The caller does not have permission", "PERMISSION_DENIED")
        return None

    def _list(self, req: Request) -> Response:
        err = self._auth(req, req.match["loc"])
        if err:
            return err
        items = [
            {k: v for k, v in r.items() if k != "location"}
            for r in self.reviews.values()
            if r["location"] == req.match["loc"]
        ]
        ratings = [STARS.index(r["starRating"]) + 1 for r in items]
        body: dict[str, Any] = {"totalReviewCount": len(items)}
        if items:
            body["reviews"] = items
            body["averageRating"] = sum(ratings) / len(ratings)
        return Response(200, body)

    def _reply(self, req: Request) -> Response:
        err = self._auth(req, req.match["loc"])
        if err:
            return err
        review = self.reviews.get(req.match["rid"])
        if review is None or review["location"] != req.match["loc"]:
            return gerror(404, "Requested entity was not found.", "NOT_FOUND")
        body = req.json() or {}
        comment = str(body.get("comment", ""))
        if not comment or len(comment) > 4096:
            return gerror(400, "Request contains an invalid argument.", "INVALID_ARGUMENT")
        now = dt.datetime.fromtimestamp(self.clock.now(), dt.UTC).isoformat().replace("+00:00", "Z")
        review["reviewReply"] = {"comment": comment, "updateTime": now}
        return Response(200, review["reviewReply"])

    def _delete_reply(self, req: Request) -> Response:
        err = self._auth(req, req.match["loc"])
        if err:
            return err
        review = self.reviews.get(req.match["rid"])
        if review is None or "reviewReply" not in review:
            return gerror(404, "Requested entity was not found.", "NOT_FOUND")
        del review["reviewReply"]
        return Response(200, {})
