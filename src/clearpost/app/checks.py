"""System checks: the data folder, the keys and the binaries ClearPost relies on."""

from __future__ import annotations

import os
import shutil
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def data_folder(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    data_dir = settings.DATA_DIR
    if not data_dir.is_dir() or not os.access(data_dir, os.W_OK):
        problems.append(
            Error(f"The data folder {data_dir} is missing or not writable.", id="clearpost.E001")
        )
    for name in ("encryption.key", "index.key", "audit.key", "secret_key"):
        path = data_dir / "keys" / name
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:  # a folder this user may not enter: say so, do not crash
            problems.append(
                Error(
                    f"{path} cannot be read by this user ({exc.strerror}); "
                    "run ClearPost as the owner of the data folder.",
                    id="clearpost.E001",
                )
            )
            continue
        if mode & 0o077:
            problems.append(
                Warning(
                    f"{path} can be read by other users; run: chmod 600 {path}", id="clearpost.W001"
                )
            )
    if (
        len(
            {
                settings.CLEARPOST_ENCRYPTION_KEY,
                settings.CLEARPOST_INDEX_KEY,
                settings.CLEARPOST_AUDIT_KEY,
            }
        )
        < 3
    ):
        problems.append(
            Error("The encryption, index and audit keys must all differ.", id="clearpost.E002")
        )
    return problems


@register()
def binaries(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    missing = [b for b in ("exiftool", "ffmpeg", "ffprobe") if shutil.which(b) is None]
    if missing:
        return [
            Warning(
                f"Missing programs: {', '.join(missing)}. Media de-identification will refuse files "
                "until they are installed (make deps).",
                id="clearpost.W002",
            )
        ]
    return []
