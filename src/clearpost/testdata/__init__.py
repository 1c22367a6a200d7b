"""Public test data shipped with the repository, and the one way tests find it.

Every test that reads a sample file goes through `corpus_path` (or `corpus_names`),
so a clone anywhere runs the same tests: a missing file is an error that names the
file, never a silent skip. Sources and licences are in README.md and in each
folder's SOURCE.md.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
FOLDERS = ("exiftool-images", "mat2-dirty", "faces")


class MissingTestData(FileNotFoundError):
    """A sample file the tests need is not in the repository."""


def corpus_path(rel: str) -> Path:
    """The path of `rel` (e.g. "faces/obama.jpg") inside the shipped test data."""
    path = (ROOT / rel).resolve()
    if ROOT not in path.parents:
        raise ValueError(f"{rel!r} is outside the test data folder")
    if not path.is_file():
        raise MissingTestData(f"test data file {rel} is missing from {ROOT}; restore it from git")
    return path


def corpus_names(folder: str, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Every sample in `folder` ("folder/name"), optionally only those with `suffixes`."""
    if folder not in FOLDERS:
        raise ValueError(f"unknown test data folder {folder!r}")
    d = ROOT / folder
    if not d.is_dir():
        raise MissingTestData(f"test data folder {folder} is missing from {ROOT}")
    return sorted(
        f"{folder}/{p.name}"
        for p in d.iterdir()
        if p.name != "SOURCE.md" and (suffixes is None or p.suffix.lower() in suffixes)
    )
