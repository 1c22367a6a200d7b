"""The audit trail against an insider with SQL access but neither the audit key nor the
checkpoint file: every tamper from issue 12, done with SQL on the real tables, is named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from clearpost.app.audit.actions import checkpoint_path, record, verify_all, verify_practice
from clearpost.app.audit.models import AppendOnlyError, AuditEvent, ChainHead
from clearpost.app.practices.models import Practice
from clearpost.cli import main as cli

pytestmark = pytest.mark.django_db


def seed(practice: Practice | None = None, n: int = 6) -> list[AuditEvent]:
    return [
        record("test.event", actor_label="tester", practice=practice, detail={"n": i})
        for i in range(n)
    ]


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])


def sha(*parts: object) -> str:
    """All an attacker without the key can make: a plain hash."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def forge(practice: Practice, chain_seq: int, prev_hash: str, **body: object) -> AuditEvent:
    """An INSERT of a well-formed event, linked to `prev_hash`."""
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    return AuditEvent.objects.create(
        seq=last.seq + 1,
        chain=practice.pk,
        chain_seq=chain_seq,
        at=last.at,
        practice=practice,
        actor_label=str(body.get("actor_label", "forger")),
        action="patient.view",
        prev_hash=prev_hash,
        hash=sha(prev_hash, chain_seq, body),
    )


def set_head(practice: Practice, event: AuditEvent) -> None:
    sql(
        "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE chain = %s",
        [event.chain_seq, event.hash, practice.pk],
    )


@pytest.fixture
def tamperable() -> None:
    """Tampering needs the PostgreSQL trigger out of the way; the drop is rolled back
    with the test's transaction (PostgreSQL DDL is transactional)."""
    if connection.vendor == "postgresql":
        sql("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent")


@pytest.fixture
def sealed(practice: Practice, tamperable: None) -> list[AuditEvent]:
    """Six events, then a verification, which writes a signed checkpoint outside the DB."""
    events = seed(practice)
    assert verify_practice(practice).ok
    return events


def _truncate(p: Practice, ev: list[AuditEvent]) -> None:
    sql("DELETE FROM audit_auditevent WHERE chain = %s AND chain_seq > 4", [p.pk])
    set_head(p, ev[3])


def _empty(p: Practice, ev: list[AuditEvent]) -> None:
    sql("DELETE FROM audit_auditevent WHERE chain = %s", [p.pk])
    sql("DELETE FROM audit_chainhead WHERE chain = %s", [p.pk])


def _head_back(p: Practice, ev: list[AuditEvent]) -> None:
    set_head(p, ev[2])


def _forge_append(move_head: bool) -> Callable[[Practice, list[AuditEvent]], None]:
    def run(p: Practice, ev: list[AuditEvent]) -> None:
        forged = forge(p, 7, ev[-1].hash)
        if move_head:
            set_head(p, forged)

    return run


def _relink(p: Practice, ev: list[AuditEvent]) -> None:
    sql("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [ev[2].pk])
    prev = ev[1].hash
    for e in ev[2:]:
        new = sha(prev, e.chain_seq, "relinked")
        sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, e.pk]
        )
        prev = new
    sql("UPDATE audit_chainhead SET hash = %s WHERE chain = %s", [prev, p.pk])


def _insert(p: Practice, ev: list[AuditEvent]) -> None:
    for e in reversed(ev[2:]):  # make room at position 3, last first (unique positions)
        sql("UPDATE audit_auditevent SET chain_seq = chain_seq + 1 WHERE id = %s", [e.pk])
    forge(p, 3, ev[1].hash)
    sql("UPDATE audit_chainhead SET seq = 7 WHERE chain = %s", [p.pk])


