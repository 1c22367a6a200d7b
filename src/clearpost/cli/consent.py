"""`clearpost check-consent`: does a signed release cover a proposed use? (check-consent.md)

Exit status: 0 when every input was decided (covered or not: the answer is in the
output, as for `check-text`), 2 on a usage error or malformed input. In `--jsonl` mode a
bad line yields `{"id": ..., "error": "..."}` on its own output line, the batch goes on,
and the exit status is 2 if any line was bad, so a script cannot miss it.
`--lint-template` exits 0 when the template is usable, 1 when it is not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from clearpost.engine.consent.check import check, practice_zone
from clearpost.engine.consent.model import MalformedInput, parse_case
from clearpost.engine.consent.template_lint import MAX_TEMPLATE_CHARS, lint_template

MAX_DOCUMENT_BYTES = 1 << 20  # one case; real ones are ~2 KB
MAX_LINE_BYTES = 1 << 20


class InputError(Exception):
    """Input the command cannot read: reported on stderr, exit 2."""


def _tz(value: str) -> str:
    try:
        practice_zone(value)
    except MalformedInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return value


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE.json",
        help="one case {authorization, use} as JSON, or - for stdin",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help="read one case per line (each with an id) from stdin or FILE, write one result "
        "per line",
    )
    mode.add_argument(
        "--lint-template",
        metavar="FILE.md",
        help="lint a release template instead; prints findings as JSON",
    )
    parser.add_argument(
        "--tz",
        type=_tz,
        default="UTC",
        help="the practice's IANA time zone for expiry dates (default: UTC)",
    )
    parser.add_argument(
        "--third-party-remuneration",
        action="store_true",
        help="with --lint-template: the campaign is paid by a third party",
    )


def run(name: str, args: argparse.Namespace) -> int:
    try:
        if args.lint_template is not None:
            if args.file is not None:
                raise InputError("give either FILE.json or --lint-template FILE.md, not both")
            return _lint(args.lint_template, args.third_party_remuneration)
        if args.jsonl:
            if args.file in (None, "-"):
                return _jsonl(sys.stdin.buffer, sys.stdout, args.tz)
            with open(args.file, "rb") as fh:
                return _jsonl(fh, sys.stdout, args.tz)
        if args.file is None:
            raise InputError("give FILE.json, - for stdin, --jsonl or --lint-template FILE.md")
        return _single(args.file, args.tz)
    except InputError as exc:
        print(f"clearpost check-consent: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `| head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"clearpost check-consent: cannot read input: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _read_bytes(path: str, limit: int) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"input is larger than {limit} bytes")
    return data


def _decode_json(data: bytes) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 text (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"input is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise InputError("input is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal over Python's 4300-digit limit
        raise InputError(f"input is not usable JSON: {exc}") from None


def _reject_constant(name: str) -> object:
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


def _decide(obj: object, tz: str) -> dict[str, object]:
    authorization, use = parse_case(obj)
    return check(authorization, use, practice_tz=tz).to_json()


def _single(path: str, tz: str) -> int:
    obj = _decode_json(_read_bytes(path, MAX_DOCUMENT_BYTES))
    try:
        result = _decide(obj, tz)
    except MalformedInput as exc:
        raise InputError(f"malformed input: {exc}") from None
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes), or None for a line over the size limit."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversized line
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def _jsonl(stream: BinaryIO, out: TextIO, tz: str) -> int:
    bad = 0
    for number, line in _lines(stream):
        if line is not None and not line.strip():
            continue
        case_id: object = None
        try:
            if line is None:
                raise InputError(f"line {number} is larger than {MAX_LINE_BYTES} bytes")
            obj = _decode_json(line)
            if isinstance(obj, dict):
                case_id = obj.get("id")
                if "id" not in obj:
                    raise MalformedInput("id", "required field is absent")
                if not isinstance(case_id, str | int) or isinstance(case_id, bool):
                    case_id = None
                    raise MalformedInput("id", "expected a string or an integer")
            record: dict[str, object] = {"id": case_id}
            record.update(_decide(obj, tz))
        except (InputError, MalformedInput) as exc:
            bad += 1
            message = f"line {number}: {exc}"
            record = {"id": case_id, "error": message}
            print(f"clearpost check-consent: {message}", file=sys.stderr)
        out.write(json.dumps(record) + "\n")
    out.flush()
    return 2 if bad else 0


def _lint(path: str, third_party_remuneration: bool) -> int:
    data = _read_bytes(path, MAX_TEMPLATE_CHARS * 4)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"template is not UTF-8 text (byte {exc.start})") from None
    result = lint_template(text, third_party_remuneration=third_party_remuneration)
    json.dump(result.to_json(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if result.usable else 1
