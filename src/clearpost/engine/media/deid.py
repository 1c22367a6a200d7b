"""`clearpost deid` per file: the entry points; the work is a chain of stages.

A still runs `still.STILL_CHAIN` (sniff, scrub, decode upright, detect with the
injected detector units, redact, encode, verify the output; still.py says why in that
order); a video leaves the chain after sniffing for video.py's two-pass path. The CLI
(`clearpost deid`), the batch runner, the web app's task and bench/ call `deid_file`.

The names below the entry points are re-exported from the modules that now own them
(rules, options, detectors, regions, verify) for callers written before the split;
new code imports them from those modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from clearpost.engine.media.batch import FileOutcome
from clearpost.engine.media.detectors import (
    TEXT_GROW,
    Detector,
    Detectors,
    detectors_for,
    face_region,
    text_region,
)
from clearpost.engine.media.options import DeidOptions, Progress, no_progress
from clearpost.engine.media.regions import manual_regions_for
from clearpost.engine.media.rules import FACE_RULE, FEATURE_RULE, META_RULE, TEXT_RULE
from clearpost.engine.media.stages import Stage, run_chain
from clearpost.engine.media.still import (
    ESCALATIONS,
    STILL_CHAIN,
    STILL_STEPS,
    TEXT_INSIDE,
    still_context,
)
from clearpost.engine.media.verify import not_redacted
from clearpost.engine.media.verify import outside as _outside

__all__ = [
    "ESCALATIONS",
    "FACE_RULE",
    "FEATURE_RULE",
    "META_RULE",
    "STILL_STEPS",
    "TEXT_GROW",
    "TEXT_INSIDE",
    "TEXT_RULE",
    "DeidOptions",
    "Detectors",
    "Progress",
    "_outside",
    "deid_file",
    "deid_still_bytes",
    "detectors_for",
    "face_region",
    "manual_regions_for",
    "not_redacted",
    "run_still",
    "text_region",
]


def deid_file(path: Path, options: DeidOptions, *, progress: Progress | None = None) -> FileOutcome:
    """The `process` function of `clearpost deid` for the batch runner.

    `progress(stage, done, total)`, if given, is called as the work advances: for a
    still, `done`/`total` count the steps of STILL_STEPS; for a video they count frames
    (`total` is 0 when the container does not say how many frames it has). The last call
    is always ("done", n, n) for a file that got that far."""
    return run_still(path, options, progress=progress)


def run_still(
    path: Path,
    options: DeidOptions,
    *,
    progress: Progress | None = None,
    units: Sequence[Detector] | None = None,
    chain: Sequence[Stage] = STILL_CHAIN,
) -> FileOutcome:
    """`deid_file` with its parts injectable: the detector units (default: the
    registered ones, detectors/__init__.py) and the chain of stages (default:
    still.STILL_CHAIN). Tests inject a fake detector or a failing stage here."""
    ctx = still_context(path, options, progress or no_progress, units)
    return run_chain(chain, ctx)


def deid_still_bytes(
    base: FileOutcome, path: Path, options: DeidOptions, *, progress: Progress | None = None
) -> FileOutcome:
    """Redact an already scrubbed still (bytes in `base`): the chain after its scrub."""
    ctx = still_context(path, options, progress or no_progress)
    ctx.scrubbed, ctx.report = base, base.report
    names = [s.name for s in STILL_CHAIN]
    return run_chain(STILL_CHAIN[names.index("decode") :], ctx)
