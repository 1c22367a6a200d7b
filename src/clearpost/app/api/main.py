"""Routers mounted on the API; `clearpost.app.urls` mounts `api.urls` at /api/."""

from __future__ import annotations

from clearpost.app.api import audit, patients, releases
from clearpost.app.api.base import api
from clearpost.app.media import api as media_api
from clearpost.app.posts import api as posts_api

api.add_router("/patients", patients.router)
api.add_router("/", releases.router)
api.add_router("/audit", audit.router)
api.add_router("/posts", posts_api.router)
api.add_router("/media", media_api.router)

__all__ = ["api"]
