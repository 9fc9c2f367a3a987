"""oms invoices recurring: make (and issue) the recurring invoices that are due."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from oms.core.context import Actor, reset_actor, set_actor
from oms.invoicing.services import recurring_invoices_run


class Command(BaseCommand):
    help = "Invoicing tools: 'oms invoices recurring [--date YYYY-MM-DD]' makes the recurring invoices due."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recurring = sub.add_parser("recurring", help="make the invoices of every schedule due on or before the date")
        recurring.add_argument("--date", type=date.fromisoformat, default=None,
                               help="run as of this date (default: today)")

    def handle(self, *args, action, **options):
        today = options.get("date") or timezone.localdate()
        token = set_actor(Actor(type="system", id="recurring", label="recurring invoices"))
        try:
            result = recurring_invoices_run(today=today)
        finally:
            reset_actor(token)
        for invoice in result.created:
            self.stdout.write(f"{invoice.number or f'draft #{invoice.pk}'} {invoice.customer.code} "
                              f"{invoice.total} {invoice.currency} ({invoice.status})")
        self.stdout.write(f"{len(result.created)} invoice(s) made as of {today.isoformat()}")
        for rec, message in result.failed:
            self.stderr.write(f"schedule #{rec.pk} ({rec.customer.code}): {message}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} schedule(s) failed")
