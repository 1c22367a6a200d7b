"""The `clearpost` command: engine commands for scripts, plus the server and worker.

Each subcommand lives in its own module with `add_arguments(parser)` and
`run(args) -> int`; modules are imported only when their command runs so that
`clearpost check-text` never pays for loading the face detector.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check-consent": ("clearpost.cli.consent", "Does a signed authorization cover a proposed use?"),
    "check-text": ("clearpost.cli.text", "Check captions, replies and DMs; classify comments."),
    "scrub": ("clearpost.cli.scrub", "Remove metadata from photos and videos, losslessly."),
    "deid": ("clearpost.cli.deid", "Scrub, redact faces, text and regions, then verify."),
    "audit": ("clearpost.cli.audit", "Verify or export the tamper-evident audit trail."),
    "setup": ("clearpost.cli.server", "Migrate the database and seed the demo practice."),
    "serve": ("clearpost.cli.server", "Serve the web app and run the task worker."),
    "manage": ("clearpost.cli.server", "Run a Django management command."),
    "fakes": ("clearpost.cli.fakes", "Run the local platform fakes (Instagram, Facebook, ...)."),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clearpost", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(name, p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in args_list if not a.startswith("-")), None)
    if selected not in COMMANDS:
        selected = None
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    result: int = module.run(args.command, args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
