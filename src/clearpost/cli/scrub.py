"""`clearpost scrub IN... --out DIR [--report FILE.json] [--workers N]`.

Metadata only: pixels and video streams are copied where the format allows. The
report (JSON, one entry per input) goes to --report, or to standard output; a one-line
summary goes to standard error. Exit 0 when every file was cleared, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clearpost.engine.media.batch import (
    exit_status,
    report_overwrites_input,
    run_batch,
    write_report,
)
from clearpost.engine.media.report import reports_to_json
from clearpost.engine.media.scrub import ScrubOptions, scrub_file


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("--workers needs a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--workers must be at least 1")
    return n


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="IN", help="files or folders (recursed)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument("--report", type=Path, metavar="FILE.json", help="write the report here")
    parser.add_argument(
        "--workers", type=_workers, default=None, metavar="N", help="processes (default: all cores)"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: when stderr is a terminal)",
    )


def run(name: str, args: argparse.Namespace) -> int:
    out_dir: Path = args.out
    if out_dir.exists() and not out_dir.is_dir():
        print(f"clearpost {name}: --out {out_dir} exists and is not a folder", file=sys.stderr)
        return 2
    missing = [p for p in args.inputs if not Path(p).exists()]
    if missing:
        print(f"clearpost {name}: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.report and report_overwrites_input(args.report, args.inputs):
        print(f"clearpost {name}: --report {args.report} is one of the inputs", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = run_batch(
        [Path(p) for p in args.inputs],
        out_dir,
        scrub_file,
        ScrubOptions(),
        workers=args.workers,
        progress=args.progress,
    )
    if args.report:
        write_report(reports, args.report)
    else:
        sys.stdout.write(reports_to_json(reports))
    cleared = sum(r.status == "cleared" for r in reports)
    print(
        f"clearpost {name}: {cleared} of {len(reports)} files cleared, "
        f"{len(reports) - cleared} not cleared",
        file=sys.stderr,
    )
    return exit_status(reports)
