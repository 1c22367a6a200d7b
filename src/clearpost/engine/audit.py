"""The audit trail's sealed chains: how events are sealed and how tampering is found.

Threat model: an insider with any SQL access to the database, who knows this code, but
holds neither the audit key (a file in the data folder's keys/ or an environment
variable) nor anything stored outside the database.

- Every practice has its own chain (chain 0 holds events with no practice), so a
  practice can verify its own trail without learning anything about another's.
- Each event is sealed with HMAC-SHA256 under the audit key over the chain number, its
  position in the chain, its canonical body and the previous event's seal. Without the
  key nobody can make a seal, so an edited, inserted or appended event, or a chain
  re-linked after an edit, does not verify; a plain hash could simply be recomputed.
- Deleting whole events from the end, or the whole trail, leaves a chain that verifies
  on its own. That is what checkpoints are for: signed (HMAC, a key derived from the
  audit key) records of each chain's head (position and seal), appended to a file
  outside the database on a schedule and at every verification. A chain that is shorter
  than a checkpoint says, or whose event at a checkpointed position no longer carries
  the checkpointed seal, has been cut or rewritten.

Verification names each problem: changed, deleted, inserted, reordered, forged,
relinked, truncated, emptied, head-missing, head-rolled-back, checkpoint-forged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

GENESIS = "0" * 64
REORDER_WINDOW = 16
_CHECKPOINT_LABEL = b"clearpost audit checkpoint v1"


def _default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable in an audit body: {type(value).__name__}")


def canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def seal(key: bytes, chain: int, prev_hash: str, seq: int, body: Mapping[str, Any]) -> str:
    """The event's seal: HMAC-SHA256 under the audit key, so only the app can make one."""
    if len(key) < 32:
        raise ValueError("the audit key must be at least 32 bytes")
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in (b"v2", str(chain).encode(), prev_hash.encode("ascii"), str(seq).encode()):
        mac.update(part)
        mac.update(b"\x00")
    mac.update(canonical(body))
    return mac.hexdigest()


def content_hash(value: Mapping[str, Any] | None) -> str | None:
    """Hash of an object's before/after state, so the trail proves what changed without
    copying PHI into it."""
    if value is None:
        return None
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int  # position in its chain, from 1
    body: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    chain: int
    seq: int
    hash: str
    at: str  # ISO time the checkpoint was written


# Checkpoints ----------------------------------------------------------------------


def checkpoint_key(key: bytes) -> bytes:
    """A key of its own for checkpoints, derived from the audit key."""
    return hmac.new(key, _CHECKPOINT_LABEL, hashlib.sha256).digest()


def _checkpoint_body(cp: Checkpoint) -> bytes:
    return canonical({"chain": cp.chain, "seq": cp.seq, "hash": cp.hash, "at": cp.at})


def checkpoint_line(key: bytes, cp: Checkpoint) -> str:
    """One JSON line for the append-only checkpoint file, signed."""
    mac = hmac.new(checkpoint_key(key), _checkpoint_body(cp), hashlib.sha256).hexdigest()
    return json.dumps(
        {"chain": cp.chain, "seq": cp.seq, "hash": cp.hash, "at": cp.at, "mac": mac},
        sort_keys=True,
    )


