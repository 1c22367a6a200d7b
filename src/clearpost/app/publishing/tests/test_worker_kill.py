"""A worker killed in the middle of a publish, then restarted: exactly one post on the
platform. Real processes (`clearpost setup`, `db_worker`), the database task backend,
and the local X fake holding its answer after it created the post, like a platform whose
response never arrives."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest

from clearpost.providers.demo import build
from clearpost.providers.x.fake import XFake

pytestmark = pytest.mark.slow
REDIS_DB = 13  # a Redis database of its own, emptied first

MAKE_POST = """
import datetime as dt
from django.utils import timezone
from clearpost.app.accounts.models import User
from clearpost.app.authorizations import actions as auth
from clearpost.app.authorizations.tests.conftest import scope, signed_by
from clearpost.app.patients import actions as patients
from clearpost.app.patients.models import Identity
from clearpost.app.posts import actions as posts
from clearpost.app.posts.models import Post
from clearpost.app.posts.tests.conftest import CAPTION, make_item
from clearpost.app.publishing.models import ConnectedAccount
from clearpost.app.publishing.tasks import publish_post

owner = User.objects.get(username="owner")
reviewer = User.objects.get(username="reviewer")
User.objects.filter(pk=reviewer.pk).update(mfa_confirmed_at=timezone.now())
reviewer.refresh_from_db()
patient = patients.create_patient(owner, Identity("Sarah Jones", dt.date(1980, 1, 1), "", None))
version = auth.ensure_default_template(owner.practice).latest_version()
release = auth.prepare_authorization(owner, patient, version, scope(platforms=("x", "instagram")))
release = auth.sign(auth.open_kiosk(owner, release), signed_by()).authorization
item = make_item(owner.practice, patient, release)
account = ConnectedAccount.objects.get(practice=owner.practice, platform="x")
creator = User.objects.get(username="clinician")
post = posts.create_post(creator, posts.PostInput(post_type="before_after", caption=CAPTION, media=[item.public_id], targets=[account.public_id], scheduled_at=timezone.now() + dt.timedelta(days=2)))
posts.submit(creator, post)
post.refresh_from_db()
posts.approve(reviewer, post, mfa_ok=True)
Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - dt.timedelta(seconds=5))
post.refresh_from_db()
assert post.state == "scheduled", post.state
publish_post.enqueue(post.public_id)
print("POST", post.public_id)
"""

STATE = """
from clearpost.app.publishing.models import Publication
print("STATE", ",".join(Publication.objects.values_list("state", flat=True)))
"""

TICK = """
from clearpost.app.publishing.tasks import publishing_tick
publishing_tick.enqueue()
"""


def _port_block() -> int:
    for base in range(18150, 18195, 5):
        try:
            for p in range(base, base + 5):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports in 18150-18199")


def _env(tmp: Path, x_base: str, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARPOST_", "DJANGO_"))}
    env.update(
        CLEARPOST_DATA_DIR=str(tmp / "var"),
        CLEARPOST_TASK_BACKEND=backend,
        CLEARPOST_REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        CLEARPOST_X_API_BASE=x_base,
        CLEARPOST_FAKE_PLATFORMS="false",
        CLEARPOST_PUBLISH_LEASE_SECONDS="3",
    )
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = _fresh_pg(url)
    else:
        env.pop("DATABASE_URL", None)
    return env


def _fresh_pg(url: str) -> str:
    import psycopg

    base, _, name = url.rpartition("/")
    name = f"{name}_killtest"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _clearpost(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "clearpost", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    from clearpost.cli.server import worker_argv

    out = log.open("ab")
    backend = env["CLEARPOST_TASK_BACKEND"]
    argv = worker_argv(backend) + (["--interval", "0.2"] if backend == "database" else [])
    return subprocess.Popen(
        [sys.executable, "-m", "clearpost", "manage", *argv], env=env, stdout=out, stderr=out
    )


def _wait(check: object, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("backend", ["database", "rq"])
def test_worker_killed_mid_publish_leaves_exactly_one_post(tmp_path: Path, backend: str) -> None:
    if backend == "rq":
        if not redis_up():
            pytest.fail("the RQ variant needs Redis on 127.0.0.1:6379")
        import redis

        redis.Redis(db=REDIS_DB).flushdb()
    fakes = build(_port_block(), tmp_path / "site")
    x = cast(XFake, fakes["x"])
    x.start()
    worker: subprocess.Popen[bytes] | None = None
    try:
        x.misbehave("create", "created_then_timeout")
        x.timeout_delay = 120.0  # the post exists; the answer never comes in time
        env = _env(tmp_path, x.base_url, backend)
        _clearpost(env, "setup")
        out = _clearpost(env, "manage", "shell", "-c", MAKE_POST)
        assert "POST " in out
        worker = _worker(env, tmp_path / "worker.log")
        assert _wait(lambda: len(x.live_posts()) == 1, 90), (tmp_path / "worker.log").read_text()[
            -3000:
        ]
        time.sleep(0.5)  # the worker is now blocked waiting for X's answer
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert "STATE in_flight" in _clearpost(env, "manage", "shell", "-c", STATE)
        x.timeout_delay = 0.0
        time.sleep(3.5)  # the dead worker's lease runs out
        worker = _worker(env, tmp_path / "worker.log")
        _clearpost(env, "manage", "shell", "-c", TICK)
        published = _wait(
            lambda: "STATE published" in _clearpost(env, "manage", "shell", "-c", STATE), 180
        )
        assert published, (
            _clearpost(env, "manage", "shell", "-c", STATE),
            (tmp_path / "worker.log").read_text()[-3000:],
        )
        assert len(x.live_posts()) == 1
        assert x.count("POST", "/2/tweets") == 1  # reconciled from the timeline, never re-sent
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
        x.stop()
