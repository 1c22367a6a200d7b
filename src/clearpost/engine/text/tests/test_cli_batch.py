"""`check-text --jsonl`: whatever one line holds, it gets its own object and the batch goes on.

Table-driven: each hostile line is sent between two good lines; the output must have
exactly three valid JSON lines, the middle one a fail-closed error naming its line.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest

from clearpost.cli.text import MAX_LINE_BYTES, run_batch
from clearpost.engine.text.analyzer import default_analyzer

_GOOD_FIRST = json.dumps({"id": "first", "kind": "comment", "text": "Love this!"}).encode()
_GOOD_LAST = json.dumps({"id": "last", "kind": "reply", "text": "Thanks Sarah!"}).encode()


def _deep(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth


def _deep_obj(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# (case id, line bytes, expected id in the error object, words the error must contain)
HOSTILE: list[tuple[str, bytes, Any, str]] = [
    ("array nested 5,000 deep", _deep(5_000), None, "nested too deeply"),
    ("object nested 5,000 deep", _deep_obj(5_000), None, "nested too deeply"),
    (
        "text nested 5,000 deep",
        b'{"id": "n", "kind": "caption", "text": ' + _deep(5_000) + b"}",
        None,
        "nested too deeply",
    ),
    (
        "id nested 900 deep",
        b'{"id": ' + _deep(900) + b', "kind": "caption", "text": "hi"}',
        None,
        "'id' must be",
    ),
    ("unclosed nesting 100,000 deep", b"[" * 100_000, None, "line 2"),
    ("5,000-digit number", b'{"id": ' + b"9" * 5_000 + b', "kind": "caption"}', None, "line 2"),
    ("invalid UTF-8", b'{"id": "u", "kind": "caption", "text": "caf\xe9"}', None, "not UTF-8"),
    ("NUL bytes", b'{"id": "z", "text": "\x00\x00"}', None, "binary"),
    (
        "lone surrogate escape in text",
        b'{"id": "s", "kind": "caption", "text": "hi \\ud800 there"}',
        "s",
        "surrogate",
    ),
    ("lone surrogate in id", b'{"id": "\\udfff", "kind": "caption", "text": "hi"}', None, "'id'"),
    ("NaN id", b'{"id": NaN, "kind": "caption", "text": "hi"}', None, "'id'"),
    ("Infinity id", b'{"id": Infinity, "kind": "caption", "text": "hi"}', None, "'id'"),
    ("over-long id", json.dumps({"id": "i" * 5_000, "kind": "caption"}).encode(), None, "'id'"),
    ("JSON array", b"[1, 2, 3]", None, "an array"),
    ("JSON string", b'"just a string"', None, "a string"),
    ("JSON number", b"42", None, "a number"),
    ("JSON null", b"null", None, "null"),
    ("JSON true", b"true", None, "a boolean"),
    ("not JSON", b"{not json", None, "not valid JSON"),
    ("trailing garbage", b'{"id": 1, "kind": "caption", "text": "a"} xx', None, "not valid JSON"),
    ("missing kind", b'{"id": "k", "text": "hi"}', "k", "'kind'"),
    ("kind not a string", b'{"id": "k", "kind": ["caption"], "text": "hi"}', "k", "'kind'"),
    ("text is an object", b'{"id": "t", "kind": "caption", "text": {"a": 1}}', "t", "'text'"),
    (
        "text over 20,000 characters",
        json.dumps({"id": "L", "kind": "caption", "text": "word " * 5_000}).encode(),
        "L",
        "limit",
    ),
    (
        "line over the byte limit",
        b'{"id": 1, "kind": "caption", "text": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}',
        None,
        "longer than",
    ),
]


def _run(lines: list[bytes]) -> list[dict[str, Any]]:
    out = io.StringIO()
    assert run_batch(default_analyzer(), io.BytesIO(b"\n".join(lines) + b"\n"), out) == 0
    return [json.loads(row) for row in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("line", "expected_id", "words"),
    [pytest.param(line, i, w, id=name) for name, line, i, w in HOSTILE],
)
def test_hostile_line_gets_its_own_error_and_the_batch_goes_on(
    line: bytes, expected_id: Any, words: str
) -> None:
    rows = _run([_GOOD_FIRST, line, _GOOD_LAST])
    assert len(rows) == 3
    assert rows[0]["id"] == "first" and rows[0]["decision"] == "pass"
    bad = rows[1]
    assert bad["decision"] == "block" and bad["findings"] == []
    assert bad["id"] == expected_id
    assert "line 2" in bad["error"] and words in bad["error"]
    assert rows[2]["id"] == "last" and rows[2]["decision"] == "block"


def test_every_hostile_line_in_one_batch() -> None:
    """All of them together: one object per line, in order, and the good lines still run."""
    lines = [_GOOD_FIRST] + [line for _, line, _, _ in HOSTILE] + [_GOOD_LAST]
    rows = _run(lines)
    assert len(rows) == len(lines)
    assert all("error" in row for row in rows[1:-1])
    assert [row["error"].split(":")[0] for row in rows[1:-1]] == [
        f"line {n}" for n in range(2, len(lines))
    ]
    assert rows[-1]["id"] == "last" and "error" not in rows[-1]


@pytest.mark.parametrize(
    ("line", "kept_id"),
    [
        (b'{"id": 3.5, "kind": "comment", "text": "ok"}', 3.5),
        (b'{"id": true, "kind": "comment", "text": "ok"}', True),
        (b'{"id": null, "kind": "comment", "text": "ok"}', None),
        (b'{"kind": "comment", "text": "ok"}', None),
        (
            '{"id": "caf\u00e9 \U0001f600", "kind": "comment", "text": "ok"}'.encode(),
            "caf\u00e9 \U0001f600",
        ),
    ],
)
def test_scalar_ids_are_echoed(line: bytes, kept_id: Any) -> None:
    rows = _run([line])
    assert rows == [{"id": kept_id, "decision": "pass", "findings": [], "action": "none"}]


def test_deep_line_through_a_real_process() -> None:
    """The RecursionError of issue 11, end to end: the process writes every line."""
    data = b"\n".join([_GOOD_FIRST, _deep(5_000), _deep_obj(50_000), _GOOD_LAST]) + b"\n"
    proc = subprocess.run(
        [sys.executable, "-m", "clearpost", "check-text", "--jsonl"],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(row) for row in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["first", None, None, "last"]
    assert "nested too deeply" in rows[1]["error"] and "Traceback" not in proc.stderr.decode()
