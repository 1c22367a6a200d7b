"""The practice website's before/after gallery, as static pages ClearPost generates.

Each published post becomes `<root>/<entry>/index.html` with its images re-encoded from
pixels only (no EXIF, XMP, ICC, comments or thumbnails survive), every image with its alt
text, and the gallery index is rebuilt from what is on disk. Pages carry no generator,
author or analytics metadata and ask search engines not to index the images' originals.
Deleting an entry removes its folder and rebuilds the index, so a revocation takes a
gallery item down for good; the website serves the folder as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import re
import shutil
from pathlib import Path

from clearpost.providers.base import (
    Capabilities,
    Comment,
    DeleteOutcome,
    DeleteResult,
    HandleCallback,
    MediaLimits,
    PostState,
    PostStatus,
    Problem,
    PublishRequest,
    Receipt,
    validate_against,
)
from clearpost.providers.errors import NotSupported
from clearpost.providers.website import errors

CAPABILITIES = Capabilities(
    platform="Website gallery",
    image=MediaLimits(frozenset({"image/jpeg", "image/png", "image/webp"}), 30 * 1024 * 1024),
    video=None,
    max_items=10,
    max_caption=5000,
    can_delete=True,
    delete_note="Removes the gallery page and its images from the generated site.",
    comments_read=False,
    comments_hide=False,
    comments_reply=False,
)
NO_COMMENTS = "The gallery has no comments."
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
    "img{max-width:100%;height:auto}figure{margin:0 0 1rem}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}"
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "entry"


def clean_image(data: bytes) -> bytes:
    """Pixels only: a new image from the decoded pixels, saved as a plain JPEG."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        rgb = im.convert("RGB")
    pixels = Image.new("RGB", rgb.size)
    pixels.paste(rgb)
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


class WebsiteProvider:
    def __init__(self, root: Path, *, base_url: str = "", title: str = "Before and after") -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self.title = title
        self.capabilities = CAPABILITIES

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        if not request.media:
            problems.append(Problem("no_media", "A gallery entry needs at least one photo."))
        for i, m in enumerate(request.media, start=1):
            if not m.alt_text.strip():
                problems.append(
                    Problem(
                        "alt_text", f"Photo {i} needs alt text describing it for screen readers."
                    )
                )
        if not request.reference:
            problems.append(Problem("reference", "A gallery entry needs the post's reference."))
        return problems

    def _entry_id(self, reference: str) -> str:
        return hashlib.sha256(reference.encode()).hexdigest()[:16]

    def publish(
        self,
        request: PublishRequest,
        token: str = "",
        on_handle: HandleCallback | None = None,
        *,
        resume: str = "",
    ) -> Receipt:
        problems = self.validate(request)
        if problems:
            raise errors.media_error("; ".join(p.message for p in problems))
        entry = self._entry_id(request.reference)
        folder = self.root / entry
        tmp = self.root / f".{entry}.tmp"
        hashes: list[str] = []
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            figures = []
            for i, m in enumerate(request.media, start=1):
                raw = m.path.read_bytes()
                try:
                    data = clean_image(raw)
                except Exception as exc:
                    raise errors.media_error(f"Photo {i} could not be read ({exc}).") from exc
                name = f"{i}.jpg"
                (tmp / name).write_bytes(data)
                hashes.append(hashlib.sha256(data).hexdigest())
                figures.append(
                    f'<figure><img src="{name}" alt="{html.escape(m.alt_text)}" loading="lazy"></figure>'
                )
            heading = html.escape(request.title or self.title)
            caption = "".join(f"<p>{html.escape(p)}</p>" for p in request.caption.split("\n") if p)
            (tmp / "index.html").write_text(
                self._page(
                    heading,
                    f"<h1>{heading}</h1>{''.join(figures)}{caption}"
                    '<p><a href="../">All results</a></p>',
                ),
                encoding="utf-8",
            )
            meta = {
                "reference": request.reference,
                "title": request.title,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
            (tmp / "entry.json").write_text(json.dumps(meta), encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            tmp.rename(folder)
            self._rebuild_index()
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise errors.from_os_error(exc) from exc
        except Exception:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Receipt(
            PostState.PUBLISHED,
            entry,
            self._url(entry),
            dt.datetime.now(dt.UTC),
            media_hashes=tuple(hashes),
        )

    def _url(self, entry: str) -> str:
        return (
            f"{self.base_url}/{entry}/" if self.base_url else str(self.root / entry / "index.html")
        )

    def _page(self, title: str, body: str) -> str:
        # No generator, author, analytics or tracking: nothing but the page.
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noimageindex">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>"
        )

    def _entries(self) -> list[tuple[str, dict[str, str]]]:
        out: list[tuple[str, dict[str, str]]] = []
        if not self.root.exists():
            return out
        for d in sorted(self.root.iterdir()):
            meta = d / "entry.json"
            if d.is_dir() and not d.name.startswith(".") and meta.exists():
                out.append((d.name, json.loads(meta.read_text(encoding="utf-8"))))
        return sorted(out, key=lambda e: e[1].get("at", ""), reverse=True)

    def _rebuild_index(self) -> None:
        cards = []
        for entry, meta in self._entries():
            first = self.root / entry / "1.jpg"
            alt = ""
            page = (self.root / entry / "index.html").read_text(encoding="utf-8")
            m = re.search(r'alt="([^"]*)"', page)
            if m:
                alt = m.group(1)
            img = f'<img src="{entry}/1.jpg" alt="{alt}" loading="lazy">' if first.exists() else ""
            label = html.escape(meta.get("title") or "Result")
            cards.append(f'<a href="{entry}/">{img}<span>{label}</span></a>')
        title = html.escape(self.title)
        body = f'<h1>{title}</h1><div class="grid">{"".join(cards)}</div>'
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / ".index.html.tmp"
        tmp.write_text(self._page(title, body), encoding="utf-8")
        tmp.replace(self.root / "index.html")

    def status(self, post_id: str, token: str = "", *, handle: str = "") -> PostStatus:
        if (self.root / post_id / "index.html").exists():
            return PostStatus(PostState.PUBLISHED, post_id, self._url(post_id))
        return PostStatus(PostState.GONE, post_id, detail="Not in the gallery.")

    def find_published(
        self, request: PublishRequest, token: str = "", since: dt.datetime | None = None
    ) -> PostStatus | None:
        entry = self._entry_id(request.reference)
        found = self.status(entry)
        return found if found.state is PostState.PUBLISHED else None

    def delete(self, post_id: str, token: str = "") -> DeleteResult:
        folder = self.root / post_id
        if not folder.exists():
            return DeleteResult(DeleteOutcome.ALREADY_GONE, "The gallery page was already removed.")
        try:
            shutil.rmtree(folder)
            self._rebuild_index()
        except OSError as exc:
            raise errors.from_os_error(exc) from exc
        return DeleteResult(DeleteOutcome.DELETED, "The gallery page and its images were removed.")

    def list_comments(self, post_id: str, token: str = "") -> list[Comment]:
        return []

    def hide_comment(self, comment_id: str, token: str = "") -> None:
        raise NotSupported(errors.PLATFORM, "hide comments", NO_COMMENTS)

    def reply(self, comment_id: str, text: str, token: str = "") -> str:
        raise NotSupported(errors.PLATFORM, "reply to comments", NO_COMMENTS)
