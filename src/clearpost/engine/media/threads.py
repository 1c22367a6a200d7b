"""How many cores a model runtime may use in this process, and how it uses them.

A batch of N worker processes each running onnxruntime on every core would ask for
N x cores threads and thrash; the batch runner gives each worker its share through
the environment, and the detectors read it here.

Why one runtime thread per call and parallelism here instead: measured on this
machine kind (2 cores, a 12 MP photo), onnxruntime with two intra-op threads spent
about 45 % more CPU than with one for the same detections (its threads spin while
they wait for each other on small layers), and two detectors each asking for both
cores fought over them. So every model session runs on one thread, and the work is
split where it splits cleanly: pyramid tiles, verification windows, and face and text
detection side by side. Sessions are safe to run from several threads at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

THREADS_ENV = "CLEARPOST_MEDIA_THREADS"
T = TypeVar("T")
R = TypeVar("R")
_POOLS: dict[int, ThreadPoolExecutor] = {}


def share_cores(threads: int) -> None:
    """Process-pool initializer: this worker's runtimes use `threads` threads."""
    os.environ[THREADS_ENV] = str(max(1, threads))


def worker_threads() -> int:
    raw = os.environ.get(THREADS_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else (os.cpu_count() or 1)


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[fn(x) for x in items]` on this process's share of the cores, in order.

    Only leaf work goes through here (one model call per item): a task that itself
    called `parallel_map` could wait on a pool its caller fills. The first error is
    raised, so a failing tile fails the whole detection (callers fail closed)."""
    todo = list(items)
    n = worker_threads()
    if n <= 1 or len(todo) <= 1:
        return [fn(x) for x in todo]
    pool = _POOLS.get(n)
    if pool is None:
        pool = _POOLS[n] = ThreadPoolExecutor(max_workers=n, thread_name_prefix="cp-model")
    return list(pool.map(fn, todo))
