from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from clearpost.app import checks


def _ids(messages) -> set[str]:
    return {m.id for m in messages}


def _unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def _check_as_nobody(folder: Path) -> set[str]:
    """The check run by an unprivileged user: root writes through any mode bits (CI and
    containers run as root), so a read-only folder is only read-only for someone else.
    A forked child drops to `nobody` (its settings are this process's) and reports the
    ids; the folder's parents stay traversable so 'missing' cannot be the reason."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            assert folder.is_dir()
            os.write(write, ",".join(sorted(_ids(checks.data_folder(None)))).encode())
            code = 0
        except BaseException as exc:  # reported to the parent, which fails the test
            os.write(write, f"!{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        out = fh.read().decode()
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"the check as nobody: {out}"
    return set(out.split(",")) if out else set()


@pytest.mark.parametrize("kind", ["missing", "file", "unwritable"])
def test_a_bad_data_folder_is_an_error(settings, tmp_path, kind) -> None:
    if kind == "missing":
        folder = tmp_path / "nope"
    elif kind == "file":
        folder = tmp_path / "a-file"
        folder.write_text("not a folder")
    else:
        folder = _unwritable_folder(tmp_path)
    settings.DATA_DIR = folder
    if kind == "unwritable" and os.geteuid() == 0:
        # Parents traversable by `nobody`: only the folder itself is read-only.
        for parent in [tmp_path, *tmp_path.parents]:
            if parent == Path(parent.anchor):
                break
            parent.chmod(stat.S_IMODE(parent.stat().st_mode) | 0o005)
        assert "clearpost.E001" in _check_as_nobody(folder)
        # Control: the same unprivileged check on a folder `nobody` may write passes.
        open_folder = tmp_path / "open"
        open_folder.mkdir()
        open_folder.chmod(0o777)
        settings.DATA_DIR = open_folder
        assert "clearpost.E001" not in _check_as_nobody(open_folder)
        return
    assert "clearpost.E001" in _ids(checks.data_folder(None))


def test_a_good_data_folder_passes(settings, tmp_path) -> None:
    (tmp_path / "keys").mkdir()
    for name in ("encryption.key", "index.key", "secret_key"):
        path = tmp_path / "keys" / name
        path.write_text("x")
        path.chmod(0o600)
    settings.DATA_DIR = tmp_path
    assert _ids(checks.data_folder(None)) == set()


@pytest.mark.parametrize("name", ["encryption.key", "index.key", "secret_key"])
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_others_can_read_is_a_warning(settings, tmp_path, name, mode) -> None:
    (tmp_path / "keys").mkdir()
    path = tmp_path / "keys" / name
    path.write_text("x")
    path.chmod(mode)
    settings.DATA_DIR = tmp_path
    found = checks.data_folder(None)
    assert "clearpost.W001" in _ids(found)
    assert any(f"chmod 600 {path}" in m.msg for m in found)


def test_equal_encryption_and_index_keys_are_an_error(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    settings.CLEARPOST_INDEX_KEY = settings.CLEARPOST_ENCRYPTION_KEY
    assert "clearpost.E002" in _ids(checks.data_folder(None))


def test_missing_media_programs_are_a_warning(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    found = checks.binaries(None)
    assert _ids(found) == {"clearpost.W002"} and "exiftool" in found[0].msg
