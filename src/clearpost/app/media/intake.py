"""What happens to an uploaded file before anything is stored: the engine's sniffing
and limits, and the capture date read while the metadata still exists.

Stills go through the engine's `scrub_file` (sniff, polyglot check, dimension limits,
a full decode that catches truncation and bombs); nothing it produces is kept, the
point is its verdict. Videos get the engine's sniff, size limit and ffprobe header
check (dimensions, duration), without a full remux in the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from clearpost.engine.media.limits import Limits, check_file_size
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.sniff import sniff_file

MIB = 1024 * 1024
# Engine refusals in words a practice manager understands; the rule-prefixed reason is
# kept beside it for the audit trail and the API.
_PLAIN = [
    ("empty (0 bytes)", "The file is empty. Copy it again from the camera or phone."),
    ("polyglot", "The file is also another kind of file (a hidden document or archive). "
     "Use the original photo from the camera instead."),
    ("decompression bomb", "The picture claims an impossible size. Use another file."),
    ("decompressionbomb", "The picture claims an impossible size. Use another file."),
    ("over the", "The file is over a size or length limit. Trim or compress it, then try again."),
    ("not a supported", "This is not a photo or video format ClearPost reads. Export it as "
     "JPEG, PNG, HEIC, MP4 or MOV."),
    ("not a recognised", "This is not a photo or video format ClearPost reads. Export it as "
     "JPEG, PNG, HEIC, MP4 or MOV."),
    ("unknown format", "This is not a photo or video format ClearPost reads. Export it as "
     "JPEG, PNG, HEIC, MP4 or MOV."),
    ("cannot be read", "The file is damaged or incomplete. Copy it again from the device."),
    ("truncated", "The file is damaged or incomplete. Copy it again from the device."),
    ("no readable video", "The video is damaged or has no picture. Export it again."),
]  # fmt: skip


@dataclass(frozen=True)
class Accepted:
    kind: str  # "photo" | "video"
    format: str
    ext: str
    size: int
    sha256: str
    captured_at: dt.datetime | None


class UploadRefused(Exception):
    """One file refused before storage; `reason` starts with a rule ID, `plain` is for people."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.plain = plain_words(reason)
        super().__init__(reason)


def plain_words(reason: str) -> str:
    low = reason.lower()
    for needle, words in _PLAIN:
        if needle in low:
            return words
    return "ClearPost cannot clean this file safely. Use another file."


def limits() -> Limits:
    """The practice-wide upload limits (settings), in the engine's terms."""
    return Limits(
        max_still_bytes=settings.CLEARPOST_MEDIA_MAX_PHOTO_MB * MIB,
        max_video_bytes=settings.CLEARPOST_MEDIA_MAX_VIDEO_MB * MIB,
        max_video_seconds=float(settings.CLEARPOST_MEDIA_MAX_VIDEO_SECONDS),
    )


def max_bytes_for(kind: str) -> int:
    lim = limits()
    return lim.max_video_bytes if kind == "video" else lim.max_still_bytes


def check(path: Path) -> Accepted:
    """Refuse (UploadRefused) or describe one uploaded file. Never stores anything."""
    try:
        sniffed = sniff_file(path)
        size = path.stat().st_size
        kind = "video" if sniffed.kind == "video" else "photo"
        check_file_size(size, sniffed.kind, limits())
        if kind == "video":
            from clearpost.engine.media.containers.movie import probe

            probe(path, limits())
        else:
            from clearpost.engine.media.scrub import ScrubOptions, scrub_file

            outcome = scrub_file(path, ScrubOptions(limits=limits()))
            if outcome.temp_path is not None:
                outcome.temp_path.unlink(missing_ok=True)
            if outcome.report.status != "cleared":
                raise UploadRefused(outcome.report.reason or "HIPAA-DEID-METADATA: refused")
    except Refusal as refusal:
        raise UploadRefused(refusal.reason) from None
    except OSError as exc:
        raise UploadRefused(
            f"HIPAA-DEID-METADATA: the file cannot be read ({exc.strerror})"
        ) from None
    return Accepted(kind, sniffed.format, sniffed.ext, size, sha256(path), capture_date(path))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while data := fh.read(MIB):
            h.update(data)
    return h.hexdigest()


_DATE_TAGS = ("DateTimeOriginal", "CreateDate", "CreationDate", "MediaCreateDate")
_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def capture_date(path: Path) -> dt.datetime | None:
    """The capture date from the metadata, read BEFORE scrubbing removes it (pairs need
    it for the time between before and after). None when absent or unreadable."""
    try:
        from clearpost.engine.media.exiftool import shared

        tags = shared().read(path)
    except Exception:  # no date is an answer; the pair form lets staff enter one
        return None
    for wanted in _DATE_TAGS:
        for key, value in tags.items():
            if key.rsplit(":", 1)[-1] != wanted:
                continue
            found = _DATE.search(str(value))
            if found and not found.group(1).startswith("0000"):
                try:
                    y, mo, d, h, mi, se = (int(g) for g in found.groups())
                    return dt.datetime(y, mo, d, h, mi, se, tzinfo=dt.UTC)
                except ValueError:
                    continue
    return None
