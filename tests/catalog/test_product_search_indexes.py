"""Searching products by part of a SKU, name or barcode reads trigram indexes on PostgreSQL."""

import pytest
from django.db import connection, transaction

from oms.catalog.selectors import product_list

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_each_searched_field_has_a_trigram_index_the_search_uses():
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: ask which index can find the words (a bitmap scan needs a condition on it).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = product_list(q="widget").order_by().explain()  # the index, not the sort order
    for field in ("sku", "name", "barcode"):
        assert f"catalog_product_{field}_trgm" in plan, plan
