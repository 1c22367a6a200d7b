from __future__ import annotations

import os
from pathlib import Path

import pytest

from clearpost.app import checks


def _ids(messages) -> set[str]:
    return {m.id for m in messages}


def _unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    if not os.access(folder, os.W_OK):
        return folder
    # root ignores mode bits; a read-only kernel folder is unwritable even for root
    if os.path.isdir("/proc/sys") and not os.access("/proc/sys", os.W_OK):
        return Path("/proc/sys")
    pytest.skip("no unwritable folder can be made here")


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
