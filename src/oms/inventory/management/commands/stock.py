"""oms stock check: prove stored stock levels equal the stock move ledger."""

from django.core.management.base import BaseCommand, CommandError

from oms.inventory.selectors import ledger_check


class Command(BaseCommand):
    help = "Inventory tools: 'oms stock check' compares stock levels with the ledger."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="compare every stock level with the sum of its moves")

    def handle(self, *args, action, **options):
        problems = ledger_check()
        if not problems:
            self.stdout.write("stock OK: every level equals its ledger")
            return
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(f"stock INCONSISTENT: {len(problems)} mismatch(es)")
