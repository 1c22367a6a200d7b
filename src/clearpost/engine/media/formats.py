"""The one table of formats: per sniffed format, its kind, extension, how the scrub
step cleans it (and with which stripper) and what a de-identified file leaves as.

Why one table: before, the same facts lived in six places (sniff's kinds and
extensions, scrub's lossless/converted sets and extensions, deid's output formats and
extensions, the container strippers, the video remux/convert sets, encode's still
formats) and a new format had to be added to each by hand; a format present in one and
missing in another was refused, or worse, handled by the wrong branch. Now sniffing,
scrubbing, re-encoding and the video rewrite all read this table, and a test checks
that every row is complete for its handling (a stripper where one is needed, an output
format for every kind, a reason for every refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from clearpost.engine.media.containers.common import Stripped
from clearpost.engine.media.containers.gif import strip_gif
from clearpost.engine.media.containers.isobmff import strip_heif
from clearpost.engine.media.containers.jpeg import strip_jpeg
from clearpost.engine.media.containers.png import strip_png
from clearpost.engine.media.containers.webp import strip_webp

Kind = Literal["still", "raw", "video"]
# Formats a still is written in by `encode_still` (from bare pixels).
StillFormat = Literal["jpeg", "png", "webp", "heic"]
# How the scrub step cleans a format:
# - strip: lossless container rewrite by `stripper`, pixels untouched;
# - convert: decoded and re-encoded losslessly (PNG) as `scrubbed`;
# - develop: camera RAW developed and written as `scrubbed` (JPEG);
# - remux: ffmpeg stream copy into the same container family, then a box check;
# - transcode: re-encoded to H.264/AAC MP4 (containers ffmpeg cannot copy cleanly);
# - refuse: no decoder here; refused with `why`.
Handling = Literal["strip", "convert", "develop", "remux", "transcode", "refuse"]
Stripper = Callable[[bytes], Stripped]


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # the sniffed format
    kind: Kind
    ext: str  # extension, with dot, of a file kept in this format
    handling: Handling
    stripper: Stripper | None = None  # handling == "strip"
    # The format the scrub step writes (itself when stripped losslessly).
    scrubbed: str = ""
    # The format a de-identified file leaves as once its pixels changed: a still is
    # re-encoded from bare pixels (GIF/AVIF have no encoder here: PNG); a video
    # becomes H.264 MP4 (video.py).
    redacted: str = ""
    why: str = ""  # handling == "refuse": the reason a person can act on


def _still(name: str, ext: str, stripper: Stripper, redacted: StillFormat) -> Format:
    return Format(name, "still", ext, "strip", stripper, name, redacted)


def _converted(name: str, ext: str) -> Format:
    return Format(name, "still", ext, "convert", None, "png", "png")


def _raw(name: str) -> Format:
    return Format(name, "raw", f".{name}", "develop", None, "jpeg", "jpeg")


def _video(name: str, ext: str, handling: Handling) -> Format:
    scrubbed = name if name == "mov" else "mp4"
    return Format(name, "video", ext, handling, None, scrubbed, "mp4")


TABLE: tuple[Format, ...] = (
    _still("jpeg", ".jpg", strip_jpeg, "jpeg"),
    _still("png", ".png", strip_png, "png"),
    _still("gif", ".gif", strip_gif, "png"),
    _still("webp", ".webp", strip_webp, "webp"),
    _still("heic", ".heic", strip_heif, "heic"),
    _still("avif", ".avif", strip_heif, "png"),
    _converted("tiff", ".tif"),
    _converted("psd", ".psd"),
    _converted("bmp", ".bmp"),
    _converted("jp2", ".jp2"),
    Format(
        "jxl",
        "still",
        ".jxl",
        "refuse",
        why="jxl files cannot be decoded or cleaned here; convert to JPEG or PNG",
    ),
    *(_raw(n) for n in ("dng", "cr2", "cr3", "nef", "arw", "pef", "orf", "rw2", "raf", "raw")),
    _video("mp4", ".mp4", "remux"),
    _video("mov", ".mov", "remux"),
    _video("m4v", ".m4v", "remux"),
    _video("avi", ".avi", "transcode"),
    _video("wmv", ".wmv", "transcode"),
    _video("mkv", ".mkv", "transcode"),
    _video("webm", ".webm", "transcode"),
    _video("mpegts", ".ts", "transcode"),
)
BY_NAME: dict[str, Format] = {f.name: f for f in TABLE}
STRIPPERS: dict[str, Stripper] = {f.name: f.stripper for f in TABLE if f.stripper is not None}
STILL_FORMATS: tuple[StillFormat, ...] = ("jpeg", "png", "webp", "heic")


def lookup(name: str) -> Format:
    """The row of a sniffed format (KeyError for a name the sniffer never returns)."""
    return BY_NAME[name]


def names(handling: Handling) -> frozenset[str]:
    return frozenset(f.name for f in TABLE if f.handling == handling)


def ext_of(name: str) -> str:
    """Extension of a file written in format `name` (a row's name or a StillFormat)."""
    return BY_NAME[name].ext


def redacted_still(ext: str) -> StillFormat:
    """The still format a redacted image is re-encoded in, from the extension of the
    scrubbed file it was decoded from (the scrub step may already have converted it)."""
    for f in TABLE:
        if f.ext == ext and f.kind != "video" and f.redacted in STILL_FORMATS:
            return f.redacted
    return "png"
