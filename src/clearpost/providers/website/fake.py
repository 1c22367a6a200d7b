"""The practice website, locally: serves the generated gallery folder as it is on disk,
so tests and `make run` see what a visitor would (and a 404 once an entry is removed)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from clearpost.providers.fakes import FakePlatform, Request, Response


class WebsiteFake(FakePlatform):
    platform = "website"

    def __init__(self, root: Path, **kw: Any) -> None:
        self.root = root
        super().__init__(**kw)

    def routes(self) -> None:
        self.route("GET", r"/(?P<path>.*)", self._serve)

    def _serve(self, req: Request) -> Response:
        rel = req.match["path"]
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root.resolve()):
            return Response(404, raw=b"not found", headers={"Content-Type": "text/plain"})
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or target.name.startswith(".") or target.name == "entry.json":
            return Response(404, raw=b"not found", headers={"Content-Type": "text/plain"})
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(200, raw=target.read_bytes(), headers={"Content-Type": ctype})
