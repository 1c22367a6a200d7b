from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clearpost.cli import main

from .scrub_helpers import corpus_file, jpeg_with_everything


def test_scrub_cli_writes_report_and_hash_named_outputs(tmp_path: Path) -> None:
    src = tmp_path / "in" / "Jane Patient 1985.jpg"
    src.parent.mkdir()
    src.write_bytes(jpeg_with_everything())
    bad = tmp_path / "in" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out, report = tmp_path / "out", tmp_path / "report.json"
    code = main(
        [
            "scrub",
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--report",
            str(report),
            "--workers",
            "1",
        ]
    )
    assert code == 1  # one refused
    entries = json.loads(report.read_text(encoding="utf-8"))
    by_name = {Path(e["input"]).name: e for e in entries}
    good, refused = by_name["Jane Patient 1985.jpg"], by_name["broken.png"]
    assert (
        good["status"] == "cleared" and refused["status"] == "refused" and refused["output"] is None
    )
    assert "Jane" not in good["output"] and Path(good["output"]).is_file()
    assert list(good) == [
        "input", "input_sha256", "output", "output_sha256", "status", "reason", "format", "width",
        "height", "metadata_removed", "provenance", "faces", "text_regions", "sensitive_regions",
        "verification", "timings_ms",
    ]  # fmt: skip
    assert [p.name for p in out.iterdir()] == [Path(good["output"]).name]


@pytest.mark.parametrize(
    "argv",
    [["scrub"], ["scrub", "x.jpg"], ["scrub", "x.jpg", "--out", "o", "--workers", "0"],
     ["scrub", "x.jpg", "--out", "o", "--workers", "many"]],
)  # fmt: skip
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2


def test_scrub_cli_as_a_subprocess(tmp_path: Path) -> None:
    src = corpus_file(tmp_path, "mat2-dirty/dirty.png")
    proc = subprocess.run(
        [sys.executable, "-m", "clearpost", "scrub", str(src), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert entries[0]["status"] == "cleared" and "1 of 1 files cleared" in proc.stderr
