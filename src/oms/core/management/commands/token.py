"""oms token create USER: print a new API token for a user."""

from django.core.management.base import BaseCommand, CommandError

from oms.core.errors import DomainError
from oms.core.services.tokens import token_create


class Command(BaseCommand):
    help = "Manage API tokens: 'oms token create USER [--name NAME]' prints a new token once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for USER and print it")
        create.add_argument("username")
        create.add_argument("--name", default="")

    def handle(self, *args, action, username, name, **options):
        try:
            _, raw = token_create(username=username, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
