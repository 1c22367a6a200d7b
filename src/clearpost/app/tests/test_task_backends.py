"""The task backend is one setting: the Redis (RQ) backend runs the same tasks.

Runs real processes against the local Redis server, the way `clearpost serve` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


def test_rq_backend_enqueues_to_redis_and_a_worker_runs_the_task(tmp_path: Path) -> None:
    # Redis runs on this machine kind (.ci/run starts it if it stopped): its absence is a
    # broken set-up to report, not a reason to pass without testing the RQ backend.
    assert redis_up(), "no Redis server on 127.0.0.1:6379: start it (see .ci/run)"
    queue_db = 7  # a Redis database of its own, emptied first
    env = {
        **os.environ,
        "CLEARPOST_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "CLEARPOST_TASK_BACKEND": "rq",
        "CLEARPOST_REDIS_URL": f"redis://127.0.0.1:6379/{queue_db}",
    }
    import redis

    redis.Redis(db=queue_db).flushdb()
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
    redis.Redis(db=queue_db).flushdb()
