"""oms createadmin: an administrator account for the back office, printed once created."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from oms.core.context import SYSTEM
from oms.core.services.audit import audit_record


def _write_secret(path, text: str) -> None:
    """Write a password file readable by its owner only, from the first byte (not chmod afterwards)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through os.open


class Command(BaseCommand):
    help = "Create the back-office administrator (username 'admin' by default) if it does not exist."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("OMS_ADMIN_USER", "admin"))
        parser.add_argument("--password", default=os.environ.get("OMS_ADMIN_PASSWORD"))

    def handle(self, *args, username, password, **options):
        User = get_user_model()
        secret_file = settings.DATA_DIR / f"{username}-password.txt"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email="", password=password)
            _write_secret(secret_file, password + "\n")
            audit_record(action="user.created", object_type="auth.user", object_id=user.pk,
                         changes={"username": username, "superuser": True}, actor=SYSTEM)
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
            _write_secret(secret_file, password + "\n")
        known = secret_file.read_text().strip() if secret_file.exists() else "(set earlier; not stored here)"
        self.stdout.write(f"Back-office login: user {username!r}, password {known!r}")
