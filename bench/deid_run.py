"""Run one tool on one file in a fresh process and print its time and peak memory as JSON.

`python -m bench.deid_run clearpost IN OUTDIR` or `python -m bench.deid_run deface IN OUT`.
A fresh process per run makes peak memory (VmHWM, bench/peak.py) the tool's own, not the
benchmark's. ClearPost is timed warm (models loaded on a small file first, as in a
long-lived worker); its load time is printed separately. deface is timed as its CLI
runs (its model load is ~0.2 s of it).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.peak import peak_mb


def _clearpost(src: Path, out: Path) -> dict[str, object]:
    import numpy as np
    from PIL import Image

    from clearpost.engine.media.batch import collect_inputs, run_one
    from clearpost.engine.media.deid import DeidOptions, deid_file

    warm = out / "warm.png"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(warm)
    t = time.perf_counter()
    run_one(deid_file, collect_inputs([warm])[0], DeidOptions(), out / "warm")
    load = time.perf_counter() - t
    t = time.perf_counter()
    report = run_one(deid_file, collect_inputs([src])[0], DeidOptions(), out / "out")
    took = time.perf_counter() - t
    return {
        "seconds": took,
        "load_seconds": load,
        "status": report.status,
        "reason": report.reason,
        "output": report.output,
        "faces": len(report.faces),
        "timings_ms": report.timings_ms,
    }


def _deface(src: Path, out: Path) -> dict[str, object]:
    from deface import deface

    argv = sys.argv
    t = time.perf_counter()
    sys.argv = ["deface", str(src), "-o", str(out)]
    try:
        deface.main()
    finally:
        sys.argv = argv
    return {"seconds": time.perf_counter() - t, "status": "done", "output": str(out)}


def main() -> None:
    tool, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = _clearpost(src, out) if tool == "clearpost" else _deface(src, out)
    after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of the whole run (ClearPost's includes its warm-up): steadier than wall
    # time when other jobs share the cores.
    result["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["peak_mb"] = peak_mb()
    print("BENCH-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
