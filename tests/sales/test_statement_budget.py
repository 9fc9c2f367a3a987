"""How many SQL statements placing an order costs: counted, not timed, so the hot path cannot grow unnoticed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# A confirmed 3-line order through the API with an Idempotency-Key: token, claim, customer, addresses,
# warehouse, products, prices, 3 stock updates, order, lines, moves, reservations, number, number on
# the order, outbox, audit, stored response, and the test transaction's SAVEPOINT/RELEASE (BEGIN/COMMIT in
# real use). Sealing the audit chain runs after commit, in its own short transaction.
BUDGET = 21


def test_placing_a_three_line_order_stays_within_the_statement_budget(api, world):
    body = {"customer": "C001", "confirm": True, "lines": [
        {"sku": "WIDGET", "quantity": "1"}, {"sku": "GADGET", "quantity": "1"}, {"sku": "FLOUR", "quantity": "1"}]}
    api.post("orders", body, headers={"Idempotency-Key": "warm-up"})
    with CaptureQueriesContext(connection) as queries:
        response = api.post("orders", body, headers={"Idempotency-Key": "counted"})
    assert response.status_code == 201
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= BUDGET, "\n".join(s[:120] for s in statements)
