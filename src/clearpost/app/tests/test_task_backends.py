"""The task backend is one setting: the Redis (RQ) backend runs the same tasks.

Runs real processes against the local Redis server, the way `clearpost serve` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def clearpost(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "clearpost", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@contextmanager
def own_redis_db() -> Iterator[int]:
    """A Redis database no other run of this test uses meanwhile (databases 8-15, claimed
    by a key in database 0 that expires): two suites on one machine (SQLite and
    PostgreSQL side by side) once shared database 7, and one's worker ran the other's
    job."""
    import redis

    claims = redis.Redis(db=0)
    for db in range(8, 16):
        key = f"clearpost-test:redis-db:{db}"
        if claims.set(key, os.getpid(), nx=True, ex=600):
            try:
                redis.Redis(db=db).flushdb()
                yield db
            finally:
                redis.Redis(db=db).flushdb()
                claims.delete(key)
            return
    pytest.fail("Redis databases 8-15 are all claimed by other runs of this test")


def test_rq_backend_enqueues_to_redis_and_a_worker_runs_the_task(tmp_path: Path) -> None:
    # Redis runs on this machine kind (.ci/run starts it if it stopped): its absence is a
    # broken set-up to report, not a reason to pass without testing the RQ backend.
    assert redis_up(), "no Redis server on 127.0.0.1:6379: start it (see .ci/run)"
    with own_redis_db() as queue_db:
        _enqueue_and_run(tmp_path, queue_db)


def _enqueue_and_run(tmp_path: Path, queue_db: int) -> None:
    env = {
        **os.environ,
        "CLEARPOST_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "CLEARPOST_TASK_BACKEND": "rq",
        "CLEARPOST_REDIS_URL": f"redis://127.0.0.1:6379/{queue_db}",
    }
    import redis

    clearpost(env, "setup", "--no-demo")
    script = (
        "from clearpost.app.events import deliver_domain_events as t; r = t.enqueue(); print(r.id)"
    )
    result_id = clearpost(env, "manage", "shell", "-c", script).strip().splitlines()[-1]
    assert redis.Redis(db=queue_db).llen("rq:queue:default") >= 1
    from clearpost.cli.server import worker_argv

    argv = [a for a in worker_argv("rq") if a != "--with-scheduler"]
    clearpost(env, "manage", *argv, "--burst")
    check = (
        "from clearpost.app.events import deliver_domain_events as t; "
        f"r = t.get_result({result_id!r}); print(r.status, r.return_value)"
    )
    status = clearpost(env, "manage", "shell", "-c", check).strip().splitlines()[-1]
    assert status.split()[0].endswith("SUCCESSFUL"), status
