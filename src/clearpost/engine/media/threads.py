"""How many threads a model runtime may use in this process.

A batch of N worker processes each running onnxruntime on every core would ask for
N x cores threads and thrash; the batch runner gives each worker its share through
the environment, and the detectors read it here.
"""

from __future__ import annotations

import os

THREADS_ENV = "CLEARPOST_MEDIA_THREADS"


def share_cores(threads: int) -> None:
    """Process-pool initializer: this worker's runtimes use `threads` threads."""
    os.environ[THREADS_ENV] = str(max(1, threads))


def worker_threads() -> int:
    raw = os.environ.get(THREADS_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else (os.cpu_count() or 1)
