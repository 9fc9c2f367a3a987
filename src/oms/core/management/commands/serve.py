"""oms serve: the production server (gunicorn) with static files served by WhiteNoise."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app with gunicorn (a production-grade WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("OMS_HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("OMS_WORKERS", "2"))
        parser.add_argument("--threads", default=os.environ.get("OMS_THREADS", "1"))

    def handle(self, *args, host, port, workers, threads, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        base = f"http://{host}:{port}"
        self.stdout.write(f"OMS is serving at {base}/\n  back office: {base}/admin/\n"
                          f"  API docs:    {base}/api/v1/docs\n  health:      {base}/health\n")
        sys.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "oms.wsgi:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", str(threads),
                "--timeout", "60", "--graceful-timeout", "20"]
        # Production: the workers leave audit sealing to a background thread each, in batches.
        os.environ.setdefault("OMS_AUDIT_SEAL", "background")
        if os.environ.get("OMS_ACCESS_LOG", "1") == "1":
            argv += ["--access-logfile", "-"]
        os.execv(sys.executable, argv)
