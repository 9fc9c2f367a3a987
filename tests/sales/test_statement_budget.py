"""How many SQL statements placing an order costs: counted, not timed, so the hot path cannot grow unnoticed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# A confirmed 3-line order through the API with an Idempotency-Key. Counted: the token lookup and
# everything in the order's transaction (not BEGIN/COMMIT, nor the test's SAVEPOINT/RELEASE that
# stand for them here). Sealing the audit chain runs after commit, in its own short transaction.
#   both: token, idempotency claim, customer + addresses + warehouse, products, prices, the 3 stock
#         levels (one UPDATE), order, lines, number, stored response
#   PostgreSQL: + reservations with stock moves (one statement), order number with outbox and audit (one)
#   SQLite (no data-modifying CTEs): + reservations, stock moves, order number, outbox, audit
BUDGET = {"postgresql": 10, "sqlite": 15}


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
