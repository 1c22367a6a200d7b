"""CPU time of the redaction step and its checks on the bench's 12 MP crowd photo.

`python -m bench.deid_redact_speed` (this tree) or, for a before figure,
`PYTHONPATH=<src dir of an older commit> python -m bench.deid_redact_speed`. Times are
CPU seconds of this process (`resource.getrusage`), best of 3, so other jobs on the
shared cores disturb them less than wall time.
"""

from __future__ import annotations

import resource
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from clearpost.engine.media import verify
from clearpost.engine.media.redact import GROW, Region, redact, union_mask

from .deid_inputs import crowd_photo


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _best(fn: Callable[[], Any], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t = _cpu()
        fn()
        best = min(best, _cpu() - t)
    return best


def main() -> None:
    try:
        from clearpost.engine.media.verify import not_redacted
    except ImportError:  # before issue 10's split it lived in deid.py
        from clearpost.engine.media.deid import not_redacted

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crowd.jpg"
        boxes = crowd_photo(path)
        rgb = np.asarray(Image.open(path).convert("RGB")).copy()
    regions = [Region.from_box(b, GROW) for b in boxes]
    styles: list[Any] = ["pixelate"] * len(regions)
    out = redact(rgb, regions, "pixelate")
    mask = union_mask(regions, *rgb.shape[:2])
    total = 0.0
    for name, fn in (
        ("redact", lambda: redact(rgb, regions, "pixelate")),
        ("not_redacted", lambda: not_redacted(out, regions, styles)),
        ("changed_outside", lambda: verify.changed_outside(out, rgb, mask)),
    ):
        took = _best(fn)
        total += took
        print(f"{name:16s} {took * 1000:6.0f} ms CPU (best of 3), {len(regions)} regions")
    print(f"{'total':16s} {total * 1000:6.0f} ms CPU")


if __name__ == "__main__":
    main()
