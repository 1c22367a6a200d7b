"""`scrub` and `deid` stay inside the folders they are given, never overwrite an input
with --report, and treat usage errors (exit 2) apart from refused files (exit 1)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearpost.cli import main
from clearpost.engine.media.batch import collect_inputs


def _png(path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 40, 3), 120, np.uint8)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def folder_with_links(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = _png(outside / "private.png")
    (outside / "more").mkdir()
    _png(outside / "more" / "other.png")
    given = tmp_path / "given"
    (given / "sub").mkdir(parents=True)
    _png(given / "photo.png")
    _png(given / "sub" / "inner.png")
    (given / "link-out.png").symlink_to(secret)
    (given / "linked-folder").symlink_to(outside / "more", target_is_directory=True)
    (given / "link-in.png").symlink_to(given / "photo.png")
    return given


def test_links_out_of_a_given_folder_are_not_followed(folder_with_links: Path) -> None:
    names = sorted(Path(f.shown).name for f in collect_inputs([folder_with_links]))
    assert names == ["inner.png", "link-in.png", "photo.png"]


@pytest.mark.parametrize("command", ["scrub", "deid"])
def test_cli_reads_nothing_outside_the_folder(
    folder_with_links: Path, tmp_path: Path, command: str
) -> None:
    report = tmp_path / "report.json"
    extra = ["--faces", "keep", "--text", "keep"] if command == "deid" else []
    out = str(tmp_path / "o")
    code = main([command, str(folder_with_links), "--out", out, "--report", str(report), *extra])
    assert code == 0
    inputs = {Path(e["input"]).name for e in json.loads(report.read_text())}
    assert inputs == {"inner.png", "link-in.png", "photo.png"}


@pytest.mark.parametrize("command", ["scrub", "deid"])
def test_report_never_overwrites_an_input(tmp_path: Path, command: str) -> None:
    src = _png(tmp_path / "photo.png")
    before = src.read_bytes()
    assert main([command, str(tmp_path), "--out", str(tmp_path / "o"), "--report", str(src)]) == 2
    assert main([command, str(src), "--out", str(tmp_path / "o"), "--report", str(src)]) == 2
    assert src.read_bytes() == before


@pytest.mark.parametrize("command", ["scrub", "deid"])
def test_a_missing_input_is_a_usage_error(tmp_path: Path, command: str) -> None:
    assert main([command, str(tmp_path / "absent.png"), "--out", str(tmp_path / "o")]) == 2


@pytest.mark.parametrize(
    "argv",
    [["scrub"], ["deid"], ["no-such-command"], ["audit"], ["scrub", "x", "--bogus"]],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2
