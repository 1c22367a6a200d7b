"""The still path of `clearpost deid` as an explicit chain of stages behind one protocol.

Modelled on paperless-ngx's consumer pipeline: a list of processors, read top to
bottom, each taking and returning plain data (`StillContext`, carried through the
chain). A stage either fills in the next piece of the context or ends the file
(`ctx.outcome` set: refused by the scrub step, handed to the video path, or verified).

Fail closed: a stage that raises `Refusal` refuses the file with its own reason; any
other exception is turned into a refusal naming the stage, so a bug in one stage can
never let a file out unchecked (and the batch still goes on with the next file).
Only the output of the last stage, after verification, is ever written.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from clearpost.engine.media.batch import FileOutcome
from clearpost.engine.media.detectors.base import Box, Detector, Detectors, Finding
from clearpost.engine.media.encode import ImageInfo, Pixels
from clearpost.engine.media.memory import release_freed_memory
from clearpost.engine.media.options import DeidOptions, Progress
from clearpost.engine.media.redact import Region, Style
from clearpost.engine.media.report import FileReport, Refusal
from clearpost.engine.media.rules import SAFE_HARBOR_RULE
from clearpost.engine.media.sniff import Sniffed
from clearpost.engine.media.verify import BlockSums


@dataclass
class Check:
    """What verification compares the output with: the regions that must be redacted,
    the doubtful face candidates to search again, and the block sums of the pixels
    that were encoded (verify.py's identity check needs no more of them)."""

    regions: list[Region]
    kinds: list[str]
    doubtful: list[Box]
    expected: BlockSums
    styles: list[Style]
    # Regions whose surroundings are searched; after an escalation only the new solid
    # fills (the rest of the output is proven unchanged by the identity check).
    focus: list[int] | None = None

    def searched(self, kinds: tuple[str, ...]) -> list[Box]:
        focus = range(len(self.regions)) if self.focus is None else self.focus
        return [self.regions[i].box() for i in focus if self.kinds[i] in kinds]


@dataclass
class StillContext:
    """Everything one file's chain knows so far; each stage fills in its part and drops
    what is no longer needed (a 90 MP image is 270 MB per copy: see `rgb`)."""

    path: Path
    options: DeidOptions
    progress: Progress
    units: Sequence[Detector]
    models: Detectors | None = None  # for verification's window search
    sniffed: Sniffed | None = None
    scrubbed: FileOutcome | None = None  # the scrub step's lossless bytes
    report: FileReport | None = None
    input_sha256: str = ""
    # The upright pixels: decoded, then redacted in place of the decoded copy, then
    # released once encoded (verification decodes the output bytes afresh).
    rgb: Pixels | None = None
    info: ImageInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    doubtful: list[Box] = field(default_factory=list)
    data: bytes | None = None  # the output bytes (scrubbed, or re-encoded)
    ext: str = ""
    check: Check | None = None
    outcome: FileOutcome | None = None  # set: the file is finished


class Stage(Protocol):
    """One step of the chain. `name` appears in progress and in a failure's reason."""

    name: str

    def __call__(self, ctx: StillContext) -> StillContext: ...


def run_chain(chain: Sequence[Stage], ctx: StillContext) -> FileOutcome:
    """Run the stages in order until one finishes the file; fail closed on any error.

    Freed memory goes back to the system before and after each file (memory.py), so a
    file's peak does not sit on top of what the files before it left in the heap."""
    release_freed_memory()
    try:
        return _run(chain, ctx)
    finally:
        release_freed_memory()


def _run(chain: Sequence[Stage], ctx: StillContext) -> FileOutcome:
    for stage in chain:
        t = time.perf_counter()
        try:
            ctx = stage(ctx)
        except Refusal:
            raise
        except Exception as exc:  # fail closed: a broken stage refuses the file
            raise Refusal(
                SAFE_HARBOR_RULE,
                f"the {stage.name} step failed ({type(exc).__name__}: {exc}); not cleared",
            ) from exc
        if ctx.report is not None:
            ctx.report.timings_ms[f"{stage.name}_ms"] = round((time.perf_counter() - t) * 1000)
        if ctx.outcome is not None:
            return ctx.outcome
    raise Refusal(
        SAFE_HARBOR_RULE,
        f"the chain ended after {chain[-1].name if chain else 'no'} step without a "
        "verified output; not cleared",
    )


def require(value: object, what: str) -> None:
    """A stage that runs without its input (a chain put together wrongly) fails closed."""
    if value is None:
        raise RuntimeError(f"{what} is missing: an earlier stage did not run")
