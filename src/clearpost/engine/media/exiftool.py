"""A long-lived `exiftool -stay_open` reader: ExifTool is the independent metadata
reader we verify against, and starting Perl per file (~150 ms) would dominate a batch,
so each process keeps one running instance and feeds it one file at a time.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from clearpost.engine.media.report import Refusal

RULE = "HIPAA-DEID-METADATA"
READ_ARGS = (
    "-j",
    "-n",
    "-G0:1",
    "-a",
    "-u",
    "-api",
    "LargeFileSupport=1",
    "-charset",
    "filename=utf8",
)


class ExifToolUnavailable(Refusal):
    def __init__(self, why: str) -> None:
        super().__init__(RULE, f"metadata cannot be verified: {why}")


class ExifTool:
    def __init__(self, executable: str | None = None, timeout: float = 120.0) -> None:
        self.executable = executable or shutil.which("exiftool")
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._counter = 0

    def _start(self) -> subprocess.Popen[bytes]:
        if not self.executable:
            raise ExifToolUnavailable("exiftool is not installed (Debian: libimage-exiftool-perl)")
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [self.executable, "-stay_open", "True", "-@", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.write(b"-stay_open\nFalse\n")
                proc.stdin.flush()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()

    def execute(self, *args: str) -> bytes:
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            self._counter += 1
            ready = f"{{ready{self._counter}}}".encode()
            lines = "".join(f"{a}\n" for a in args) + f"-execute{self._counter}\n"
            try:
                proc.stdin.write(lines.encode("utf-8"))
                proc.stdin.flush()
            except OSError:
                self.close()
                raise ExifToolUnavailable("exiftool stopped unexpectedly") from None
            buf = bytearray()
            fd = proc.stdout.fileno()
            deadline = time.monotonic() + self.timeout
            while True:
                idx = buf.find(ready)
                if idx >= 0:
                    return bytes(buf[:idx])
                left = deadline - time.monotonic()
                if left <= 0:
                    self.close()
                    raise ExifToolUnavailable("exiftool timed out reading the file")
                readable, _, _ = select.select([fd], [], [], left)
                if readable:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        self.close()
                        raise ExifToolUnavailable("exiftool stopped unexpectedly")
                    buf += chunk

    def read(self, path: Path, *extra: str) -> dict[str, Any]:
        """All tags of one file as {"Family0:Family1:Tag": value}."""
        name = str(path)
        link_dir = None
        if "\n" in name or "\r" in name:  # one argument per line: use a safe alias
            link_dir = tempfile.mkdtemp(prefix="cp-exif-")
            alias = Path(link_dir) / ("f" + path.suffix[:8])
            alias.symlink_to(path.resolve())
            name = str(alias)
        try:
            raw = self.execute(*READ_ARGS, *extra, name)
        finally:
            if link_dir:
                shutil.rmtree(link_dir, ignore_errors=True)
        try:
            parsed = json.loads(raw.decode("utf-8", "replace") or "[]")
        except json.JSONDecodeError:
            raise ExifToolUnavailable("exiftool returned unreadable output") from None
        if not parsed or not isinstance(parsed[0], dict):
            raise ExifToolUnavailable("exiftool could not read the file")
        tags: dict[str, Any] = parsed[0]
        tags.pop("SourceFile", None)
        return tags


_shared: ExifTool | None = None


def shared() -> ExifTool:
    """This process's reader (batch workers each get their own)."""
    global _shared
    if _shared is None:
        _shared = ExifTool()
        atexit.register(_shared.close)
    return _shared
