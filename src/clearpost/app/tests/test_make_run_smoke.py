"""`make run` in miniature: `clearpost setup` twice, then `clearpost serve` and stop it."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import cast

import pytest

pytestmark = pytest.mark.slow


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARPOST_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)  # always the data folder's own SQLite file
    env["CLEARPOST_DATA_DIR"] = str(data_dir)
    env["CLEARPOST_TASK_BACKEND"] = "database"
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found |= {int(c) for c in text.split()}
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_setup_twice_then_serve_and_stop(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    setup = [sys.executable, "-m", "clearpost", "setup"]
    first = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(setup, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    logins = [out[out.index("Demo practice:") :] for out in (first.stdout, second.stdout)]
    assert logins[0] == logins[1]  # same practice, same logins, nothing duplicated
    for username in ("owner", "privacy", "reviewer", "creator", "clinician"):
        assert f"  {username} " in first.stdout
    assert "demo-" in first.stdout  # generated passwords are printed

    port = _free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clearpost",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--web-workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200 and '"ok"' in body, (
            cast(io.BufferedReader, serve.stdout).read1().decode() if serve.stdout else ""
        )
        login_status, login_page = _get(f"http://127.0.0.1:{port}/accounts/login/")
        assert login_status == 200 and 'name="password"' in login_page
        children = _children(serve.pid)
        assert len(children) == 3  # gunicorn, the task worker and the platform fakes
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        deadline = time.monotonic() + 30
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(c) for c in children)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)