def read_checkpoints(key: bytes, lines: Iterable[str]) -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints whose signature verifies, and the line numbers of those that do
    not (a line cut short by a crash mid-write is the only innocent cause)."""
    good: list[Checkpoint] = []
    bad: list[int] = []
    ck = checkpoint_key(key)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cp = Checkpoint(int(raw["chain"]), int(raw["seq"]), str(raw["hash"]), str(raw["at"]))
            mac = str(raw["mac"])
        except (ValueError, KeyError, TypeError):
            bad.append(n)
            continue
        want = hmac.new(ck, _checkpoint_body(cp), hashlib.sha256).hexdigest()
        if hmac.compare_digest(want, mac):
            good.append(cp)
        else:
            bad.append(n)
    return good, bad


# Verification ---------------------------------------------------------------------


def _written_at(key: bytes, chain: int, event: StoredEvent) -> int | None:
    """The position the event was sealed at, if near its current place; None if the
    seal was not made with the key (an edited or forged event)."""
    if hmac.compare_digest(seal(key, chain, event.prev_hash, event.seq, event.body), event.hash):
        return event.seq
    for delta in range(1, REORDER_WINDOW + 1):
        for candidate in (event.seq - delta, event.seq + delta):
            if candidate > 0 and hmac.compare_digest(
                seal(key, chain, event.prev_hash, candidate, event.body), event.hash
            ):
                return candidate
    return None


def _span(a: int, b: int) -> str:
    return f"event {a}" if a == b else f"events {a} to {b}"


def verify_chain(
    key: bytes,
    chain: int,
    events: Iterable[StoredEvent],
    head: Head | None,
    checkpoints: Sequence[Checkpoint] = (),
) -> list[ChainProblem]:
    """Every problem in one chain, each named; [] means intact.

    `head` is the chain's head row (None when it is missing), `checkpoints` the signed
    checkpoints of this chain read from outside the database.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    cps = sorted((c for c in checkpoints if c.chain == chain), key=lambda c: c.seq)
    anchored = cps[-1] if cps else None
    if not ordered:
        return _empty_chain(head, anchored)
    written = [_written_at(key, chain, e) for e in ordered]
    problems, inserted, explained, tail_start = _unsealed_runs(ordered, written, cps, anchored)
    problems += _walk(ordered, written, inserted, explained)
    problems += _ends(ordered, tail_start, head, anchored, cps, problems)
    return sorted(problems, key=lambda p: (p.seq, p.kind))


def _empty_chain(head: Head | None, anchored: Checkpoint | None) -> list[ChainProblem]:
    problems = []
    if anchored is not None and anchored.seq > 0:
        problems.append(
            ChainProblem(
                1,
                "emptied",
                f"the trail is empty, but a checkpoint taken {anchored.at} recorded "
                f"{anchored.seq} events: every event was deleted",
            )
        )
    if head is None and anchored is not None:
        problems.append(ChainProblem(0, "head-missing", "the head record of the trail was deleted"))
    elif head is not None and head.seq > 0:
        problems.append(
            ChainProblem(
                1, "truncated", f"events 1 to {head.seq} were removed (the head records them)"
            )
        )
    return problems


def _unsealed_runs(
    ordered: list[StoredEvent],
    written: list[int | None],
    cps: list[Checkpoint],
    anchored: Checkpoint | None,
) -> tuple[list[ChainProblem], dict[int, int], set[int], int]:
    """Name each run of events whose seal does not verify: inserted (the events after
    it moved up), forged (appended past the last checkpoint), relinked (the stored seals
    were rewritten) or changed (a body edited, seal left alone).

    Returns the problems, {index: events inserted before it}, the indexes explained,
    and the index where a forged tail starts (len(ordered) when there is none)."""
    runs: list[tuple[int, int]] = []
    for i, w in enumerate(written):
        if w is not None:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    cp_hash = {c.seq: c.hash for c in cps}
    problems: list[ChainProblem] = []
    inserted_before: dict[int, int] = {}
    explained: set[int] = set()
    inserted = 0
    tail_start = len(ordered)
    end = len(ordered) - 1
    for a, b in runs:
        n = b - a + 1
        first, last = ordered[a].seq, ordered[b].seq
        explained.update(range(a, b + 1))
        nxt = b + 1
        if nxt <= end and written[nxt] == ordered[nxt].seq - inserted - n:
            inserted += n
            for j in range(nxt, len(ordered)):
                inserted_before[j] = inserted
            verb = "was" if n == 1 else "were"
            problems.append(
                ChainProblem(
                    first,
                    "inserted",
                    f"{_span(first, last)} {verb} inserted: not sealed with the trail's key, "
                    "and the events after it moved up",
                )
            )
            continue
        if b == end and (anchored is None or first > anchored.seq):
            tail_start = a
            verb = "is" if n == 1 else "are"
            problems.append(
                ChainProblem(
                    first,
                    "forged",
                    f"{_span(first, last)} at the end {verb} not sealed with the trail's key: "
                    "appended (or rewritten since the last checkpoint) by someone other than ClearPost",
                )
            )
            continue
        rewritten = (
            any(ordered[i].seq in cp_hash and ordered[i].hash != cp_hash[ordered[i].seq]
                for i in range(a, b + 1))
            or (nxt <= end and ordered[nxt].prev_hash != ordered[b].hash)
            or (b == end and n > 1)
        )  # fmt: skip
        if rewritten:
            problems.append(
                ChainProblem(
                    first,
                    "relinked",
                    f"event {first} was changed and the chain re-linked after it: "
                    f"{_span(first, last)} carry seals not made with the trail's key",
                )
            )
            continue
        problems += [
            ChainProblem(e.seq, "changed", f"event {e.seq} was altered after it was written")
            for e in ordered[a : b + 1]
        ]
    return problems, inserted_before, explained, tail_start


