from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clearpost.cli import main
from clearpost.engine.consent.templates import DEFAULT_TEMPLATE
from clearpost.engine.consent.tests.cases import DELETE, base_case, with_changes


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return str(path)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_file_covered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "case.json", json.dumps(base_case()))
    assert main(["check-consent", path]) == 0
    assert json.loads(capsys.readouterr().out) == {"covered": True, "reasons": []}


def test_not_covered_still_exits_0_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = with_changes(
        {"use.platform": "tiktok", "authorization.revoked_at": "2026-03-02T00:00:00Z"}
    )
    path = write(tmp_path, "case.json", json.dumps(case))
    assert main(["check-consent", path]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["covered"] is False
    assert [r["code"] for r in out["reasons"]] == ["REVOKED", "PLATFORM_NOT_COVERED"]
    assert all(set(r) == {"code", "rule", "message"} for r in out["reasons"])


def test_stdin_and_tz(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    case = with_changes({"use.at": "2027-03-02T03:00:00Z"})  # 22:00 on 1 March in New York
    feed_stdin(monkeypatch, json.dumps(case).encode())
    assert main(["check-consent", "--tz", "America/New_York", "-"]) == 0
    codes = [r["code"] for r in json.loads(capsys.readouterr().out)["reasons"]]
    assert "EXPIRED" not in codes and "EXPIRES_SOON" in codes
    feed_stdin(monkeypatch, json.dumps(case).encode())
    assert main(["check-consent", "-"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "EXPIRED" in [r["code"] for r in out["reasons"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"authorization.elements.expires_on": DELETE}, "authorization.elements.expires_on"),
        ({"authorization.signer.signed_at": 5}, "authorization.signer.signed_at"),
        ({"use.at": "2026-04-01T12:00:00"}, "use.at"),
        ({"authorization.scope.identifiability": "blurred"}, "authorization.scope.identifiability"),
    ],
)
def test_malformed_exit_2_names_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, Any], field: str
) -> None:
    path = write(tmp_path, "case.json", json.dumps(with_changes(changes)))
    assert main(["check-consent", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert field in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b'{"authorization": ', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "input: expected an object"),
        (b'{"authorization": NaN}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"authorization": ' + b"1" * 5000 + b"}", "not usable JSON"),
        (b"\x00\x01\x02", "not valid JSON"),
    ],
)
def test_bad_bytes_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, words: str
) -> None:
    path = write(tmp_path, "case.json", data)
    assert main(["check-consent", path]) == 2
    assert words in capsys.readouterr().err


def test_oversized_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "big.json", b" " * (2 << 20))
    assert main(["check-consent", path]) == 2
    assert "larger than" in capsys.readouterr().err
    assert main(["check-consent", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(["check-consent", "--tz", "Nowhere/Town", "x.json"])
    assert err.value.code == 2
    assert "Nowhere/Town" in capsys.readouterr().err
    assert main(["check-consent"]) == 2
    assert "FILE.json" in capsys.readouterr().err


def test_jsonl_batch_with_bad_line_continues(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = dict(base_case(), id="a")
    bad_field = dict(with_changes({"use.at": "2026-04-01T12:00:00"}), id="b")
    not_covered = dict(with_changes({"use.media_type": "audio"}), id=7)
    lines = [
        json.dumps(good),
        json.dumps(bad_field),
        "{not json",
        "",
        json.dumps(not_covered),
        json.dumps(base_case()),  # no id
    ]
    feed_stdin(monkeypatch, ("\n".join(lines) + "\n").encode())
    assert main(["check-consent", "--jsonl"]) == 2
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert out[0] == {"id": "a", "covered": True, "reasons": []}
    assert out[1]["id"] == "b" and "use.at" in out[1]["error"] and "line 2" in out[1]["error"]
    assert out[2]["id"] is None and "not valid JSON" in out[2]["error"]
    assert out[3]["id"] == 7 and out[3]["covered"] is False
    assert out[3]["reasons"][0]["code"] == "MEDIA_TYPE_NOT_COVERED"
    assert out[4]["id"] is None and out[4]["error"].endswith("id: required field is absent")
    assert len(out) == 5
    assert "line 2" in captured.err


def test_jsonl_all_good_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(dict(base_case(), id=f"c{i}")) for i in range(3)]
    path = write(tmp_path, "cases.jsonl", "\n".join(lines))  # no final newline
    assert main(["check-consent", "--jsonl", path]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["c0", "c1", "c2"]


def test_jsonl_oversized_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = b'{"id": "x", "pad": "' + b"a" * (1 << 20) + b'"}\n'
    feed_stdin(monkeypatch, big + json.dumps(dict(base_case(), id="ok")).encode() + b"\n")
    assert main(["check-consent", "--jsonl"]) == 2
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "larger than" in out[0]["error"]
    assert out[1] == {"id": "ok", "covered": True, "reasons": []}


def test_lint_template_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.md", DEFAULT_TEMPLATE)
    assert main(["check-consent", "--lint-template", good]) == 0
    assert json.loads(capsys.readouterr().out) == {"usable": True, "findings": []}
    bad = write(
        tmp_path, "bad.md", DEFAULT_TEMPLATE.replace("This permission ends on {{expiry}}.", "")
    )
    assert main(["check-consent", "--lint-template", bad]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f["rule"] for f in findings] == ["HIPAA-AUTH-ELEMENT-EXPIRY"]
    no_pay = write(tmp_path, "nopay.md", DEFAULT_TEMPLATE.replace("{{remuneration}}", ""))
    assert main(["check-consent", "--lint-template", no_pay, "--third-party-remuneration"]) == 1
    capsys.readouterr()
    binary = write(tmp_path, "bin.md", b"\xff\xfe\xfd")
    assert main(["check-consent", "--lint-template", binary]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_subprocess_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path, "case.json", json.dumps(with_changes({"use.shows_face": True})))
    done = subprocess.run(
        [sys.executable, "-m", "clearpost", "check-consent", path],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["covered"] is False
    assert out["reasons"][0]["rule"] == "HIPAA-DEID-FULL-FACE"
    bad = subprocess.run(
        [sys.executable, "-m", "clearpost", "check-consent", "-"],
        input="{}",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "authorization" in bad.stderr


def test_engine_import_is_pure_and_light() -> None:
    code = (
        "import sys, clearpost.engine.consent, clearpost.cli.consent; "
        "print(sorted(m for m in ('django', 'textstat', 'nltk') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
