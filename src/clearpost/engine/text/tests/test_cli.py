"""check-text through clearpost.cli.main and once through a real subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clearpost.cli import main
from clearpost.engine.text.context import TextContext
from clearpost.engine.text.model import Finding, Kind


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", FakeStdin(stdin))
    code = main(["check-text", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_argument(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, ["--kind", "reply", "--text", "Thank you, Sarah!"])
    assert code == 0
    result = json.loads(out)
    assert result["decision"] == "block"
    assert result["findings"][0]["category"] == "PHI_NAME"
    assert result["findings"][0]["start"] == 11
    assert "suggested_text" in result


def test_stdin_text(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        monkeypatch, capsys, ["--kind", "comment"], b"Can I fly 10 days after a BBL?"
    )
    assert code == 0
    result = json.loads(out)
    assert result["decision"] == "review"
    assert result["action"] == "redirect_privately"


def test_practice_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prof = tmp_path / "p.toml"
    prof.write_text('name = "X"\nphone = "214-555-0177"\n', encoding="utf-8")
    args = ["--kind", "caption", "--text", "Book now: 214-555-0177"]
    _, out, _ = run_cli(monkeypatch, capsys, [*args, "--practice", str(prof)])
    assert json.loads(out)["decision"] == "pass"
    _, out, _ = run_cli(monkeypatch, capsys, args)
    assert json.loads(out)["decision"] == "block"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--kind", "caption"], b"\xff\xfe\x00bad", "binary"),
        (["--kind", "caption"], b"caf\xe9", "not UTF-8"),
        (["--kind", "caption"], b"x" * 100_000, "limit"),
        (["--kind", "caption", "--text", "y" * 20_001], b"", "limit"),
        (["--text", "hi"], b"", "--kind is required"),
        (["--jsonl", "--text", "hi"], b"", "cannot be combined"),
        (["--kind", "caption", "--practice", "/nonexistent.toml"], b"hi", "cannot read"),
    ],
)
def test_bad_input_exits_2_with_reason(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: bytes,
    message: str,
) -> None:
    code, out, err = run_cli(monkeypatch, capsys, args, stdin)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_usage_error_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli(monkeypatch, capsys, ["--kind", "tweet", "--text", "x"])
    assert exc.value.code == 2


def test_jsonl_one_bad_line_does_not_stop_the_batch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"id": "a", "kind": "reply", "text": "Thanks Sarah!"}).encode(),
        b"{not json",
        b"\xff\xfe garbage",
        json.dumps({"id": "d", "kind": "tweet", "text": "x"}).encode(),
        json.dumps({"id": "e", "kind": "caption", "text": 5}).encode(),
        json.dumps([1, 2]).encode(),
        json.dumps({"id": "g", "kind": "caption", "text": "z" * 20_001}).encode(),
        b"",
        json.dumps({"id": 7, "kind": "comment", "text": "Love this!"}).encode(),
    ]
    code, out, _ = run_cli(monkeypatch, capsys, ["--jsonl"], b"\n".join(lines) + b"\n")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 8
    assert rows[0]["id"] == "a" and rows[0]["decision"] == "block"
    for row in rows[1:7]:
        assert row["decision"] == "block" and row["error"]
    assert rows[3]["id"] == "d"
    assert rows[7] == {"id": 7, "decision": "pass", "findings": [], "action": "none"}


def test_subprocess_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "kind": "dm_reply", "text": "Your surgery is on March 14."}) + "\n",
        encoding="utf-8",
    )
    with src.open("rb") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "clearpost", "check-text", "--jsonl"],
            stdin=fh,
            capture_output=True,
            check=False,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["id"] == 1
    assert {f["category"] for f in row["findings"]} >= {"PHI_DATE", "PATIENT_CONFIRMATION"}


class Broken:
    """A recognizer whose word list is missing, as after a broken install."""

    name = "broken"
    kinds: frozenset[Kind] = frozenset({"caption", "reply", "dm_reply", "comment"})

    def analyze(self, ctx: TextContext) -> list[Finding]:
        raise FileNotFoundError("dist.female.first")


def test_a_check_that_cannot_run_fails_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from clearpost.cli import text as cli_text
    from clearpost.engine.text.analyzer import Analyzer

    monkeypatch.setattr(cli_text, "default_analyzer", lambda profile: Analyzer([Broken()]))
    code, out, err = run_cli(monkeypatch, capsys, ["--kind", "caption", "--text", "hello"])
    assert code == 0
    result = json.loads(out)
    assert result["decision"] == "block"
    assert "could not run" in result["error"] and "Traceback" not in err
    line = json.dumps({"id": 1, "kind": "reply", "text": "hi"}).encode()
    code, out, _ = run_cli(monkeypatch, capsys, ["--jsonl"], line + b"\n" + line + b"\n")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["decision"] for r in rows] == ["block", "block"] and rows[0]["id"] == 1


def test_jsonl_overlong_line_is_reported_and_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from clearpost.cli.text import MAX_LINE_BYTES

    huge = b'{"id": 1, "kind": "caption", "text": "' + b"a" * (MAX_LINE_BYTES * 2) + b'"}'
    ok = json.dumps({"id": 2, "kind": "comment", "text": "Love this!"}).encode()
    code, out, _ = run_cli(monkeypatch, capsys, ["--jsonl"], huge + b"\n" + ok + b"\n")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0
    assert "longer than" in rows[0]["error"] and rows[0]["decision"] == "block"
    assert rows[1]["id"] == 2 and rows[1]["decision"] == "pass"
