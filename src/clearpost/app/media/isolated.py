"""One file's de-identification in a child process (spawned, never forked).

Why: a decoder crash or an out-of-memory kill on one hostile or huge file must cost
that one file (refused, with a reason), not the task worker that serves every
practice; and the engine's per-process caches (loaded models, parsed regions files)
never carry anything from one practice's file to the next. The child gets plain data
(paths and the engine's options), never Django; progress comes back through a queue
and is passed on by the parent. Cost: one interpreter start and model load per file
(a few seconds), small beside de-identification itself.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

RULE = "HIPAA-DEID-SAFE-HARBOR-18"


def _child(plain: str, shown: str, options: Any, out: str, progress: Any) -> dict[str, Any]:
    from clearpost.engine.media.batch import FileOutcome, InputFile, run_one
    from clearpost.engine.media.deid import deid_file

    def report_progress(stage: str, done: int, total: int) -> None:
        try:
            progress.put_nowait((stage, done, total))
        except Exception:  # progress is a courtesy; the work must go on without it
            return

    def process(path: Path, opts: Any) -> FileOutcome:
        return deid_file(path, opts, progress=report_progress)

    return run_one(process, InputFile(Path(plain), shown), options, Path(out)).to_dict()


def _drain(q: Any, on_progress: Callable[[str, int, int], None]) -> None:
    latest = None
    while True:
        try:
            latest = q.get_nowait()
        except (queue.Empty, EOFError, OSError):
            break
    if latest is not None:
        on_progress(*latest)


def deid_in_child(
    plain: Path,
    shown: str,
    options: Any,
    out: Path,
    on_progress: Callable[[str, int, int], None],
) -> dict[str, Any]:
    """The engine's per-file report as a dict; a crashed child is a refusal."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        q = manager.Queue()
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            future = pool.submit(_child, str(plain), shown, options, str(out), q)
            while not future.done():
                time.sleep(0.25)
                _drain(q, on_progress)
            _drain(q, on_progress)
            try:
                result: dict[str, Any] = future.result()
            except BrokenProcessPool:
                from clearpost.engine.media.report import FileReport, reason

                crashed = FileReport(input=shown)
                crashed.refuse(
                    reason(
                        RULE, "the de-identification process crashed (memory or a decoder fault)"
                    )
                )
                result = crashed.to_dict()
    return result
