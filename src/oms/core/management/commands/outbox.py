"""oms outbox dispatch: deliver pending outbox events to in-process handlers."""

from django.core.management.base import BaseCommand

from oms.core.services.events import outbox_dispatch


class Command(BaseCommand):
    help = "Outbox tools: 'oms outbox dispatch' delivers pending events in order."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("dispatch")

    def handle(self, *args, action, **options):
        self.stdout.write(f"delivered {outbox_dispatch()} event(s)")
