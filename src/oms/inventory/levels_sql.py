"""Changing several stock levels in one statement (the vendor-specific SQL of ``_change_levels``).

Each wanted change carries its deltas and whether the product may go short (backorders, or not
stocked). A row is changed only when the stock allows it: the same conditions as the one-row
UPDATE in ``services._UPDATE``, evaluated by the database on the current row, never read-then-write.
The statement returns the rows it changed; a change missing from the result was refused (stock
short) or has no stock level row yet, and the caller deals with it one row at a time.

PostgreSQL: a materialized CTE locks the rows ``ORDER BY product_id, location_id FOR UPDATE`` first,
so two transactions wanting overlapping products take their locks in the same order and cannot
deadlock, whatever the order of their lines. The UPDATE then applies the changes; a row changed by
a transaction that committed while we waited is re-checked against its new values (READ COMMITTED
re-evaluates the WHERE clause on the latest row version).

SQLite: writers are serialised by ``BEGIN IMMEDIATE`` (see settings), so there is no lock order to
keep; a plain ``UPDATE ... FROM (VALUES ...)`` does it. SQLite names the VALUES columns column1..5.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection

from oms.core.sqlbatch import max_params

# One wanted change: product id, location id, on-hand delta, reserved delta, may go short.
Wanted = tuple[int, int, Decimal, Decimal, bool]

_POSTGRES = (
    "WITH wanted (product_id, location_id, on_hand_delta, reserved_delta, short_ok) AS (VALUES {rows}),"
    " locked AS MATERIALIZED (SELECT s.id FROM inventory_stocklevel s"
    " JOIN wanted w ON w.product_id = s.product_id AND w.location_id = s.location_id"
    " ORDER BY s.product_id, s.location_id FOR UPDATE OF s)"
    " UPDATE inventory_stocklevel s SET on_hand = s.on_hand + w.on_hand_delta,"
    " reserved = s.reserved + w.reserved_delta, backorder_allowed = w.short_ok, updated_at = %s"
    " FROM wanted w WHERE s.id IN (SELECT id FROM locked)"
    " AND w.product_id = s.product_id AND w.location_id = s.location_id"
    " AND s.reserved + w.reserved_delta >= 0"
    " AND (w.short_ok OR (s.on_hand + w.on_hand_delta >= s.reserved + w.reserved_delta"
    " AND s.on_hand + w.on_hand_delta >= 0))"
    " RETURNING s.product_id, s.location_id, s.on_hand, s.reserved"
)
_POSTGRES_ROW = "(%s::bigint, %s::bigint, %s::numeric, %s::numeric, %s::boolean)"

_SQLITE = (
    "UPDATE inventory_stocklevel SET on_hand = on_hand + w.column3, reserved = reserved + w.column4,"
    " backorder_allowed = w.column5, updated_at = %s FROM (VALUES {rows}) AS w"
    " WHERE inventory_stocklevel.product_id = w.column1 AND inventory_stocklevel.location_id = w.column2"
    " AND reserved + w.column4 >= 0"
    " AND (w.column5 OR (on_hand + w.column3 >= reserved + w.column4 AND on_hand + w.column3 >= 0))"
    " RETURNING product_id, location_id, on_hand, reserved"
)
_SQLITE_ROW = "(%s, %s, %s, %s, %s)"


def levels_change(wanted: Sequence[Wanted], *, now: datetime) -> list[tuple]:
    """Apply the changes the stock allows, in one statement; returns (product id, location id,
    on_hand, reserved) of each changed row. Each (product, location) may appear only once."""
    limit = max_params()  # SQLite binds at most 999 values; PostgreSQL 65,535
    size = len(wanted) if not limit else (limit - 1) // 5
    if size < len(wanted):  # in chunks, each in lock order (``wanted`` is sorted by the caller)
        return [row for i in range(0, len(wanted), size) for row in levels_change(wanted[i:i + size], now=now)]
    if connection.vendor == "postgresql":
        template, row, params = _POSTGRES, _POSTGRES_ROW, [p for w in wanted for p in w] + [now]
    else:
        template, row, params = _SQLITE, _SQLITE_ROW, [now] + [p for w in wanted for p in w]
    with connection.cursor() as cursor:
        cursor.execute(template.format(rows=", ".join(row for _ in wanted)), params)
        return cursor.fetchall()
