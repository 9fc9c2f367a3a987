"""Racing clients on PostgreSQL: an invoice is never over-allocated, credit never over-refunded, no deadlocks."""

from decimal import Decimal as D

import pytest
from payments_kit import issue, make_ledger, pay
from racing import race

from oms.payments.models import Allocation
from oms.payments.selectors import account_balance, customer_credit
from oms.payments.services import AllocationSpec, payment_allocate, payment_refund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race_ok(n: int, work) -> list:
    """race() where a client that does not fail counts as "ok"."""
    def run(i):
        work(i)
        return "ok"

    return race(n, run)


def test_many_payments_racing_for_one_invoice():
    ledger = make_ledger()
    inv = issue(ledger.acme, "100.00")
    payments = [pay(ledger.acme, "20.00") for _ in range(10)]
    results = race_ok(10, lambda i: payment_allocate(payment=payments[i], allocations=[AllocationSpec(inv, "20.00")]))
    assert results.count("ok") == 5, results
    assert set(results) <= {"ok", "allocation_exceeds_balance", "invoice_not_open"}, results  # once paid: not open
    assert account_balance(inv) == 0 and Allocation.objects.count() == 5


def test_one_payment_racing_to_several_invoices():
    ledger = make_ledger()
    invoices = [issue(ledger.acme, "50.00") for _ in range(8)]
    payment = pay(ledger.acme, "120.00")
    results = race_ok(8, lambda i: payment_allocate(payment=payment, allocations=[AllocationSpec(invoices[i], "30.00")]))
    assert results.count("ok") == 4 and set(results) == {"ok", "allocation_exceeds_unallocated"}, results
    assert customer_credit(ledger.acme, "USD").amount == 0


def test_refunds_racing_for_the_same_credit():
    ledger = make_ledger()
    for _ in range(3):
        pay(ledger.acme, "15.00")
    results = race_ok(10, lambda i: payment_refund(customer=ledger.acme, amount="10.00", currency="USD", method="cash"))
    assert results.count("ok") == 4 and set(results) == {"ok", "refund_exceeds_credit"}, results
    assert customer_credit(ledger.acme, "USD").amount == D("5.00")


def test_opposite_invoice_order_does_not_deadlock():
    ledger = make_ledger()
    a, b = issue(ledger.acme, "1000.00"), issue(ledger.acme, "1000.00")
    payments = [pay(ledger.acme, "20.00") for _ in range(12)]

    def work(i):
        pair = [AllocationSpec(a, "10.00"), AllocationSpec(b, "10.00")]
        payment_allocate(payment=payments[i], allocations=pair if i % 2 else pair[::-1])

    results = race_ok(12, work)
    assert results == ["ok"] * 12, results
    assert account_balance(a) == account_balance(b) == D("880.00")
