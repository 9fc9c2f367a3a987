"""Query plans for reads whose best plan depends on the values asked for.

Statements run prepared on PostgreSQL (``OMS_DB_PREPARE_THRESHOLD``), and after five runs a prepared
statement may switch to one generic plan for all parameter values. That suits the order path's
lookups by key. It does not suit a count over a skewed column (a few orders of a million in a status):
the generic plan cannot know that the values asked for are rare, and one such count went from 6 ms
to 700 ms from its eleventh run on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def custom_plans() -> Iterator[None]:
    """Inside, each statement is planned for its own values (PostgreSQL's ``plan_cache_mode =
    force_custom_plan``); the mode before is restored on the way out, also within an outer
    transaction. Other databases run the block as it is (on SQLite a transaction would take the
    write lock for a read)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('plan_cache_mode'), "
                           "set_config('plan_cache_mode', 'force_custom_plan', true)")
            before = cursor.fetchone()[0]
        yield
        # On an error the atomic block rolls back, which undoes the setting with everything else.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [before])
