"""How many SQL statements placing an order costs: counted, not timed, so the hot path cannot grow unnoticed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import _queries as psycopg_queries

pytestmark = pytest.mark.django_db

# A confirmed 3-line order through the API with an Idempotency-Key. Counted: the token lookup and
# everything in the order's transaction (not BEGIN/COMMIT, nor the test's SAVEPOINT/RELEASE that
# stand for them here). Sealing the audit chain runs after commit, in its own short transaction.
#   both: token, idempotency claim, customer + addresses + warehouse (+ the ids of the order and its
#         lines on PostgreSQL), products, prices, the 3 stock levels (one UPDATE), number, stored response
#   PostgreSQL: + the order with its number, lines, reservations, stock moves, audit and outbox (one)
#   SQLite (no data-modifying CTEs): + order, lines, reservations, stock moves, audit, outbox
# The custom field definitions are read only when orders have some (test_orders covers both cases).
BUDGET = {"postgresql": 9, "sqlite": 14}


BODY = {"customer": "C001", "confirm": True, "lines": [
    {"sku": "WIDGET", "quantity": "1"}, {"sku": "GADGET", "quantity": "1"}, {"sku": "FLOUR", "quantity": "1"}]}


@pytest.fixture
def clerk(make_api):
    """An integration user that is not a superuser: its permissions come from a group."""
    return make_api("clerk", ["sales.add_salesorder", "sales.view_salesorder"])


@pytest.mark.parametrize("user", ["api", "clerk"])
def test_placing_a_three_line_order_stays_within_the_statement_budget(request, user, world):
    """The same budget for a superuser and for a user whose permissions come from groups: the token
    lookup reads the permissions too, so checking them costs no query."""
    api = request.getfixturevalue(user)
    api.post("orders", BODY, headers={"Idempotency-Key": "warm-up"})
    with CaptureQueriesContext(connection) as queries:
        response = api.post("orders", BODY, headers={"Idempotency-Key": "counted"})
    assert response.status_code == 201
    statements = [q["sql"] for q in queries.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= BUDGET[connection.vendor], "\n".join(s[:120] for s in statements)


def test_the_long_statements_of_an_order_are_converted_once(api, world, monkeypatch):
    """psycopg caches the conversion of a query's placeholders only up to a length and a number of
    parameters that the order path's combined statements exceed; oms.core widens both (apps.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: psycopg's query conversion")
    for key in ("first", "second"):  # the first order also creates the number series
        api.post("orders", BODY, headers={"Idempotency-Key": key})
    uncached = []
    convert = psycopg_queries._query2pg_nocache  # what psycopg calls for queries it will not cache
    monkeypatch.setattr(psycopg_queries, "_query2pg_nocache", lambda *a: uncached.append(a[0]) or convert(*a))
    before = psycopg_queries._query2pg.cache_info()
    assert api.post("orders", BODY, headers={"Idempotency-Key": "third"}).status_code == 201
    assert uncached == [], "a statement of the order path was converted again"
    assert psycopg_queries._query2pg.cache_info().misses == before.misses
