from __future__ import annotations

import os

import pytest

from clearpost import crypto

KEY = os.urandom(32)


def test_round_trip_and_nonce_is_random() -> None:
    a = crypto.encrypt(KEY, "Sarah Jones", "patient.name:1")
    b = crypto.encrypt(KEY, "Sarah Jones", "patient.name:1")
    assert a != b
    assert crypto.decrypt(KEY, a, "patient.name:1") == "Sarah Jones"


@pytest.mark.parametrize(
    ("mutate", "aad", "key"),
    [
        (lambda t: t, "patient.name:2", KEY),  # moved to another row
        (lambda t: t, "patient.name:1", os.urandom(32)),  # another key
        (lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), "patient.name:1", KEY),
        (lambda t: "v9:" + t[3:], "patient.name:1", KEY),
        (lambda t: "garbage", "patient.name:1", KEY),
    ],
    ids=["moved-row", "other-key", "flipped-bytes", "unknown-version", "garbage"],
)
def test_tampering_fails_closed(mutate, aad, key) -> None:
    token = crypto.encrypt(KEY, "Sarah Jones", "patient.name:1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key, mutate(token), aad)


def test_blind_index_normalises_and_separates_purposes() -> None:
    assert crypto.blind_index(KEY, "  Sarah   JONES ", "name") == crypto.blind_index(
        KEY, "sarah jones", "name"
    )
    assert crypto.blind_index(KEY, "sarah jones", "name") != crypto.blind_index(
        KEY, "sarah jones", "mrn"
    )
    assert crypto.blind_index(KEY, "sarah jones", "name") != crypto.blind_index(
        os.urandom(32), "sarah jones", "name"
    )
