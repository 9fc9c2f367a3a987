from django.apps import AppConfig
from django.db import connection
from django.utils.translation import gettext_lazy as _
from psycopg import _queries as psycopg_queries

# psycopg turns each query's %s placeholders into $n once and caches the result, but only for queries
# of at most 4,096 bytes and 50 parameters (it expects longer ones to be one-off ORM inserts). Our
# hot writes are longer and repeat exactly (an order with its lines, ledger rows, audit records and
# events in one statement; an audit seal): uncached, psycopg re-parsed them on every call, 5-10 %
# of an order's CPU. The cache keeps its 128 entries, so at most ~2 MB.
QUERY_CACHE_MAX_LENGTH = 16384
QUERY_CACHE_MAX_PARAMS = 1000


def psycopg_query_cache_widen() -> None:
    """Raise psycopg's limits (module settings of its query converter, read on every call)."""
    q = psycopg_queries
    q.MAX_CACHED_STATEMENT_LENGTH = max(q.MAX_CACHED_STATEMENT_LENGTH, QUERY_CACHE_MAX_LENGTH)
    q.MAX_CACHED_STATEMENT_PARAMS = max(q.MAX_CACHED_STATEMENT_PARAMS, QUERY_CACHE_MAX_PARAMS)


class CoreConfig(AppConfig):
    name = "oms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        if connection.vendor == "postgresql":
            psycopg_query_cache_widen()
