"""`clearpost manage publishing_tick`: one publishing heartbeat now, or (--schedule)
make sure the background heartbeat is queued (used by setup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clearpost.app.publishing.tasks import schedule_tick, tick


class Command(BaseCommand):
    help = "Publish due posts, retry and reconcile publications, run takedowns, poll comments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", action="store_true", help="only queue the heartbeat")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_tick()
            self.stdout.write("publishing heartbeat queued" if queued else "already queued")
            return
        self.stdout.write(str(tick()))
