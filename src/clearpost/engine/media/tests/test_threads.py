from __future__ import annotations

import os

import pytest

from clearpost.engine.media import threads


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("3", 3),
        ("", os.cpu_count() or 1),
        ("0", os.cpu_count() or 1),
        ("x", os.cpu_count() or 1),
    ],
)
def test_worker_threads_reads_the_share(monkeypatch, value, expected) -> None:
    monkeypatch.setenv(threads.THREADS_ENV, value)
    assert threads.worker_threads() == expected


def test_share_cores_never_below_one(monkeypatch) -> None:
    monkeypatch.setenv(threads.THREADS_ENV, "5")  # restored by monkeypatch afterwards
    threads.share_cores(0)
    assert threads.worker_threads() == 1
