from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from clearpost.app.audit.actions import record, verify_trail
from clearpost.app.audit.models import AppendOnlyError, AuditEvent
from clearpost.cli import main as cli

pytestmark = pytest.mark.django_db


def seed(n: int = 6) -> list[AuditEvent]:
    return [record("test.event", actor_label="tester", detail={"n": i}) for i in range(n)]


@pytest.fixture
def tamperable() -> None:
    """Tampering needs the PostgreSQL trigger out of the way; the drop is rolled back
    with the test's transaction (PostgreSQL DDL is transactional)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent")


def test_chain_is_intact_and_cli_says_so(capsys) -> None:
    seed()
    assert verify_trail() == []
    assert cli(["audit", "verify"]) == 0
    assert "chain intact" in capsys.readouterr().out


def test_orm_refuses_update_and_delete() -> None:
    event = seed(1)[0]
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
    "sql", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_database_refuses_update_and_delete(sql) -> None:
    seed(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert AuditEvent.objects.count() == 2


def test_changed_event_is_named(tamperable, capsys) -> None:
    events = seed()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone else' WHERE seq = %s",
            [events[2].seq],
        )
    assert cli(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"CHANGED at event {events[2].seq}" in out


def test_deleted_event_is_named(tamperable, capsys) -> None:
    events = seed()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[3].seq])
    assert cli(["audit", "verify"]) == 1
    assert "DELETED" in capsys.readouterr().out


def test_deleted_tail_is_named(tamperable) -> None:
    events = seed()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    problems = verify_trail()
    assert [p.kind for p in problems] == ["deleted"]


def test_reordered_events_are_named(tamperable) -> None:
    events = seed()
    a, b = events[1].seq, events[2].seq
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a])
        cur.execute("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a, b])
        cur.execute("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b])
    kinds = {(p.seq, p.kind) for p in verify_trail()}
    assert (a, "reordered") in kinds and (b, "reordered") in kinds


def test_inserted_event_is_named(tamperable) -> None:
    events = seed()
    last = events[-1]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_auditevent (seq, at, actor_label, action, rule, object_type, object_id, before_hash,"
            " after_hash, detail, prev_hash, hash) VALUES (%s, %s, 'forger', 'forged', '', '', '', '', '', '{}', %s, %s)",
            [last.seq + 1, last.at, "f" * 64, "e" * 64],
        )
    kinds = {p.kind for p in verify_trail()}
    assert kinds & {"inserted", "changed"}


def test_export_jsonl_and_csv(tmp_path) -> None:
    seed(3)
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
