"""oms createadmin: an administrator account for the back office, printed once created."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from oms.core.context import SYSTEM
from oms.core.services.audit import audit_record


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
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
            audit_record(action="user.created", object_type="auth.user", object_id=user.pk,
                         changes={"username": username, "superuser": True}, actor=SYSTEM)
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
            secret_file.write_text(password + "\n")
        known = secret_file.read_text().strip() if secret_file.exists() else "(set earlier; not stored here)"
        self.stdout.write(f"Back-office login: user {username!r}, password {known!r}")
