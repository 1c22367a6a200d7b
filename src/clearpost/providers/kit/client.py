"""The "ready to post" kit: the cleared media, the approved caption and an evidence
sheet in one zip, for practices that post from a phone.

ClearPost cannot see or remove a post a person makes from a kit, so its receipt is
`MANUAL` (never `PUBLISHED`), and `delete` withdraws the kit file and then raises
`NotSupported` with the steps to remove the post by hand: the takedown stays open
until a person records it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import zipfile
from pathlib import Path

from clearpost.providers.base import (
    Capabilities,
    Comment,
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
from clearpost.providers.kit import errors

CAPABILITIES = Capabilities(
    platform="Ready-to-post kit",
    image=MediaLimits(frozenset({"image/jpeg", "image/png", "image/webp"}), 50 * 1024 * 1024),
    video=MediaLimits(frozenset({"video/mp4", "video/quicktime"}), 1024 * 1024 * 1024),
    max_items=20,
    max_caption=63206,
    can_delete=False,
    delete_note="A person posted it: the kit is withdrawn and a manual takedown is opened.",
    comments_read=False,
    comments_hide=False,
    comments_reply=False,
)
MANUAL_STEPS = (
    "This post was made by hand from a ready-to-post kit. Open it on the platform where it "
    "was posted, delete it, and record the takedown in ClearPost. The kit file has been "
    "withdrawn so it cannot be posted again."
)


class KitProvider:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.capabilities = CAPABILITIES

    def validate(self, request: PublishRequest) -> list[Problem]:
        problems = validate_against(self.capabilities, request)
        if not request.reference:
            problems.append(Problem("reference", "A kit needs the post's reference."))
        return problems

    def _name(self, reference: str) -> str:
        return f"kit-{hashlib.sha256(reference.encode()).hexdigest()[:16]}.zip"

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
        name = self._name(request.reference)
        target = self.root / name
        tmp = self.root / f".{name}.tmp"
        hashes = []
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for i, m in enumerate(request.media, start=1):
                    data = m.path.read_bytes()
                    hashes.append(hashlib.sha256(data).hexdigest())
                    z.writestr(f"media/{i}{m.path.suffix.lower()}", data)
                    if m.alt_text:
                        z.writestr(f"media/{i}.alt.txt", m.alt_text)
                z.writestr("caption.txt", request.caption)
                z.writestr("evidence.html", self._evidence(request, hashes))
                z.writestr(
                    "README.txt",
                    "Post the media in the order given with caption.txt, unchanged.\n"
                    "Do not add filters, tags or locations. Keep evidence.html.\n",
                )
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise errors.from_os_error(exc) from exc
        return Receipt(
            PostState.MANUAL,
            name,
            str(target),
            dt.datetime.now(dt.UTC),
            media_hashes=tuple(hashes),
            detail="Kit ready; a person posts it from the phone.",
        )

    def _evidence(self, request: PublishRequest, hashes: list[str]) -> str:
        rows = [("Post", request.reference), ("Prepared", dt.datetime.now(dt.UTC).isoformat())]
        rows += list(request.evidence)
        rows += [(f"File {i} SHA-256", h) for i, h in enumerate(hashes, start=1)]
        body = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        return (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Evidence sheet</title>'
            f"<h1>Evidence sheet</h1><table>{body}</table>"
            f"<h2>Approved caption</h2><pre>{html.escape(request.caption)}</pre></html>"
        )

    def status(self, post_id: str, token: str = "", *, handle: str = "") -> PostStatus:
        if (self.root / post_id).exists():
            return PostStatus(PostState.MANUAL, post_id, str(self.root / post_id))
        return PostStatus(PostState.GONE, post_id, detail="The kit was withdrawn.")

    def find_published(
        self, request: PublishRequest, token: str = "", since: dt.datetime | None = None
    ) -> PostStatus | None:
        found = self.status(self._name(request.reference))
        return found if found.state is PostState.MANUAL else None

    def delete(self, post_id: str, token: str = "") -> DeleteResult:
        try:
            (self.root / post_id).unlink(missing_ok=True)
        except OSError as exc:
            raise errors.from_os_error(exc) from exc
        raise NotSupported(errors.PLATFORM, "delete a post made by hand", MANUAL_STEPS)

    def list_comments(self, post_id: str, token: str = "") -> list[Comment]:
        return []

    def hide_comment(self, comment_id: str, token: str = "") -> None:
        raise NotSupported(errors.PLATFORM, "hide comments", "Moderate them on the platform.")

    def reply(self, comment_id: str, text: str, token: str = "") -> str:
        raise NotSupported(errors.PLATFORM, "reply", "Reply on the platform after a check.")
