"""Streaming encryption of originals: round trip, and every kind of tampering refused."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from clearpost.app.media.sealed import SealedFileError, open_stream, seal_stream


def _seal(data: bytes, binding: str = "media:md_x:original", chunk: int = 1000) -> bytes:
    out = io.BytesIO()
    assert seal_stream(io.BytesIO(data), out, binding, chunk) == len(data)
    return out.getvalue()


@pytest.mark.parametrize("size", [1, 999, 1000, 1001, 5000, 5123])
def test_round_trip_in_chunks(size: int) -> None:
    data = os.urandom(size)
    sealed = _seal(data)
    # A plaintext shorter than 16 bytes turns up in any ciphertext by chance (one byte
    # about one run in ten), so only longer ones are looked for.
    assert size < 16 or data not in sealed
    assert b"".join(open_stream(io.BytesIO(sealed), "media:md_x:original")) == data


def _flip(b: bytes) -> bytes:
    return b[:50] + bytes([b[50] ^ 1]) + b[51:]


@pytest.mark.parametrize(
    ("name", "tamper", "binding"),
    [
        ("bit flipped", _flip, "media:md_x:original"),
        ("truncated at a chunk boundary", lambda b: b[: 16 + 1016], "media:md_x:original"),
        ("truncated mid-chunk", lambda b: b[:-5], "media:md_x:original"),
        ("moved to another item", lambda b: b, "media:md_y:original"),
        ("not a sealed file", lambda b: b"GIF89a" + b[6:], "media:md_x:original"),
    ],
)
def test_tampering_is_refused(name: str, tamper: object, binding: str) -> None:
    sealed = _seal(os.urandom(3500))
    assert callable(tamper)
    with pytest.raises(SealedFileError):
        b"".join(open_stream(io.BytesIO(tamper(sealed)), binding))


def test_a_killed_workers_decrypted_copy_is_swept(tmp_path: Path) -> None:
    from clearpost.app.media.tasks import sweep_work

    old, fresh = tmp_path / "deid-old", tmp_path / "deid-new"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "original.jpg").write_bytes(b"plain")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    sweep_work(tmp_path)
    assert not old.exists() and fresh.exists()
