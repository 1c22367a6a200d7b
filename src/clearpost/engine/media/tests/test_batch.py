from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from clearpost.engine.media.batch import collect_inputs, exit_status, run_batch, write_report

from .batch_fixtures import copy_upper, temp_output


def _files(tmp_path: Path, contents: dict[str, bytes]) -> Path:
    root = tmp_path / "in"
    for name, data in contents.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def test_folders_are_recursed_in_a_stable_order_and_hidden_files_skipped(tmp_path: Path) -> None:
    root = _files(tmp_path, {"b/2.jpg": b"x", "a/1.jpg": b"x", "c.jpg": b"x", ".DS_Store": b"x"})
    names = [i.path.relative_to(root).as_posix() for i in collect_inputs([root, root / "c.jpg"])]
    assert names == ["a/1.jpg", "b/2.jpg", "c.jpg"]


@pytest.mark.parametrize("workers", [1, 2])
def test_one_failure_never_stops_the_others(tmp_path: Path, workers: int) -> None:
    root = _files(
        tmp_path,
        {
            "1_ok.txt": b"hello",
            "2_refuse.txt": b"refuse me",
            "3_bug.txt": b"bug",
            "4_ok.txt": b"world",
        },
    )
    out = tmp_path / "out"
    reports = run_batch([root], out, copy_upper, "!", workers=workers, progress=False)
    assert [r.status for r in reports] == ["cleared", "refused", "refused", "cleared"]
    assert reports[1].reason == "HIPAA-DEID-METADATA: asked to refuse"
    assert "ValueError" in (reports[2].reason or "")
    assert reports[0].output and Path(reports[0].output).read_bytes() == b"HELLO!"
    assert reports[1].output is None and reports[2].output is None
    assert exit_status(reports) == 1
    # Only cleared files are written; names come from the content hash, never the input.
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 2 and not any("ok" in n for n in written)
    digest = hashlib.sha256(b"HELLO!").hexdigest()
    assert (
        reports[0].output_sha256 == digest and Path(reports[0].output).name == f"{digest[:32]}.txt"
    )
    assert reports[0].input_sha256 == hashlib.sha256(b"hello").hexdigest()


def test_a_crashing_worker_refuses_only_its_file(tmp_path: Path) -> None:
    root = _files(tmp_path, {"1.txt": b"fine", "2.txt": b"crash now", "3.txt": b"also fine"})
    reports = run_batch([root], tmp_path / "out", copy_upper, "", workers=2, progress=False)
    assert [r.status for r in reports] == ["cleared", "refused", "cleared"]
    assert "crashed" in (reports[1].reason or "")


def test_temp_outputs_are_moved_or_deleted(tmp_path: Path) -> None:
    root = _files(tmp_path, {"a.raw": b"x"})
    out = tmp_path / "out"
    ok = run_batch([root / "a.raw"], out, temp_output, "ok", workers=1, progress=False)
    assert (
        ok[0].status == "cleared" and Path(ok[0].output or "").read_bytes() == b"from a temp file"
    )
    assert not (root / "a.partial-test").exists()
    bad = run_batch(
        [root / "a.raw"], tmp_path / "out2", temp_output, "no", workers=1, progress=False
    )
    assert bad[0].output is None and not (root / "a.partial-test").exists()
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())


def test_missing_input_is_refused_and_report_is_written_atomically(tmp_path: Path) -> None:
    reports = run_batch(
        [tmp_path / "nope.jpg"], tmp_path / "out", copy_upper, "", workers=1, progress=False
    )
    assert reports[0].status == "refused" and "cannot be read" in (reports[0].reason or "")
    target = tmp_path / "report.json"
    write_report(reports, target)
    assert target.read_text(encoding="utf-8").startswith("[")
    assert not list(tmp_path.glob(".partial-*"))


def test_progress_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _files(tmp_path, {"a.txt": b"a", "b.txt": b"refuse"})
    run_batch([root], tmp_path / "out", copy_upper, "", workers=1, progress=True)
    err = capsys.readouterr().err
    assert "2/2 files, 1 cleared, 1 not cleared" in err
