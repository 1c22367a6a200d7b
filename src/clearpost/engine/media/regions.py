"""Manual redaction regions (`clearpost deid --regions FILE.json`).

Faces and text are found automatically; tattoos, birthmarks, jewellery, a mirror or a
room are not (HIPAA-DEID-UNIQUE-FEATURES), so a person marks them. The format is what a
web drawing tool naturally produces: one entry per file, keyed by the input's SHA-256
(stable when the file is renamed or moved) or by its path as given, each region a box
or a polygon in pixels of the upright (orientation-corrected) image, as shown on screen:

    {"version": 1,
     "files": {
       "<sha256 or path>": {
         "regions": [
           {"box": [x, y, w, h], "label": "tattoo"},
           {"polygon": [[x, y], [x, y], [x, y]], "label": "birthmark"},
           {"box": [x, y, w, h], "frames": [start, end]},      # video, inclusive
           {"box": [x, y, w, h], "time": [start_s, end_s]},    # video, seconds
           {"keyframes": [{"t": 0.0, "box": [x, y, w, h]},      # video, follows
                          {"t": 2.5, "box": [x, y, w, h]}]}     # the picture
         ]}}}

A keyframed region (video) is a box that moves and resizes with the content: at a
time between two keyframes its box is interpolated linearly; before the first and
after the last keyframe it holds that keyframe's box. Times are seconds from the start
of the video, strictly increasing. "time" or "frames" may still limit when it applies.

The parser is strict: unknown keys, a missing version, non-finite or negative numbers,
polygons with fewer than 3 points are errors with the JSON path in the message, so a
typo can never silently leave a tattoo unredacted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from clearpost.engine.media.redact import Region
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.rules import FEATURE_RULE


class _HasRegionsPath(Protocol):
    @property
    def regions_path(self) -> Path | None: ...


VERSION = 1
MAX_BYTES = 16 * 1024 * 1024
MAX_REGIONS = 10_000
MAX_POINTS = 10_000
_REGION_KEYS = {"box", "polygon", "keyframes", "label", "frames", "time", "shape"}
Box = tuple[float, float, float, float]


class RegionsError(ValueError):
    """The regions file is not valid; the message says where and why."""


@dataclass(frozen=True, slots=True)
class ManualRegion:
    region: Region
    label: str = ""
    frames: tuple[int, int] | None = None
    time: tuple[float, float] | None = None
    keyframes: tuple[tuple[float, Box], ...] = ()

    def active(self, frame_index: int, t_seconds: float) -> bool:
        """Does this region apply to a given video frame? Stills use frame 0, t 0."""
        if self.frames is not None and not self.frames[0] <= frame_index <= self.frames[1]:
            return False
        return self.time is None or self.time[0] <= t_seconds <= self.time[1]

    def at(self, frame_index: int, t_seconds: float) -> Region | None:
        """The region to redact on one frame (None when it does not apply there): a
        keyframed region's box is interpolated between the keyframes around the time."""
        if not self.active(frame_index, t_seconds):
            return None
        if not self.keyframes:
            return self.region
        return Region.from_box(box_at(self.keyframes, t_seconds), 1.0, self.region.shape)


def box_at(keyframes: tuple[tuple[float, Box], ...], t: float) -> Box:
    """Linear interpolation between keyframes, held before the first and after the last."""
    if t <= keyframes[0][0]:
        return keyframes[0][1]
    for (t0, b0), (t1, b1) in pairwise(keyframes):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            x, y, w, h = (a + (b - a) * f for a, b in zip(b0, b1, strict=True))
            return (x, y, w, h)
    return keyframes[-1][1]


@dataclass(frozen=True, slots=True)
class RegionsFile:
    files: dict[str, tuple[ManualRegion, ...]]

    def for_file(self, sha256: str | None, path: str) -> tuple[ManualRegion, ...]:
        """Regions for one input: by content hash first, else by the path as given."""
        if sha256 and sha256.lower() in self.files:
            return self.files[sha256.lower()]
        return self.files.get(path, self.files.get(Path(path).as_posix(), ()))


