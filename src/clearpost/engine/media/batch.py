"""Run one per-file function over many inputs, in parallel, failing per file, never per batch.

`scrub` and `deid` share this runner: each passes its own `process(path, options)`
returning a `FileOutcome`. The runner owns what must be the same for both: inputs
collected in a stable order, the input hash, output names derived from the output's
content hash (an input name can be a patient's name), atomic writes, the rule that a
file that is not cleared gets no output, and crash isolation (an exception or a dead
worker process turns into a `refused` report for that one file).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TextIO, TypeVar

from clearpost.engine.media.report import FileReport, Refusal, reason, reports_to_json
from clearpost.engine.media.threads import share_cores

O = TypeVar("O")  # noqa: E741 - the options type of a process function
RULE = "HIPAA-DEID-SAFE-HARBOR-18"
NAME_HEX = 32  # 128 bits of the output's SHA-256: unique, and says nothing of the input


@dataclass(slots=True)
class FileOutcome:
    """What a process function returns: the report and, when cleared, the output.

    Give the output either as `data` (bytes) or as `temp_path` (a file the function
    wrote, e.g. by ffmpeg; the runner moves it and deletes it if not cleared). `ext`
    is the output's extension with its dot (".jpg").
    """

    report: FileReport
    data: bytes | None = None
    temp_path: Path | None = None
    ext: str = ""


ProcessFn = Callable[[Path, O], FileOutcome]


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    shown: str  # the path as the user gave it (or folder/relative for recursed files)


def collect_inputs(inputs: Iterable[Path | str]) -> list[InputFile]:
    """Files as given, folders recursed (hidden entries skipped), in a stable order.

    Inside a folder, a symbolic link that leads out of that folder is not followed: a
    link in a shared upload folder must not make the tool read (and copy) other files.
    """
    out: list[InputFile] = []
    seen: set[str] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found: list[Path] = []
            top = p.resolve()
            for root, dirs, files in os.walk(p):  # never descends into linked folders
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(root) / f
                    for f in files
                    if not f.startswith(".") and (Path(root) / f).resolve().is_relative_to(top)
                )
            candidates = sorted(found, key=lambda q: q.as_posix())
        else:
            candidates = [p]
        for c in candidates:
            key = os.path.abspath(c)
            if key not in seen:
                seen.add(key)
                out.append(InputFile(c, str(c)))
    return out


def report_overwrites_input(report: Path, inputs: Iterable[Path | str]) -> bool:
    """True when writing the report would replace one of the inputs."""
    target = report.resolve()
    return any(f.path.resolve() == target for f in collect_inputs(inputs))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and os.replace: never half a file.

    No fsync per file: a crash of this process can never leave a partial output (the
    rename is atomic); fsync only adds power-loss durability, at several ms per file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _move_atomic(src: Path, out_dir: Path, name: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".partial-")
    os.close(fd)
    try:
        shutil.move(str(src), tmp)
        final = out_dir / name
        os.replace(tmp, final)
        return final
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _finish(outcome: FileOutcome, out_dir: Path) -> None:
    report = outcome.report
    if report.status != "cleared":
        report.output = report.output_sha256 = None
        return
    if outcome.data is not None:
        digest = hashlib.sha256(outcome.data).hexdigest()
        final = out_dir / f"{digest[:NAME_HEX]}{outcome.ext}"
        atomic_write_bytes(final, outcome.data)
    elif outcome.temp_path is not None:
        digest = sha256_file(outcome.temp_path)
        final = _move_atomic(outcome.temp_path, out_dir, f"{digest[:NAME_HEX]}{outcome.ext}")
    else:
        report.refuse(reason(RULE, "no output was produced for a file marked cleared"))
        return
    report.output = str(final)
    report.output_sha256 = digest


def run_one(process: ProcessFn[O], item: InputFile, options: O, out_dir: Path) -> FileReport:
    """Process one file completely (including the write); never raises."""
    t0 = time.perf_counter()
    outcome: FileOutcome | None = None
    try:
        input_sha = sha256_file(item.path)
    except OSError as exc:
        report = FileReport(input=item.shown)
        report.refuse(reason(RULE, f"the file cannot be read ({exc.strerror or exc})"))
        return report
    try:
        outcome = process(item.path, options)
        report = outcome.report
        report.input, report.input_sha256 = item.shown, input_sha
        _finish(outcome, out_dir)
    except Refusal as refusal:
        report = FileReport(input=item.shown, input_sha256=input_sha)
        if outcome is not None:
            report = outcome.report
            report.input, report.input_sha256 = item.shown, input_sha
        report.refuse(refusal.reason)
    except Exception as exc:  # fail closed: a bug in one file's processing refuses that file
        report = FileReport(input=item.shown, input_sha256=input_sha)
        report.refuse(reason(RULE, f"processing failed ({type(exc).__name__}: {exc}); not cleared"))
    finally:
        if outcome is not None and outcome.temp_path is not None:
            outcome.temp_path.unlink(missing_ok=True)
    report.timings_ms["total"] = round((time.perf_counter() - t0) * 1000)
    return report


class _Progress:
    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.stream, self.done, self.failed = total, stream, 0, 0

    def update(self, report: FileReport) -> None:
        self.done += 1
        self.failed += report.status != "cleared"
        if self.stream is not None:
            self.stream.write(
                f"\r{self.done}/{self.total} files, {self.done - self.failed} cleared, "
                f"{self.failed} not cleared"
            )
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


@dataclass(slots=True)
class _Batch(Generic[O]):
    process: ProcessFn[O]
    options: O
    out_dir: Path


def _crash_report(item: InputFile) -> FileReport:
    report = FileReport(input=item.shown)
    with contextlib.suppress(OSError):
        report.input_sha256 = sha256_file(item.path)
    report.refuse(
        reason(RULE, "the worker processing this file crashed (out of memory or a decoder fault)")
    )
    return report


def _run_pool(
    batch: _Batch[O], items: list[InputFile], workers: int, progress: _Progress
) -> tuple[dict[int, FileReport], list[int]]:
    """Run items in a pool; return finished reports and the indexes a pool crash lost."""
    done: dict[int, FileReport] = {}
    lost: list[int] = []
    ctx = multiprocessing.get_context("spawn")  # no fork: model runtimes hold threads
    share = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=share_cores, initargs=(share,)
    ) as pool:
        futures: list[tuple[int, Future[FileReport]]] = [
            (i, pool.submit(run_one, batch.process, item, batch.options, batch.out_dir))
            for i, item in enumerate(items)
        ]
        for i, fut in futures:
            try:
                done[i] = fut.result()
                progress.update(done[i])
            except BrokenProcessPool:
                lost.append(i)
    return done, lost


def run_batch(
    inputs: Sequence[Path | str],
    out_dir: Path,
    process: ProcessFn[O],
    options: O,
    *,
    workers: int | None = None,
    progress: bool | None = None,
) -> list[FileReport]:
    """Process every input; reports come back in input order, one per file.

    `process` must be a module-level function (it is sent to worker processes).
    `workers` defaults to all cores; 1 runs in this process. `progress` defaults to
    "stderr is a terminal".
    """
    items = collect_inputs(inputs)
    show = sys.stderr.isatty() if progress is None else progress
    prog = _Progress(len(items), sys.stderr if show else None)
    n = max(1, min(workers or os.cpu_count() or 1, len(items) or 1))
    batch = _Batch(process, options, out_dir)
    if n == 1:
        reports = []
        for item in items:
            reports.append(run_one(process, item, options, out_dir))
            prog.update(reports[-1])
        return reports
    done, lost = _run_pool(batch, items, n, prog)
    for i in lost:  # a crash loses every file in flight: retry each alone to find the culprit
        retry, still_lost = _run_pool(batch, [items[i]], 1, prog)
        done[i] = retry[0] if not still_lost else _crash_report(items[i])
        if still_lost:
            prog.update(done[i])
    return [done[i] for i in range(len(items))]


def write_report(reports: list[FileReport], path: Path) -> None:
    atomic_write_bytes(path, reports_to_json(reports).encode("utf-8"))


def exit_status(reports: list[FileReport]) -> int:
    """0 when every file was cleared, 1 when any was refused or failed verification."""
    return 0 if all(r.status == "cleared" for r in reports) else 1
