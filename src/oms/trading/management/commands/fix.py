"""oms fix acceptor: the FIX 4.4 connectivity of trading (see oms.trading.fix.command).

Needs the optional ``fix`` extra (``pip install .[fix]``, which builds quickfix).
"""

from django.core.management.base import BaseCommand, CommandError

try:
    from oms.trading.fix import command
except ImportError as exc:  # quickfix is an optional extra
    command, MISSING = None, exc
else:
    MISSING = None


class Command(BaseCommand):
    help = "FIX connectivity: 'oms fix acceptor --port 9876 --client CLIENT1=ACCOUNT' runs the FIX acceptor."

    def add_arguments(self, parser):
        if command is not None:
            command.add_arguments(parser)

    def handle(self, *args, **options):
        if command is None:
            raise CommandError(f"FIX needs the optional 'fix' extra: pip install '.[fix]' ({MISSING})")
        try:
            command.acceptor_run(options, self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
