"""`clearpost audit verify` and `clearpost audit export`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
from typing import Any


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="verify|export")
    sub.add_parser(
        "verify",
        help="check every practice's sealed chain against its head and the signed "
        "checkpoints; exit 1 and name each problem if tampered",
    )
    exp = sub.add_parser("export", help="write events in a date range as JSONL or CSV")
    exp.add_argument("--since", type=dt.date.fromisoformat, help="first day (UTC), YYYY-MM-DD")
    exp.add_argument("--until", type=dt.date.fromisoformat, help="last day (UTC), inclusive")
    exp.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    exp.add_argument("--practice", help="practice slug (default: all practices)")
    exp.add_argument("--out", help="file to write (default: standard output)")


FIELDS = [
    "seq",
    "at",
    "practice",
    "actor",
    "actor_label",
    "action",
    "rule",
    "object_type",
    "object_id",
    "before_hash",
    "after_hash",
    "detail",
    "ip",
    "prev_hash",
    "hash",
]


def run(name: str, args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearpost.app.settings")
    import django

    django.setup()
    from clearpost.app.audit.actions import checkpoint_path, verify_all
    from clearpost.app.audit.models import AuditEvent
    from clearpost.app.practices.models import Practice

    if args.audit_command == "verify":
        reports = verify_all()
        names = dict(Practice.objects.values_list("pk", "slug"))
        bad = 0
        for r in reports:
            label = f"practice {names.get(r.chain, r.chain)}" if r.chain else "system events"
            for p in r.problems:
                bad += 1
                print(f"{p.kind.upper()} in {label} at event {p.seq}: {p.message}")
            for message in r.checkpoint_problems[:1] if r.chain == reports[0].chain else []:
                bad += 1
                print(f"CHECKPOINT-FORGED: {message}")
        count = AuditEvent.objects.count()
        if not bad:
            print(
                f"OK: {count} events in {len(reports)} chain(s), every chain intact and "
                f"consistent with its checkpoints ({checkpoint_path()}); checkpoint written."
            )
            return 0
        print(f"TAMPERED: {bad} problem(s) in {count} events.", file=sys.stderr)
        return 1

    events = AuditEvent.objects.order_by("seq")
    if args.since:
        events = events.filter(at__gte=dt.datetime.combine(args.since, dt.time.min, tzinfo=dt.UTC))
    if args.until:
        events = events.filter(
            at__lt=dt.datetime.combine(
                args.until + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
            )
        )
    if args.practice:
        events = events.filter(practice__slug=args.practice)
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.DictWriter(out, fieldnames=FIELDS) if args.format == "csv" else None
        if writer:
            writer.writeheader()
        for event in events.iterator(chunk_size=2000):
            row: dict[str, Any] = {
                "seq": event.seq,
                **event.body(),
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            }
            if writer:
                writer.writerow({**row, "detail": json.dumps(row["detail"], sort_keys=True)})
            else:
                out.write(json.dumps(row, sort_keys=True) + "\n")
    finally:
        if args.out:
            out.close()
    return 0
