"""`clearpost check-text`: the contract in shared/contracts/check-text.md.

One text (from --text or stdin) prints one JSON result; --jsonl reads one request per
line and writes one result per line, where a bad line yields an error object for that
line only. Input that cannot be checked is never "pass": single-text errors exit 2
with the reason on stderr, batch errors carry "decision": "block" and an "error".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from clearpost.engine.text.analyzer import MAX_CHARS, Analyzer, TextInputError, default_analyzer
from clearpost.engine.text.model import KINDS
from clearpost.engine.text.profile import DEFAULT_PROFILE, ProfileError, load_profile

MAX_STDIN_BYTES = MAX_CHARS * 4 + 1
MAX_LINE_BYTES = MAX_CHARS * 6 + 1024


class InputError(ValueError):
    """Input bytes that are not checkable text."""


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", choices=KINDS, help="what the text is (required without --jsonl)")
    parser.add_argument("--practice", type=Path, metavar="FILE", help="practice profile (TOML)")
    parser.add_argument("--text", help="the text to check (stdin when omitted)")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: stdin lines {"id", "kind", "text"} -> stdout result lines',
    )


def decode_text(raw: bytes) -> str:
    """Bytes to text, refusing binary and non-UTF-8 input with a reason a person can act on."""
    if b"\x00" in raw:
        raise InputError("input looks like binary data (it contains NUL bytes); send UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 text (bad byte at offset {exc.start})") from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t")
    if text and controls > max(3, len(text) // 20):
        raise InputError("input looks like binary data (many control characters); send UTF-8 text")
    return text.removeprefix("\ufeff")


def run(name: str, args: argparse.Namespace) -> int:
    profile = DEFAULT_PROFILE
    if args.practice is not None:
        try:
            profile = load_profile(args.practice)
        except ProfileError as exc:
            print(f"clearpost check-text: {exc}", file=sys.stderr)
            return 2
    analyzer = default_analyzer(profile)
    if args.jsonl:
        if args.text is not None:
            print("clearpost check-text: --text cannot be combined with --jsonl", file=sys.stderr)
            return 2
        return run_batch(analyzer, sys.stdin.buffer, sys.stdout)
    if args.kind is None:
        print("clearpost check-text: --kind is required (or use --jsonl)", file=sys.stderr)
        return 2
    try:
        if args.text is not None:
            text = args.text
        else:
            raw = sys.stdin.buffer.read(MAX_STDIN_BYTES)
            if len(raw) >= MAX_STDIN_BYTES:
                raise InputError(
                    f"input is larger than the {MAX_CHARS:,}-character limit; split it"
                )
            text = decode_text(raw)
        out = _checked(analyzer, text, args.kind)
    except (InputError, TextInputError) as exc:
        print(f"clearpost check-text: {exc}", file=sys.stderr)
        return 2
    if "error" in out:
        print(f"clearpost check-text: {out['error']}", file=sys.stderr)
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _checked(analyzer: Analyzer, text: str, kind: str) -> dict[str, Any]:
    """The result, or -- when a check itself fails (a word list missing from a broken
    install) -- a fail-closed "block" with the reason, never a traceback."""
    try:
        return analyzer.analyze(text, kind).to_dict()
    except TextInputError:
        raise
    except Exception as exc:
        return {
            "decision": "block",
            "findings": [],
            "error": f"the text checks could not run ({type(exc).__name__}: {exc}); "
            "not cleared. Reinstall ClearPost (make venv) or contact support.",
        }


def _error(line_id: Any, message: str) -> dict[str, Any]:
    return {"id": line_id, "decision": "block", "findings": [], "error": message}


def check_line(analyzer: Analyzer, raw: bytes, lineno: int) -> dict[str, Any]:
    """One batch line to one output object; never raises, whatever the line holds.

    json.loads is hostile-input safe only up to a point: a line nested thousands deep
    raises RecursionError, a 5,000-digit number raises ValueError (CPython's int
    digit limit), and a lone surrogate escape ("\\ud800") parses but cannot be written
    back as UTF-8. Each of those is this line's error, never the batch's end.
    """
    try:
        return _check_line(analyzer, raw, lineno)
    except Exception as exc:
        return _error(None, f"line {lineno}: could not be read ({type(exc).__name__}); not checked")


def _check_line(analyzer: Analyzer, raw: bytes, lineno: int) -> dict[str, Any]:
    if len(raw) > MAX_LINE_BYTES:
        return _error(None, f"line {lineno}: longer than {MAX_LINE_BYTES:,} bytes")
    try:
        line = decode_text(raw)
        obj = json.loads(line)
    except InputError as exc:
        return _error(None, f"line {lineno}: {exc}")
    except json.JSONDecodeError as exc:
        return _error(None, f"line {lineno}: not valid JSON ({exc.msg})")
    except RecursionError:
        return _error(None, f"line {lineno}: JSON nested too deeply to read")
    except ValueError as exc:
        return _error(None, f"line {lineno}: JSON value out of range ({exc})")
    if not isinstance(obj, dict):
        return _error(None, f"line {lineno}: expected a JSON object, got {_json_type(obj)}")
    line_id = _safe_id(obj.get("id"))
    if line_id is _BAD_ID:
        return _error(None, f"line {lineno}: 'id' must be a string, number, boolean or null")
    kind, text = obj.get("kind"), obj.get("text")
    if not isinstance(kind, str) or kind not in KINDS:
        return _error(line_id, f"line {lineno}: 'kind' must be one of {', '.join(KINDS)}")
    if not isinstance(text, str):
        return _error(line_id, f"line {lineno}: 'text' must be a string")
    if _has_lone_surrogate(text):
        return _error(
            line_id, f"line {lineno}: 'text' contains an unpaired surrogate escape; send UTF-8 text"
        )
    try:
        out = _checked(analyzer, text, kind)
    except TextInputError as exc:
        return _error(line_id, f"line {lineno}: {exc}")
    return {"id": line_id, **out}


_BAD_ID = object()
_MAX_ID_CHARS = 1_000


def _safe_id(value: Any) -> Any:
    """The caller's id if it can be echoed back as valid JSON, else _BAD_ID.

    Only scalars are echoed: a nested id could be as deep as the line allowed, a NaN or
    infinite float is not JSON, and an id with a lone surrogate cannot be written."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else _BAD_ID
    if isinstance(value, str) and len(value) <= _MAX_ID_CHARS and not _has_lone_surrogate(value):
        return value
    return _BAD_ID


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_type(obj: Any) -> str:
    if isinstance(obj, list):
        return "an array"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, bool):
        return "a boolean"
    if obj is None:
        return "null"
    return "a number"


def _lines(stdin: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Lines with their numbers; an over-long line is skipped in bounded chunks and
    yielded as None, so one hostile line can neither exhaust memory nor stop the batch."""
    lineno = 0
    while True:
        raw = stdin.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = stdin.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, raw


def _dump(out: dict[str, Any], lineno: int) -> str:
    """One output line; if the result itself cannot be written as JSON, an error object."""
    try:
        return json.dumps(out, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        err = _error(None, f"line {lineno}: result could not be written ({type(exc).__name__})")
        return json.dumps(err, ensure_ascii=False)


def run_batch(analyzer: Analyzer, stdin: BinaryIO, stdout: TextIO) -> int:
    for lineno, raw in _lines(stdin):
        if raw is None:
            out = _error(None, f"line {lineno}: longer than {MAX_LINE_BYTES:,} bytes")
        else:
            stripped = raw.strip()
            if not stripped:
                continue
            out = check_line(analyzer, stripped, lineno)
        stdout.write(_dump(out, lineno) + "\n")
    stdout.flush()
    return 0
