"""Searching customers and products by part of a name, code, email, phone, SKU or barcode can read
trigram indexes on PostgreSQL (the ORM's ``icontains``), so a search stays quick on large tables."""

import pytest
from django.db import connection, transaction

from oms.catalog.selectors import product_list
from oms.parties.selectors import SEARCH_FIELDS, party_search

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.parametrize(("search", "table", "fields"), [
    (lambda: party_search(q="nugroho@example"), "parties_party", SEARCH_FIELDS),
    (lambda: product_list(q="widget"), "catalog_product", ("sku", "name", "barcode")),
], ids=["customers", "products"])
def test_each_searched_field_has_a_trigram_index_the_search_can_use(search, table, fields):
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: ask which index can find the words (a bitmap scan needs a condition on it).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search().order_by().explain()  # the index, not the sort order
    for field in fields:
        assert f"{table}_{field}_trgm" in plan, plan
