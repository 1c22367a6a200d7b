"""`clearpost setup`, `clearpost serve` and `clearpost manage`: the app's own commands."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearpost.app.settings")
    import django

    django.setup()


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "serve":
        parser.add_argument("--bind", default=os.environ.get("CLEARPOST_BIND", "127.0.0.1:8000"))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="serve the web app only")
        parser.add_argument(
            "--no-fakes", action="store_true", help="do not start the local platform fakes"
        )
    elif name == "setup":
        parser.add_argument(
            "--no-demo", action="store_true", help="migrate only; do not seed the demo practice"
        )
    elif name == "manage":
        parser.add_argument(
            "rest", nargs=argparse.REMAINDER, help="a Django management command and its arguments"
        )


def run(name: str, args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command, execute_from_command_line

    if name == "manage":
        execute_from_command_line(["clearpost manage", *args.rest])
        return 0
    if name == "setup":
        call_command("migrate", interactive=False, verbosity=0)
        call_command("expire_authorizations", "--schedule", verbosity=0)
        call_command("publishing_tick", "--schedule", verbosity=0)
        from clearpost.app.audit.tasks import schedule_checkpoints

        schedule_checkpoints()
        if not args.no_demo:
            from clearpost.app.demo import seed_demo

            print(seed_demo().describe())
        return 0
    return _serve(args)


def worker_argv(backend: str) -> list[str]:
    """The management command that runs queued tasks for a task backend.

    RQ needs django-tasks-rq's job class (RQ's own cannot run a Task object) and the
    scheduler (tasks deferred with `run_after`, such as the hourly expiry run).
    """
    if backend == "rq":
        return [
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.backend.Job",
            "--with-scheduler",
        ]
    return ["db_worker"]


def _serve(args: argparse.Namespace) -> int:
    from django.conf import settings

    call_command_check()
    python = sys.executable
    procs: list[subprocess.Popen[bytes]] = []
    extras: list[subprocess.Popen[bytes]] = []  # helpers whose exit does not stop serving
    if not args.no_fakes and os.environ.get("CLEARPOST_FAKE_PLATFORMS", "true") != "false":
        # The local platform fakes, and every process after them pointed at them.
        from clearpost.providers.demo import environment

        port = int(os.environ.get("CLEARPOST_FAKES_PORT", "8090"))
        os.environ.update({k: v for k, v in environment(port).items() if k not in os.environ})
        fakes = [python, "-m", "clearpost", "fakes", "--port", str(port)]
        extras.append(subprocess.Popen(fakes))  # noqa: S603 - fixed argv, no shell
    procs += [
        subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                python,
                "-m",
                "gunicorn",
                "clearpost.app.wsgi:application",
                "--bind",
                args.bind,
                "--workers",
                str(args.web_workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ]
        )
    ]
    if not args.no_worker:
        worker = worker_argv(settings.TASK_BACKEND)
        procs.append(subprocess.Popen([python, "-m", "clearpost", "manage", *worker]))  # noqa: S603
    print(f"ClearPost is serving on http://{args.bind}/ (Ctrl-C stops web and worker)", flush=True)

    def stop(signum: int, frame: object) -> None:
        for p in procs + extras:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        stop(0, None)
        for p in procs + extras:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in procs) if any(p.returncode for p in procs) else 0


def call_command_check() -> None:
    from django.core.management import call_command

    call_command("check", deploy=False, fail_level="ERROR")