def load_regions(path: Path) -> RegionsFile:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RegionsError(f"{path}: regions file is larger than {MAX_BYTES} bytes")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise RegionsError(f"{path}: cannot read the regions file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise RegionsError(f"{path}: the regions file is not UTF-8") from None
    return parse_regions(text)


def parse_regions(text: str) -> RegionsFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegionsError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(doc, dict):
        raise RegionsError("the top level must be an object with 'version' and 'files'")
    unknown = set(doc) - {"version", "files"}
    if unknown:
        raise RegionsError(f"unknown top-level keys: {sorted(unknown)}")
    if doc.get("version") != VERSION:
        raise RegionsError(f"'version' must be {VERSION}")
    files = doc.get("files")
    if not isinstance(files, dict):
        raise RegionsError("'files' must be an object keyed by input sha256 or path")
    out: dict[str, tuple[ManualRegion, ...]] = {}
    total = 0
    for key, entry in files.items():
        where = f"files[{key!r}]"
        if not isinstance(entry, dict) or set(entry) - {"regions"}:
            raise RegionsError(f"{where} must be an object with only 'regions'")
        regions = entry.get("regions")
        if not isinstance(regions, list):
            raise RegionsError(f"{where}.regions must be a list")
        total += len(regions)
        if total > MAX_REGIONS:
            raise RegionsError(f"more than {MAX_REGIONS} regions in total")
        parsed = tuple(_region(r, f"{where}.regions[{i}]") for i, r in enumerate(regions))
        norm = key.lower() if _is_sha256(key) else key
        out[norm] = parsed
    return RegionsFile(out)


def _is_sha256(key: str) -> bool:
    return len(key) == 64 and all(c in "0123456789abcdefABCDEF" for c in key)


def _num(value: Any, where: str, *, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RegionsError(f"{where} must be a finite number")
    if minimum is not None and value < minimum:
        raise RegionsError(f"{where} must be >= {minimum:g}")
    return float(value)


def _pair(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise RegionsError(f"{where} must be a list of two numbers")
    a, b = _num(value[0], f"{where}[0]"), _num(value[1], f"{where}[1]")
    if b < a:
        raise RegionsError(f"{where}: the end comes before the start")
    return a, b


def _region(raw: Any, where: str) -> ManualRegion:
    if not isinstance(raw, dict):
        raise RegionsError(f"{where} must be an object")
    unknown = set(raw) - _REGION_KEYS
    if unknown:
        raise RegionsError(f"{where}: unknown keys {sorted(unknown)}")
    if sum(k in raw for k in ("box", "polygon", "keyframes")) != 1:
        raise RegionsError(f"{where} needs exactly one of 'box', 'polygon' or 'keyframes'")
    shape = raw.get("shape", "rect")
    if shape not in ("rect", "ellipse"):
        raise RegionsError(f"{where}.shape must be 'rect' or 'ellipse'")
    keyframes: tuple[tuple[float, Box], ...] = ()
    if "keyframes" in raw:
        keyframes = _keyframes(raw["keyframes"], f"{where}.keyframes")
        region = Region.from_box(keyframes[0][1], 1.0, shape)
    elif "box" in raw:
        region = Region.from_box(_box(raw["box"], f"{where}.box"), 1.0, shape)
    else:
        poly = raw["polygon"]
        if not isinstance(poly, list) or not 3 <= len(poly) <= MAX_POINTS:
            raise RegionsError(f"{where}.polygon must be a list of 3 to {MAX_POINTS} points")
        points = tuple(_pair_point(p, f"{where}.polygon[{i}]") for i, p in enumerate(poly))
        region = Region(points, shape)
    label = raw.get("label", "")
    if not isinstance(label, str) or len(label) > 200:
        raise RegionsError(f"{where}.label must be a string of at most 200 characters")
    frames = None
    if "frames" in raw:
        a, b = _pair(raw["frames"], f"{where}.frames")
        if a != int(a) or b != int(b):
            raise RegionsError(f"{where}.frames must be whole frame numbers")
        frames = (int(a), int(b))
    times = _pair(raw["time"], f"{where}.time") if "time" in raw else None
    return ManualRegion(region, label, frames, times, keyframes)


def _box(box: Any, where: str) -> Box:
    if not isinstance(box, list) or len(box) != 4:
        raise RegionsError(f"{where} must be [x, y, w, h]")
    x, y, w, h = (_num(v, f"{where}[{i}]") for i, v in enumerate(box))
    if w <= 0 or h <= 0:
        raise RegionsError(f"{where} width and height must be positive")
    return (x, y, w, h)


def _keyframes(raw: Any, where: str) -> tuple[tuple[float, Box], ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_POINTS:
        raise RegionsError(f"{where} must be a list of 1 to {MAX_POINTS} keyframes")
    out: list[tuple[float, Box]] = []
    for i, kf in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(kf, dict) or set(kf) != {"t", "box"}:
            raise RegionsError(f"{at} must be an object with only 't' and 'box'")
        t = _num(kf["t"], f"{at}.t")
        if out and t <= out[-1][0]:
            raise RegionsError(f"{at}.t must be later than the keyframe before it")
        out.append((t, _box(kf["box"], f"{at}.box")))
    return tuple(out)


def _pair_point(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise RegionsError(f"{where} must be [x, y]")
    return _num(value[0], f"{where}[0]"), _num(value[1], f"{where}[1]")


_REGIONS: dict[Path, RegionsFile] = {}


def manual_regions_for(options: _HasRegionsPath, sha: str, shown: str) -> tuple[ManualRegion, ...]:
    """The manual regions of one input (by SHA-256 or path as given), from the regions
    file named in the options; a regions file is parsed once per process. An invalid
    file refuses the input (a typo must never leave a tattoo unredacted)."""
    if options.regions_path is None:
        return ()
    if options.regions_path not in _REGIONS:
        try:
            _REGIONS[options.regions_path] = load_regions(options.regions_path)
        except RegionsError as exc:
            raise Refusal(FEATURE_RULE, f"the regions file is invalid: {exc}") from None
    return _REGIONS[options.regions_path].for_file(sha, shown)
