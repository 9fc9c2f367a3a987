"""oms audit verify: prove the audit trail has not been edited or cut."""

from django.core.management.base import BaseCommand, CommandError

from oms.core.services.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Audit trail tools: 'oms audit verify' checks the hash chain of every record."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="seal pending records, recompute the hash chain, report every broken row")
        sub.add_parser("seal", help="chain the records committed since the last seal")

    def handle(self, *args, action, **options):
        if action == "seal":
            self.stdout.write(f"sealed {audit_seal()} record(s)")
            return
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"audit trail OK: {result.checked} records, chain intact")
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(f"audit trail BROKEN: {len(result.problems)} problem(s) in {result.checked} records")
