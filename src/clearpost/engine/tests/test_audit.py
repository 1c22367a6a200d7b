from __future__ import annotations

from dataclasses import replace

from clearpost.engine import audit
from clearpost.engine.audit import StoredEvent


def make_chain(n: int) -> list[StoredEvent]:
    events = []
    prev = audit.GENESIS
    for seq in range(1, n + 1):
        body = {"action": "patient.view", "actor": seq % 3, "object": f"patient:{seq}"}
        h = audit.link_hash(prev, seq, body)
        events.append(StoredEvent(seq, body, prev, h))
        prev = h
    return events


def kinds(problems: list[audit.ChainProblem]) -> set[tuple[int, str]]:
    return {(p.seq, p.kind) for p in problems}


def test_intact_chain_verifies() -> None:
    assert audit.verify(make_chain(10)) == []


def test_changed_body_is_found() -> None:
    chain = make_chain(5)
    chain[2] = replace(chain[2], body={**chain[2].body, "actor": 99})
    assert (3, "changed") in kinds(audit.verify(chain))


def test_deleted_event_is_found() -> None:
    chain = make_chain(5)
    del chain[2]
    assert (4, "deleted") in kinds(audit.verify(chain))


def test_deleted_tail_is_invisible_without_a_head_pointer() -> None:
    # Truncation at the end is caught by comparing the count/head hash that the app
    # anchors separately; the chain alone cannot know. This test pins that limit.
    assert audit.verify(make_chain(5)[:4]) == []


def test_inserted_event_is_found() -> None:
    chain = make_chain(5)
    forged_body = {"action": "forged"}
    forged = StoredEvent(3, forged_body, "f" * 64, audit.link_hash("f" * 64, 3, forged_body))
    chain.insert(3, forged)
    assert (3, "inserted") in kinds(audit.verify(chain))


def test_reordered_events_are_found() -> None:
    chain = make_chain(5)
    a, b = chain[1], chain[2]
    chain[1] = replace(b, seq=2)
    chain[2] = replace(a, seq=3)
    assert kinds(audit.verify(chain)) >= {(2, "reordered"), (3, "reordered")}


def test_content_hash_is_stable_and_private() -> None:
    assert audit.content_hash(None) is None
    a = audit.content_hash({"b": 1, "a": "Sarah"})
    assert a == audit.content_hash({"a": "Sarah", "b": 1})
    assert a is not None and "Sarah" not in a
