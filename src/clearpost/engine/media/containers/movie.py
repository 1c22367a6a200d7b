"""MP4/MOV/M4V: remux with ffmpeg (streams copied, not re-encoded), then check and fix
the result at box level.

ffmpeg is the well-kept muxer: `-map 0:V -map 0:a?` keeps only real video and audio
(timed-metadata `mebx`, data, subtitle and cover-art tracks are dropped),
`-map_metadata -1 -map_chapters -1` drops global and per-stream tags, and
`-fflags +bitexact` stops it writing its own version and dates. Then we do not trust
it: `moov` is walked box by box, any `udta`, `meta`, `keys`, `ilst`, `uuid` or `XMP_`
left is removed, and every `mvhd`/`tkhd`/`mdhd` creation and modification time is
zeroed. AVI, WMV, MKV/WebM and MPEG-TS cannot carry the streams losslessly into MP4 in
general, so they are converted (H.264/AAC in MP4) and the report says so.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from clearpost.engine.media.containers.common import ContainerError
from clearpost.engine.media.containers.isobmff import Box, iter_boxes
from clearpost.engine.media.formats import lookup, names
from clearpost.engine.media.limits import DEFAULT_LIMITS, Limits, check_video
from clearpost.engine.media.report import Refusal

RULE = "HIPAA-DEID-METADATA"
# From the one formats table: stream copy for the MP4 family, re-encode for the rest.
REMUX = names("remux")
CONVERT = names("transcode")
_DROP = {b"udta", b"meta", b"keys", b"ilst", b"uuid", b"XMP_", b"Xtra", b"cprt", b"loci"}
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"}
_DATED = {b"mvhd", b"tkhd", b"mdhd"}
_TOP_OK = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"}


@dataclass(frozen=True, slots=True)
class VideoInfo:
    width: int
    height: int
    seconds: float | None
    frames: int | None
    streams: list[str]  # codec_type of every stream, e.g. ["video", "audio", "data"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise Refusal(RULE, f"video cannot be processed: {name} is not installed (Debian: ffmpeg)")
    return path


def probe(path: Path, limits: Limits = DEFAULT_LIMITS) -> VideoInfo:
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format",
             "-show_streams", str(path)],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        info = json.loads(proc.stdout or b"{}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        raise Refusal(RULE, "the video cannot be read (ffprobe failed)") from None
    streams = info.get("streams") or []
    video = [s for s in streams if s.get("codec_type") == "video"
             and not (s.get("disposition") or {}).get("attached_pic")]  # fmt: skip
    if proc.returncode != 0 or not video:
        raise Refusal(RULE, "the file has no readable video stream (corrupt or not a video)")
    v = video[0]
    width, height = int(v.get("width") or 0), int(v.get("height") or 0)
    seconds = _float((info.get("format") or {}).get("duration")) or _float(v.get("duration"))
    frames = int(v["nb_frames"]) if str(v.get("nb_frames", "")).isdigit() else None
    check_video(width, height, seconds, frames, limits)
    return VideoInfo(width, height, seconds, frames, [str(s.get("codec_type")) for s in streams])


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _run_ffmpeg(args: list[str], timeout: float) -> None:
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *args],
            capture_output=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise Refusal(RULE, "ffmpeg took too long on this video") from None
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise Refusal(RULE, f"ffmpeg could not rewrite the video: {tail[0][:200]}")


_CLEAN_FLAGS = [
    "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn",
    "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
]  # fmt: skip


def rewrite(src: Path, fmt: str, dst: Path, info: VideoInfo) -> tuple[str, list[str]]:
    """Write a clean video to `dst`; return (output format, what was removed)."""
    timeout = 120 + 20 * (info.seconds or 60)
    removed = [f"{kind} track" for kind in info.streams if kind not in ("video", "audio")]
    if fmt in REMUX:
        out_fmt = lookup(fmt).scrubbed  # mov stays mov, mp4/m4v become mp4
        args = ["-i", str(src), "-map", "0:V", "-map", "0:a?", "-c", "copy", *_CLEAN_FLAGS]
        _run_ffmpeg([*args, "-f", out_fmt, str(dst)], timeout)
    elif fmt in CONVERT:
        out_fmt = lookup(fmt).scrubbed
        args = ["-i", str(src), "-map", "0:V:0", "-map", "0:a:0?", "-c:v", "libx264",
                "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-vf",
                "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:a", "aac", "-b:a", "160k",
                *_CLEAN_FLAGS]  # fmt: skip
        _run_ffmpeg([*args, "-f", out_fmt, str(dst)], timeout * 4)
        removed.append(f"{fmt} container converted to H.264/AAC MP4 (re-encoded)")
    else:
        raise Refusal(RULE, f"{fmt} video is not supported")
    removed += clean_boxes(dst)
    return out_fmt, removed


def _walk(moov: bytearray, start: int, end: int, removed: list[str], path: str) -> bytearray:
    """A copy of moov[start:end] children with metadata boxes removed, dates zeroed."""
    out = bytearray()
    for box in iter_boxes(bytes(moov), start, end):
        raw = bytearray(moov[box.start : box.end])
        name = box.type.decode("latin-1")
        if box.type in _DROP or box.type.startswith(b"\xa9"):
            removed.append(f"QuickTime {path}/{name} box ({box.end - box.start} B)")
            continue
        if box.type in _CONTAINERS:
            inner = _walk(moov, box.body, box.end, removed, f"{path}/{name}")
            raw = bytearray(struct.pack(">I4s", len(inner) + 8, box.type)) + inner
        elif box.type in _DATED:
            h = box.header
            version = raw[h] if len(raw) > h else 0
            width = 8 if version == 1 else 4
            if len(raw) >= h + 4 + 2 * width:
                raw[h + 4 : h + 4 + 2 * width] = bytes(2 * width)
        out += raw
    return out


def clean_boxes(path: Path) -> list[str]:
    """Remove metadata boxes from moov and zero its dates, in place; return removals."""
    size = path.stat().st_size
    tops: list[Box] = []
    pos = 0
    with path.open("rb") as fh:
        while pos < size:
            fh.seek(pos)
            hdr = fh.read(16)
            if len(hdr) < 8:
                raise ContainerError("truncated top-level box")
            (bsize, btype) = struct.unpack(">I4s", hdr[:8])
            header = 8
            if bsize == 1:
                (bsize,) = struct.unpack(">Q", hdr[8:16])
                header = 16
            elif bsize == 0:
                bsize = size - pos
            if bsize < header or pos + bsize > size:
                raise ContainerError("box overruns the file")
            tops.append(Box(btype, pos, header, pos + bsize))
            pos += bsize
    unexpected = [b.type.decode("latin-1") for b in tops if b.type not in _TOP_OK]
    if unexpected:
        raise ContainerError(f"unexpected top-level boxes after remux: {unexpected}")
    with path.open("r+b") as fh:  # padding boxes keep their size but no content
        for b in tops:
            if b.type in (b"free", b"wide", b"skip") and b.end > b.body:
                fh.seek(b.body)
                fh.write(bytes(b.end - b.body))
    moovs = [b for b in tops if b.type == b"moov"]
    if len(moovs) != 1:
        raise ContainerError("the remuxed video has no single moov box")
    moov = moovs[0]
    with path.open("rb") as fh:
        fh.seek(moov.start)
        raw = bytearray(fh.read(moov.end - moov.start))
    removed: list[str] = []
    inner = _walk(raw, moov.header, len(raw), removed, "moov")
    new = struct.pack(">I4s", len(inner) + 8, b"moov") + bytes(inner)
    if len(new) != len(raw) and moov is not tops[-1]:
        raise ContainerError("cannot shrink a moov box that precedes the media data")
    with path.open("r+b") as fh:
        fh.seek(moov.start)
        fh.write(new)
        fh.truncate(moov.start + len(new))
        fh.flush()
        os.fsync(fh.fileno())
    return removed
