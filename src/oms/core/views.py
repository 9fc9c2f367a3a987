from django.db import connection
from django.http import JsonResponse

from oms import __version__


def health(request):
    """Liveness plus database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return JsonResponse({"status": "error", "version": __version__,
                             "database": {"status": "error", "message": str(exc)[:200]}}, status=503)
    return JsonResponse({"status": "ok", "version": __version__, "database": db})
