"""Peak resident memory of this process, as the benchmarks report it.

Why not `resource.getrusage(RUSAGE_SELF).ru_maxrss`: Linux keeps a process's maxrss
across fork and exec, so a fresh `python -m bench.deid_run` started by a benchmark that
already holds 3 GB reported 3286 MB for every tool in a full `bench deid` run (each row
the parent's peak, not the tool's). `VmHWM` in /proc/self/status is the high-water mark
of this process's own memory map, which exec replaces. Elsewhere, ru_maxrss.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def peak_mb() -> float:
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
