"""The audit trail's hash chain: how events are sealed and how tampering is found.

Each event's hash covers its sequence number, its canonical JSON body and the previous
event's hash. Verification walks the stored events in sequence order and names the
first sign of each kind of tampering: a changed body (its hash no longer matches), a
deleted event (a gap in sequence numbers, or a link to a hash that is not the
predecessor's), an inserted event (a duplicate or out-of-place sequence number) and a
reordering (events whose links form a valid chain only in another order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

GENESIS = "0" * 64


def _default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable in an audit body: {type(value).__name__}")


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def link_hash(prev_hash: str, seq: int, body: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(b"\x00")
    h.update(str(seq).encode("ascii"))
    h.update(b"\x00")
    h.update(canonical(body))
    return h.hexdigest()


def content_hash(value: Mapping[str, Any] | None) -> str | None:
    """Hash of an object's before/after state, so the trail proves what changed without
    copying PHI into it."""
    if value is None:
        return None
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    body: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    kind: str  # changed | deleted | inserted | reordered
    message: str


REORDER_WINDOW = 16


def _written_at(event: StoredEvent) -> int | None:
    """The sequence number the event's hash was sealed with, if near its current place."""
    if link_hash(event.prev_hash, event.seq, event.body) == event.hash:
        return event.seq
    for delta in range(1, REORDER_WINDOW + 1):
        for candidate in (event.seq - delta, event.seq + delta):
            if candidate > 0 and link_hash(event.prev_hash, candidate, event.body) == event.hash:
                return candidate
    return None


def verify(events: Iterable[StoredEvent]) -> list[ChainProblem]:
    ordered = sorted(events, key=lambda e: e.seq)
    problems: list[ChainProblem] = []
    hashes = {e.hash for e in ordered}
    expected_prev = GENESIS
    expected_seq = 1
    seen_seq: set[int] = set()
    for event in ordered:
        seq = event.seq
        if seq in seen_seq:
            problems.append(ChainProblem(seq, "inserted", f"event {seq} appears twice"))
            continue
        seen_seq.add(seq)
        written = _written_at(event)
        if written is None:
            problems.append(
                ChainProblem(seq, "changed", f"event {seq} was altered after it was written")
            )
        elif written != seq:
            problems.append(
                ChainProblem(
                    seq,
                    "reordered",
                    f"the event at position {seq} was written at position {written}",
                )
            )
        elif seq > expected_seq:
            missing = (
                f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq} to {seq - 1}"
            )
            problems.append(
                ChainProblem(seq, "deleted", f"event {missing} is missing before event {seq}")
            )
        elif event.prev_hash != expected_prev:
            if event.prev_hash in hashes:
                problems.append(
                    ChainProblem(seq, "reordered", f"event {seq} does not follow event {seq - 1}")
                )
            else:
                problems.append(
                    ChainProblem(
                        seq,
                        "inserted",
                        f"event {seq} links to no event in the trail: it was inserted",
                    )
                )
        expected_prev = event.hash
        expected_seq = seq + 1
    return problems
