"""The sealed chain, table-driven: every tamper an insider with SQL can do, named."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace

import pytest

from clearpost.engine import audit
from clearpost.engine.audit import Checkpoint, Head, StoredEvent

KEY = b"k" * 32
CHAIN = 7


def make_chain(n: int, key: bytes = KEY, chain: int = CHAIN) -> list[StoredEvent]:
    events = []
    prev = audit.GENESIS
    for seq in range(1, n + 1):
        body = {"action": "patient.view", "actor": seq % 3, "object": f"patient:{seq}"}
        h = audit.seal(key, chain, prev, seq, body)
        events.append(StoredEvent(seq, body, prev, h))
        prev = h
    return events


def head_of(events: list[StoredEvent]) -> Head:
    return Head(events[-1].seq, events[-1].hash) if events else Head(0, audit.GENESIS)


def checkpoint(events: list[StoredEvent]) -> Checkpoint:
    return Checkpoint(CHAIN, events[-1].seq, events[-1].hash, "2026-01-01T00:00:00+00:00")


def sha_link(prev: str, seq: int, body: Mapping[str, object]) -> str:
    """What an attacker without the key can compute: a plain hash."""
    return hashlib.sha256(f"{prev}{seq}".encode() + audit.canonical(body)).hexdigest()


def verify(events, head, cps=()):
    return audit.verify_chain(KEY, CHAIN, events, head, cps)


def kinds(problems: list[audit.ChainProblem]) -> set[str]:
    return {p.kind for p in problems}


Scenario = Callable[[list[StoredEvent]], tuple[list[StoredEvent], Head | None]]


def _truncate(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    kept = ev[:-2]
    return kept, head_of(kept)  # head moved back too


def _empty(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    return [], None


def _head_back(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    return ev, Head(ev[2].seq, ev[2].hash)


def _forge_append(move_head: bool) -> Scenario:
    def run(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
        body = {"action": "forged", "actor": 1, "object": "patient:1"}
        forged = StoredEvent(
            len(ev) + 1, body, ev[-1].hash, sha_link(ev[-1].hash, len(ev) + 1, body)
        )
        out = [*ev, forged]
        return out, head_of(out) if move_head else head_of(ev)

    return run


def _relink(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    out = list(ev[:2])
    prev = out[-1].hash
    for e in ev[2:]:
        body = {**e.body, "actor": 99} if e.seq == 3 else dict(e.body)
        h = sha_link(prev, e.seq, body)
        out.append(StoredEvent(e.seq, body, prev, h))
        prev = h
    return out, head_of(out)


def _insert(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    body = {"action": "forged"}
    forged = StoredEvent(3, body, ev[1].hash, sha_link(ev[1].hash, 3, body))
    moved = [replace(e, seq=e.seq + 1) for e in ev[2:]]
    out = [*ev[:2], forged, *moved]
    return out, Head(out[-1].seq, out[-1].hash)


def _change(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    out = list(ev)
    out[2] = replace(out[2], body={**out[2].body, "actor": 99})
    return out, head_of(ev)


def _delete_middle(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    return [*ev[:2], *ev[3:]], head_of(ev)


def _reorder(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    out = list(ev)
    out[1], out[2] = replace(ev[2], seq=2), replace(ev[1], seq=3)
    return out, head_of(ev)


def _head_deleted(ev: list[StoredEvent]) -> tuple[list[StoredEvent], Head | None]:
    return ev, None


TAMPERS: list[tuple[str, Scenario, str, int]] = [
    ("truncated tail, head moved back", _truncate, "truncated", 5),
    ("every event and the head deleted", _empty, "emptied", 1),
    ("head rolled back", _head_back, "head-rolled-back", 3),
    ("forged append, head left", _forge_append(False), "forged", 7),
    ("forged append, head moved", _forge_append(True), "forged", 7),
    ("changed and re-linked", _relink, "relinked", 3),
    ("insertion", _insert, "inserted", 3),
    ("changed body", _change, "changed", 3),
    ("deleted middle event", _delete_middle, "deleted", 4),
    ("reordered", _reorder, "reordered", 2),
    ("head row deleted", _head_deleted, "head-missing", 6),
]


@pytest.mark.parametrize(
    ("scenario", "expected", "at"), [t[1:] for t in TAMPERS], ids=[t[0] for t in TAMPERS]
)
def test_each_tamper_is_found_and_named(scenario: Scenario, expected: str, at: int) -> None:
    events = make_chain(6)
    cps = [checkpoint(events)]  # written before the tamper, outside the database
    tampered, head = scenario(events)
    problems = verify(tampered, head, cps)
    assert (at, expected) in {(p.seq, p.kind) for p in problems}, problems


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [(_relink, "forged"), (_forge_append(True), "forged"), (_insert, "inserted")],
)
def test_tampers_the_key_alone_catches_without_checkpoints(
    scenario: Scenario, expected: str
) -> None:
    """Before any checkpoint, a rewritten tail cannot be told from an appended one:
    both are unsealed events at the end, named forged."""
    tampered, head = scenario(make_chain(6))
    assert expected in kinds(verify(tampered, head))


def test_intact_chain_with_head_and_checkpoint_verifies() -> None:
    events = make_chain(10)
    assert verify(events, head_of(events), [checkpoint(events[:4]), checkpoint(events)]) == []
    assert verify([], None) == []


def test_a_chain_sealed_with_another_key_or_chain_does_not_verify() -> None:
    other_key = make_chain(3, key=b"x" * 32)
    assert "forged" in kinds(verify(other_key, head_of(other_key)))
    moved = make_chain(3, chain=CHAIN + 1)  # another practice's events copied in
    assert "forged" in kinds(verify(moved, head_of(moved)))


def test_growth_after_a_checkpoint_is_fine() -> None:
    events = make_chain(8)
    assert verify(events, head_of(events), [checkpoint(events[:5])]) == []


def test_checkpoint_lines_are_signed() -> None:
    cp = Checkpoint(3, 10, "a" * 64, "2026-01-01T00:00:00+00:00")
    line = audit.checkpoint_line(KEY, cp)
    good, bad = audit.read_checkpoints(KEY, [line, line.replace('"seq": 10', '"seq": 2'), "{"])
    assert good == [cp] and bad == [2, 3]
    assert audit.read_checkpoints(b"z" * 32, [line]) == ([], [1])


def test_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        audit.seal(b"short", 0, audit.GENESIS, 1, {})


def test_content_hash_is_stable_and_private() -> None:
    assert audit.content_hash(None) is None
    a = audit.content_hash({"b": 1, "a": "Sarah"})
    assert a == audit.content_hash({"a": "Sarah", "b": 1})
    assert a is not None and "Sarah" not in a
