"""`clearpost manage expire_authorizations`: expire due releases now (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clearpost.app.authorizations.actions import expire_due, schedule_expiry


class Command(BaseCommand):
    help = "Expire signed releases whose expiry date has passed (HIPAA-AUTH-DEFECT-EXPIRED)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="only make sure the hourly background run is queued (used by setup)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_expiry()
            self.stdout.write("expiry run queued" if queued else "expiry run already queued")
            return
        done = expire_due()
        self.stdout.write(
            f"expired {len(done)} release(s)" + (": " + ", ".join(done) if done else "")
        )
