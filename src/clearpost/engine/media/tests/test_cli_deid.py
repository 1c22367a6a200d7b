from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.cli import main
from clearpost.testdata import corpus_path


def _plain_png(path: Path) -> None:
    Image.fromarray(np.full((64, 80, 3), 128, np.uint8)).save(path)


def test_cli_batch_with_one_bad_file(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(corpus_path("faces/obama.jpg"), inp / "Mary Smith.jpg")
    (inp / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    report = tmp_path / "report.json"
    code = main(
        [
            "deid",
            str(inp),
            "--out",
            str(tmp_path / "out"),
            "--report",
            str(report),
            "--workers",
            "1",
            "--style",
            "solid",
        ]
    )
    assert code == 1
    entries = {Path(e["input"]).name: e for e in json.loads(report.read_text())}
    good, bad = entries["Mary Smith.jpg"], entries["broken.jpg"]
    assert good["status"] == "cleared" and good["faces"] and good["verification"]["passed"]
    assert "Mary" not in good["output"] and Path(good["output"]).is_file()
    assert bad["status"] == "refused" and bad["output"] is None and bad["reason"]
    assert set(good) >= {
        "input_sha256",
        "output_sha256",
        "metadata_removed",
        "provenance",
        "text_regions",
        "sensitive_regions",
        "timings_ms",
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["deid", "x.png"],  # --out missing
        ["deid", "x.png", "--out", "o", "--style", "gaussian"],
        ["deid", "x.png", "--out", "o", "--faces", "maybe"],
        ["deid", "x.png", "--out", "o", "--workers", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_bad_regions_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.png"
    _plain_png(src)
    regions = tmp_path / "r.json"
    regions.write_text('{"version": 1, "files": {"a.png": {"regions": [{"box": [1, 2]}]}}}')
    assert main(["deid", str(src), "--out", str(tmp_path / "o"), "--regions", str(regions)]) == 2
    assert "box must be" in capsys.readouterr().err
    assert main(["deid", str(tmp_path / "absent.png"), "--out", str(tmp_path / "o")]) == 2


def test_subprocess_report_to_stdout(tmp_path: Path) -> None:
    src = tmp_path / "a.png"
    _plain_png(src)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearpost",
            "deid",
            str(src),
            "--out",
            str(tmp_path / "o"),
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)
    assert entry["status"] == "cleared" and entry["faces"] == [] and entry["verification"]["passed"]
