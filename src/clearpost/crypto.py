"""Field encryption and blind indexes for PHI at rest (SEC-ENCRYPTION-REST).

AES-256-GCM with a random 96-bit nonce per value; the associated data binds a
ciphertext to its table, column and row owner so a value copied into another
patient's row fails to decrypt instead of silently showing the wrong identity.
Exact-match lookup uses a keyed HMAC-SHA256 of the normalised value (a blind index)
with a separate key, so searching never needs the table decrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"v1"


class DecryptionError(ValueError):
    """A ciphertext that was altered, moved, or made with another key."""


def encrypt(key: bytes, plaintext: str, associated: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), associated.encode("utf-8"))
    return (VERSION + b":" + base64.urlsafe_b64encode(nonce + sealed)).decode("ascii")


def decrypt(key: bytes, token: str, associated: str) -> str:
    try:
        version, body = token.encode("ascii").split(b":", 1)
        if version != VERSION:
            raise DecryptionError(f"unknown ciphertext version {version!r}")
        raw = base64.urlsafe_b64decode(body)
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], associated.encode("utf-8"))
    except (ValueError, InvalidTag) as exc:
        raise DecryptionError("the stored value cannot be decrypted with this key") from exc
    return plain.decode("utf-8")


def normalise(value: str) -> str:
    """Case, accents' composition and spacing must not defeat an exact-match lookup."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def blind_index(key: bytes, value: str, purpose: str) -> str:
    mac = hmac.new(key, f"{purpose}\x00{normalise(value)}".encode(), hashlib.sha256)
    return mac.hexdigest()
