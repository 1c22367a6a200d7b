"""Streaming AES-256-GCM for media originals (SEC-ENCRYPTION-REST).

A 1 GB video must never sit whole in memory, so the file is sealed in 1 MiB chunks
(the STREAM construction): each chunk is its own AES-GCM message whose nonce is a
random 8-byte prefix (one per file) plus the chunk counter, and whose associated data
binds it to the item, its position and whether it is the last chunk. Reordering,
dropping, truncating or moving chunks to another item therefore fails to decrypt.

The key is derived (HKDF-SHA256) from CLEARPOST_ENCRYPTION_KEY for this one purpose,
so the field-encryption key is never used directly on files.

Layout: b"CPM1" | prefix (8) | chunk_size (4, big endian) | sealed chunks...
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from clearpost import crypto

MAGIC = b"CPM1"
CHUNK = 1024 * 1024
TAG = 16


class SealedFileError(ValueError):
    """The stored file was altered, truncated, moved or made with another key."""


def _key() -> bytes:
    key: bytes = settings.CLEARPOST_ENCRYPTION_KEY
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"clearpost media original v1"
    ).derive(key)


def _aad(binding: str, index: int, last: bool) -> bytes:
    return f"{binding}|{index}|{int(last)}".encode()


def seal_stream(source: BinaryIO, sink: BinaryIO, binding: str, chunk: int = CHUNK) -> int:
    """Encrypt `source` into `sink`; returns the plaintext size. Memory: two chunks."""
    aes = AESGCM(_key())
    prefix = os.urandom(8)
    sink.write(MAGIC + prefix + struct.pack(">I", chunk))
    index, size = 0, 0
    current = source.read(chunk)
    while True:
        following = source.read(chunk) if len(current) == chunk else b""
        last = not following
        nonce = prefix + struct.pack(">I", index)
        sink.write(aes.encrypt(nonce, current, _aad(binding, index, last)))
        size += len(current)
        if last:
            return size
        index += 1
        current = following


def open_stream(source: BinaryIO, binding: str) -> Iterator[bytes]:
    """Decrypt chunk by chunk; raises SealedFileError on any tampering or truncation."""
    head = source.read(16)
    if len(head) != 16 or head[:4] != MAGIC:
        raise SealedFileError("not a sealed media file")
    prefix, chunk = head[4:12], struct.unpack(">I", head[12:16])[0]
    aes = AESGCM(_key())
    index = 0
    current = source.read(chunk + TAG)
    while True:
        following = source.read(chunk + TAG)
        last = not following
        nonce = prefix + struct.pack(">I", index)
        try:
            yield aes.decrypt(nonce, current, _aad(binding, index, last))
        except InvalidTag:
            raise SealedFileError("the stored original cannot be decrypted") from None
        if last:
            return
        index += 1
        current = following


def seal_text(value: str, binding: str) -> str:
    return crypto.encrypt(settings.CLEARPOST_ENCRYPTION_KEY, value, binding) if value else ""


def open_text(token: str, binding: str) -> str:
    return crypto.decrypt(settings.CLEARPOST_ENCRYPTION_KEY, token, binding) if token else ""
