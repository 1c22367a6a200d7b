"""`clearpost deid`: scrub, redact faces, burned-in text and manual regions, then verify.

The report (JSON, one entry per input) goes to --report, or to stdout when not given.
Exit status: 0 all cleared, 1 some refused or failed verification, 2 usage error.
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
from clearpost.engine.media.deid import DeidOptions, deid_file
from clearpost.engine.media.redact import STYLES
from clearpost.engine.media.regions import RegionsError, load_regions
from clearpost.engine.media.report import reports_to_json
from clearpost.engine.media.textregions import parse_allow_list


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="IN", help="files or folders (recursed)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument("--faces", choices=("redact", "keep"), default="redact")
    parser.add_argument("--style", choices=STYLES, default="pixelate")
    parser.add_argument("--text", choices=("redact", "keep"), default="redact")
    parser.add_argument("--audio", choices=("strip", "keep"), default="strip")
    parser.add_argument("--regions", type=Path, metavar="FILE.json", help="manual regions")
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="WORD",
        help="practice word whose text regions may stay (repeatable)",
    )
    parser.add_argument("--report", type=Path, metavar="FILE.json")
    parser.add_argument("--workers", type=_workers, default=None, metavar="N")


def run(name: str, args: argparse.Namespace) -> int:
    if args.regions is not None:
        try:
            load_regions(args.regions)  # fail fast, before any file is processed
        except RegionsError as exc:
            print(f"clearpost {name}: --regions: {exc}", file=sys.stderr)
            return 2
    missing = [p for p in args.inputs if not Path(p).exists()]
    if missing:
        print(f"clearpost {name}: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.report and report_overwrites_input(args.report, args.inputs):
        print(f"clearpost {name}: --report {args.report} is one of the inputs", file=sys.stderr)
        return 2
    options = DeidOptions(
        faces=args.faces,
        text=args.text,
        audio=args.audio,
        style=args.style,
        regions_path=args.regions.resolve() if args.regions else None,
        allow_words=parse_allow_list(args.allow),
    )
    reports = run_batch(args.inputs, args.out, deid_file, options, workers=args.workers)
    if args.report is not None:
        write_report(reports, args.report)
    else:
        sys.stdout.write(reports_to_json(reports))
    return exit_status(reports)