def _walk(
    ordered: list[StoredEvent],
    written: list[int | None],
    inserted_before: dict[int, int],
    explained: set[int],
) -> list[ChainProblem]:
    """Gaps and broken links among the events whose seals verify."""
    problems: list[ChainProblem] = []
    expected_prev, expected_w, prev_explained = GENESIS, 1, False
    hashes = {e.hash for e in ordered}
    seen: set[int] = set()
    for i, event in enumerate(ordered):
        seq, w, shift = event.seq, written[i], inserted_before.get(i, 0)
        if seq in seen:
            problems.append(ChainProblem(seq, "inserted", f"event {seq} appears twice"))
            continue
        seen.add(seq)
        if i in explained or w is None:  # named already by _unsealed_runs
            expected_w, expected_prev, prev_explained = seq - shift + 1, event.hash, True
            continue
        if w != seq - shift:
            problems.append(
                ChainProblem(seq, "reordered", f"the event at position {seq} was written at {w}")
            )
        elif w > expected_w:
            problems.append(
                ChainProblem(
                    seq,
                    "deleted",
                    f"{_span(expected_w, w - 1)} {'is' if w - 1 == expected_w else 'are'} "
                    f"missing before event {seq}",
                )
            )
        elif event.prev_hash != expected_prev and not prev_explained:
            kind = "reordered" if event.prev_hash in hashes else "deleted"
            problems.append(ChainProblem(seq, kind, f"event {seq} does not follow event {seq - 1}"))
        expected_w, expected_prev, prev_explained = max(expected_w, w + 1), event.hash, False
    return problems


def _ends(
    ordered: list[StoredEvent],
    tail_start: int,
    head: Head | None,
    anchored: Checkpoint | None,
    cps: list[Checkpoint],
    found: list[ChainProblem],
) -> list[ChainProblem]:
    """The end of the chain against its head row and the checkpoints."""
    problems: list[ChainProblem] = []
    stored_last = ordered[-1].seq
    genuine_last = ordered[tail_start - 1] if tail_start > 0 else None
    genuine_seq = genuine_last.seq if genuine_last is not None else 0
    if head is None:
        problems.append(
            ChainProblem(genuine_seq, "head-missing", "the head record of the trail was deleted")
        )
    claims = [(head.seq, "the head record") if head else (0, "")]
    if anchored is not None:
        claims.append((anchored.seq, f"a checkpoint taken {anchored.at}"))
    claimed, source = max(claims)
    if claimed > stored_last:
        problems.append(
            ChainProblem(
                stored_last + 1,
                "truncated",
                f"{_span(stored_last + 1, claimed)} were removed from the end "
                f"({source} recorded {claimed} events)",
            )
        )
    if head is not None:
        if head.seq < genuine_seq or (anchored is not None and head.seq < anchored.seq):
            problems.append(
                ChainProblem(
                    head.seq,
                    "head-rolled-back",
                    f"the head record was moved back to event {head.seq}",
                )
            )
        elif (
            genuine_last is not None
            and tail_start == len(ordered)
            and head.seq == genuine_seq
            and head.hash != genuine_last.hash
        ):
            problems.append(
                ChainProblem(
                    head.seq, "changed", f"event {head.seq} does not match the head record"
                )
            )
    if not any(p.kind in ("relinked", "forged", "inserted") for p in found):
        by_seq = {e.seq: e for e in ordered}
        for cp in cps:
            event = by_seq.get(cp.seq)
            if event is not None and event.hash != cp.hash:
                problems.append(
                    ChainProblem(
                        cp.seq,
                        "relinked",
                        f"event {cp.seq} is not the event checkpointed {cp.at}: "
                        "the chain was rewritten",
                    )
                )
                break
    return problems
