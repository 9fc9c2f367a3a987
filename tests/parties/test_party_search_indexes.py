"""Searching customers by part of a name, email or phone reads trigram indexes on PostgreSQL (the
ORM's ``icontains``), so a search stays quick with hundreds of thousands of customers."""

import pytest
from django.db import connection, transaction

from oms.parties.selectors import SEARCH_FIELDS, party_search

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_each_searched_field_has_a_trigram_index_the_search_uses():
    with transaction.atomic(), connection.cursor() as cursor:
        # A test table is tiny: ask which index can find the words (a bitmap scan needs a condition on it).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = party_search(q="nugroho@example").order_by().explain()  # the index, not the sort order
    for field in SEARCH_FIELDS:
        assert f"parties_party_{field}_trgm" in plan, plan
