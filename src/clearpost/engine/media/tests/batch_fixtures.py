"""Module-level process functions for the batch tests (worker processes import them)."""

from __future__ import annotations

import os
from pathlib import Path

from clearpost.engine.media.batch import FileOutcome
from clearpost.engine.media.report import FileReport, Refusal


def copy_upper(path: Path, options: str) -> FileOutcome:
    data = path.read_bytes()
    if data.startswith(b"refuse"):
        raise Refusal("HIPAA-DEID-METADATA", "asked to refuse")
    if data.startswith(b"bug"):
        raise ValueError("a bug in one file's processing")
    if data.startswith(b"crash"):
        os._exit(3)  # a worker dying (segfault, OOM) must not stop the batch
    report = FileReport(input=str(path), format="txt", status="cleared")
    return FileOutcome(report, data=data.upper() + options.encode(), ext=".txt")


def temp_output(path: Path, options: str) -> FileOutcome:
    tmp = path.with_suffix(".partial-test")
    tmp.write_bytes(b"from a temp file")
    report = FileReport(input=str(path), status="cleared" if options == "ok" else "refused")
    return FileOutcome(report, temp_path=tmp, ext=".bin")