def _change(p: Practice, ev: list[AuditEvent]) -> None:
    sql("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [ev[2].pk])


def _delete_middle(p: Practice, ev: list[AuditEvent]) -> None:
    sql("DELETE FROM audit_auditevent WHERE id = %s", [ev[3].pk])


def _head_deleted(p: Practice, ev: list[AuditEvent]) -> None:
    sql("DELETE FROM audit_chainhead WHERE chain = %s", [p.pk])


TAMPERS = [
    ("truncated tail, head moved back", _truncate, "truncated"),
    ("every event and the head deleted", _empty, "emptied"),
    ("head rolled back", _head_back, "head-rolled-back"),
    ("forged append, head left", _forge_append(False), "forged"),
    ("forged append, head moved", _forge_append(True), "forged"),
    ("changed and re-linked", _relink, "relinked"),
    ("insertion", _insert, "inserted"),
    ("changed event", _change, "changed"),
    ("deleted event", _delete_middle, "deleted"),
    ("head row deleted", _head_deleted, "head-missing"),
]


@pytest.mark.parametrize(("tamper", "kind"), [t[1:] for t in TAMPERS], ids=[t[0] for t in TAMPERS])
def test_each_tamper_is_named_by_verify_and_the_cli(
    practice: Practice, sealed: list[AuditEvent], tamper, kind: str, capsys
) -> None:
    tamper(practice, sealed)
    report = verify_practice(practice)
    assert not report.ok and kind in {p.kind for p in report.problems}, report.problems
    lines_before = checkpoint_path().read_text().count("\n")
    assert cli(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"{kind.upper()} in practice {practice.slug}" in out
    # a tampered chain is never checkpointed: the evidence stays
    assert checkpoint_path().read_text().count("\n") == lines_before


def test_intact_trail_verifies_and_every_verify_appends_a_signed_checkpoint(
    practice: Practice, capsys
) -> None:
    seed(practice)
    seed(None, 2)  # events of no practice: chain 0
    assert verify_practice(practice).ok
    assert cli(["audit", "verify"]) == 0
    assert "every chain intact" in capsys.readouterr().out
    lines = [json.loads(x) for x in checkpoint_path().read_text().splitlines()]
    # verify_practice: this practice; the CLI: every chain, in chain order
    assert [(x["chain"], x["seq"]) for x in lines] == [(practice.pk, 6), (0, 2), (practice.pk, 6)]
    assert all(len(x["mac"]) == 64 for x in lines)


def test_a_practice_verifies_its_own_chain_only(
    practice: Practice, other_practice: Practice, tamperable: None
) -> None:
    mine = seed(practice)
    theirs = seed(other_practice)
    assert verify_practice(practice).ok and verify_practice(other_practice).ok
    sql("DELETE FROM audit_auditevent WHERE chain = %s", [other_practice.pk])
    sql("DELETE FROM audit_chainhead WHERE chain = %s", [other_practice.pk])
    report = verify_practice(practice)
    assert report.ok and report.events == len(mine) and report.problems == []
    assert {p.kind for p in verify_practice(other_practice).problems} >= {"emptied"}
    assert len(theirs) == 6


def test_events_of_each_practice_form_their_own_numbered_chain(
    practice: Practice, other_practice: Practice
) -> None:
    a = seed(practice, 2)
    b = seed(other_practice, 2)
    assert [e.chain_seq for e in a] == [1, 2] == [e.chain_seq for e in b]
    assert {e.chain for e in a} == {practice.pk}
    assert ChainHead.objects.get(chain=practice.pk).hash == a[-1].hash


def test_a_damaged_checkpoint_file_is_reported_by_the_cli(practice: Practice, capsys) -> None:
    seed(practice)
    assert verify_practice(practice).ok
    path = checkpoint_path()
    path.write_text(path.read_text().replace('"seq": 6', '"seq": 2'))
    assert cli(["audit", "verify"]) == 1
    assert "CHECKPOINT-FORGED" in capsys.readouterr().out


def test_orm_refuses_update_and_delete() -> None:
    event = seed(None, 1)[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_database_refuses_update_and_delete(statement: str) -> None:
    seed(None, 2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert AuditEvent.objects.count() == 2


def test_verify_all_covers_every_chain(practice: Practice, other_practice: Practice) -> None:
    seed(practice, 2)
    seed(other_practice, 3)
    reports = {r.chain: r for r in verify_all()}
    assert reports[practice.pk].events == 2 and reports[other_practice.pk].events == 3


def test_export_jsonl_and_csv(tmp_path) -> None:
    seed(None, 3)
    out = tmp_path / "trail.jsonl"
    assert cli(["audit", "export", "--format", "jsonl", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows) and len(rows) == 3
    assert all(len(r["hash"]) == 64 for r in rows)
    csv_out = tmp_path / "trail.csv"
    assert (
        cli(["audit", "export", "--format", "csv", "--since", "2000-01-01", "--out", str(csv_out)])
        == 0
    )
    assert csv_out.read_text().count("\n") == 4
    empty = tmp_path / "none.jsonl"
    assert cli(["audit", "export", "--until", "2000-01-01", "--out", str(empty)]) == 0
    assert empty.read_text() == ""


def test_unknown_rule_id_is_refused() -> None:
    from clearpost.engine.catalog import UnknownRuleError

    with pytest.raises(UnknownRuleError):
        record("x", rule="NOT-A-RULE")


def test_scheduled_task_checkpoints_intact_chains_only(
    practice: Practice, other_practice: Practice, tamperable: None
) -> None:
    from clearpost.app.audit.tasks import checkpoint_audit

    seed(practice, 2)
    seed(other_practice, 3)
    assert checkpoint_audit.call() == {"chains": 2, "tampered": 0}
    sql("UPDATE audit_auditevent SET actor_label = 'x' WHERE chain = %s", [other_practice.pk])
    assert checkpoint_audit.call() == {"chains": 2, "tampered": 1}
    lines = [json.loads(x) for x in checkpoint_path().read_text().splitlines()]
    assert [x["chain"] for x in lines] == [practice.pk, other_practice.pk, practice.pk]


def test_checkpoints_can_also_go_to_a_remote_syslog(practice: Practice, settings) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        settings.AUDIT_CHECKPOINT_SYSLOG = f"127.0.0.1:{server.getsockname()[1]}"
        seed(practice, 2)
        assert verify_practice(practice).ok
        datagram = server.recv(4096).decode().rstrip("\x00")
    assert "clearpost-audit-checkpoint" in datagram
    assert json.loads(datagram.split("clearpost-audit-checkpoint ", 1)[1])["seq"] == 2
