"""Every index is paid for by every row written: none that another index already serves.

An index on columns that start another index (a foreign key's own index beside a unique constraint
beginning with it, say) serves no query the longer one does not. The ``varchar_pattern_ops``
indexes Django adds beside CharField indexes on PostgreSQL serve only ``LIKE 'prefix%'``, which no
query of ours runs; the tables every document writes to have none.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DOCUMENT_TABLES = [
    "sales_salesorder", "sales_salesorderline", "inventory_stockmove", "core_outboxevent", "invoicing_invoice",
    "payments_payment", "shipping_shipment", "purchasing_purchaseorder", "purchasing_receipt",
    "purchasing_supplierbill", "returns_return", "trading_tradingorder", "trading_orderrequest", "trading_orderevent",
]

# Plain (not partial, not on expressions) indexes of a table: name, key columns, pattern operator class.
INDEXES = """
    SELECT c.relname, i.indkey::text, pg_get_indexdef(i.indexrelid) LIKE '%%pattern_ops%%', i.indisunique
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = %s::regclass AND i.indpred IS NULL AND i.indexprs IS NULL
"""


def _indexes(table: str) -> list[tuple[str, list[str], bool, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [table])
        return [(name, keys.split(), pattern, unique) for name, keys, pattern, unique in cursor.fetchall()]


def _our_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models()
                  if model.__module__.startswith("oms.") and model._meta.managed)


def test_no_index_is_the_start_of_another():
    redundant = []
    for table in _our_tables():
        indexes = _indexes(table)
        for name, keys, pattern, unique in indexes:
            if unique:
                continue  # a unique index also enforces a rule
            redundant += [f"{table}.{name} (starts {longer})" for longer, other, other_pattern, _ in indexes
                          if longer != name and other[:len(keys)] == keys and other_pattern == pattern]
    assert redundant == []


def test_tables_written_per_document_have_no_pattern_indexes():
    assert [(table, name) for table in DOCUMENT_TABLES for name, _, pattern, _ in _indexes(table) if pattern] == []


def test_foreign_keys_without_their_own_index_are_still_enforced_and_looked_up(db):
    """A stock move's product has no index of its own; the (product, location, id) index serves it."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is empty: ask for an index
        cursor.execute("EXPLAIN SELECT 1 FROM inventory_stockmove WHERE product_id = 1")
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'inventory_stockmove'::regclass "
                       "AND contype = 'f'")
        foreign_keys = cursor.fetchone()[0]
    assert "inventory_move_product_idx" in plan
    assert foreign_keys == 2  # product and location: dropping the index kept the constraint
