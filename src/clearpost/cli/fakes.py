"""`clearpost fakes`: run every local platform fake (Instagram and Facebook on one Graph
host, TikTok, LinkedIn, X, the practice website) until stopped."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("CLEARPOST_FAKES_PORT", "8090"))
    )
    parser.add_argument(
        "--website-dir",
        type=Path,
        default=Path(os.environ.get("CLEARPOST_DATA_DIR", "var")) / "website",
    )


def run(name: str, args: argparse.Namespace) -> int:
    from clearpost.providers.demo import build, environment, start_all, stop_all

    fakes = build(args.port, args.website_dir)
    start_all(fakes)
    for key, value in environment(args.port).items():
        print(f"{key}={value}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    stop_all(fakes)
    return 0
