"""Secrets that must exist before Django starts: the secret key and the PHI keys.

Given in the environment, they are used as they are. Otherwise they are generated once
into the data folder (mode 0600, created with O_EXCL so two processes starting at the
same moment cannot each write a different key and orphan the other's ciphertext).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from clearpost.app.env import Env, SettingsError

KEY_BYTES = 32


def _read_or_create(path: Path, make: bytes) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(make)
        fh.flush()
        os.fsync(fh.fileno())
    return make


def secret_key(env: Env, data_dir: Path) -> str:
    given = env.optional("CLEARPOST_SECRET_KEY")
    if given:
        if len(given) < 32:
            raise SettingsError("CLEARPOST_SECRET_KEY must be at least 32 characters")
        return given
    raw = _read_or_create(data_dir / "keys" / "secret_key", secrets.token_urlsafe(50).encode())
    return raw.decode()


def _b64_key(env: Env, name: str, path: Path) -> bytes:
    given = env.optional(name)
    raw = (
        given.encode()
        if given
        else _read_or_create(path, base64.b64encode(secrets.token_bytes(KEY_BYTES)))
    )
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise SettingsError(f"{name} (or {path}) must be base64 of {KEY_BYTES} bytes") from None
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"{name} (or {path}) must be base64 of {KEY_BYTES} bytes, got {len(key)}"
        )
    return key


def encryption_key(env: Env, data_dir: Path) -> bytes:
    """AES-256-GCM key for patient identity fields and original media."""
    return _b64_key(env, "CLEARPOST_ENCRYPTION_KEY", data_dir / "keys" / "encryption.key")


def index_key(env: Env, data_dir: Path) -> bytes:
    """HMAC key for blind indexes: kept apart from the encryption key."""
    return _b64_key(env, "CLEARPOST_INDEX_KEY", data_dir / "keys" / "index.key")


def audit_key(env: Env, data_dir: Path) -> bytes:
    """HMAC key that seals the audit trail and signs its checkpoints. It lives outside
    the database (this file or the environment), so whoever can edit the database
    cannot make a seal; give it in CLEARPOST_AUDIT_KEY to keep it off the data disk."""
    return _b64_key(env, "CLEARPOST_AUDIT_KEY", data_dir / "keys" / "audit.key")
