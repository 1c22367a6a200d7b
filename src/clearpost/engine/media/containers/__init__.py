"""Lossless metadata strippers, one per container format, chosen by sniffed format."""

from __future__ import annotations

from collections.abc import Callable

from clearpost.engine.media.containers.common import ContainerError, Stripped
from clearpost.engine.media.containers.gif import strip_gif
from clearpost.engine.media.containers.isobmff import strip_heif
from clearpost.engine.media.containers.jpeg import strip_jpeg
from clearpost.engine.media.containers.png import strip_png
from clearpost.engine.media.containers.webp import strip_webp

STRIPPERS: dict[str, Callable[[bytes], Stripped]] = {
    "jpeg": strip_jpeg,
    "png": strip_png,
    "gif": strip_gif,
    "webp": strip_webp,
    "heic": strip_heif,
    "avif": strip_heif,
}

__all__ = ["STRIPPERS", "ContainerError", "Stripped"]
