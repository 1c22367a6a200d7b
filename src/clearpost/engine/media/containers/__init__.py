"""Lossless metadata strippers, one per container format, chosen by sniffed format.

Which stripper serves which format is a column of the one formats table
(`clearpost.engine.media.formats`); `STRIPPERS` here is that column, looked up lazily
because the table imports the stripper modules of this package."""

from __future__ import annotations

from typing import Any

from clearpost.engine.media.containers.common import ContainerError, Stripped


def __getattr__(name: str) -> Any:
    if name == "STRIPPERS":
        from clearpost.engine.media.formats import STRIPPERS

        return STRIPPERS
    raise AttributeError(name)


__all__ = ["STRIPPERS", "ContainerError", "Stripped"]
