"""`clearpost manage expire_authorizations`: expire due releases now (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clearpost.app.authorizations.actions import expire_due


class Command(BaseCommand):
    help = "Expire signed releases whose expiry date has passed (HIPAA-AUTH-DEFECT-EXPIRED)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = expire_due()
        self.stdout.write(
            f"expired {len(done)} release(s)" + (": " + ", ".join(done) if done else "")
        )
