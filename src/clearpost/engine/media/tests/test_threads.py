from __future__ import annotations

import threading

import pytest

from clearpost.engine.media import threads


@pytest.mark.parametrize("cores", ["1", "2", "4"])
def test_parallel_map_keeps_order_on_any_share(monkeypatch: pytest.MonkeyPatch, cores: str) -> None:
    monkeypatch.setenv(threads.THREADS_ENV, cores)
    assert threads.parallel_map(lambda x: x * x, range(20)) == [x * x for x in range(20)]


def test_parallel_map_uses_several_threads_when_the_share_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(threads.THREADS_ENV, "2")
    barrier = threading.Barrier(2, timeout=10)
    # Two items can only both pass the barrier if they run at the same time.
    assert threads.parallel_map(lambda _: barrier.wait() >= 0, [1, 2]) == [True, True]


def test_parallel_map_raises_the_first_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing tile fails the detection: callers turn that into a refusal."""
    monkeypatch.setenv(threads.THREADS_ENV, "2")

    def boom(x: int) -> int:
        if x == 3:
            raise RuntimeError("tile 3 failed")
        return x

    with pytest.raises(RuntimeError, match="tile 3"):
        threads.parallel_map(boom, range(6))
