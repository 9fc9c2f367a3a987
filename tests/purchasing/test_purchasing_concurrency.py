"""Receipts racing on the same purchase order line never together exceed the tolerance (PostgreSQL)."""

from decimal import Decimal as D

import pytest
from purchasing_kit import cost_of, line_of, make_buying, sent_order
from racing import race
from world import level

from oms.inventory.selectors import ledger_check
from oms.purchasing.models import PurchaseOrder, PurchasingSettings, Receipt
from oms.purchasing.services import BillLineSpec, receipt_create, supplier_bill_create, supplier_bill_pay


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_receipts_stay_within_the_tolerance():
    buying = make_buying()
    PurchasingSettings.objects.create(receipt_tolerance_percent=D(10))
    order = sent_order([("WIDGET", "20")])
    line = line_of(order, "WIDGET")

    def client(i):
        return receipt_create(order=PurchaseOrder(pk=order.pk), lines={line.pk: "6"}).number

    results = race(8, client)
    assert not [r for r in results if r.startswith("error")], results
    done = [r for r in results if r.startswith("GR-")]
    assert len(done) == 3, results  # 18 of 20 received; a fourth 6 would make 24, beyond 20 + 10 %
    assert set(results) - set(done) == {"over_receipt"}
    line.refresh_from_db()
    assert line.quantity_received == D(18)
    assert level(buying.world.widget, buying.world.location) == (D(28), D(0))
    assert Receipt.objects.count() == 3 and len(set(done)) == 3
    assert cost_of("WIDGET") == D("4.0000")
    assert ledger_check() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_payments_never_pay_a_bill_twice():
    make_buying()
    order = sent_order([("WIDGET", "10")])
    receipt_create(order=order)
    bill = supplier_bill_create(order=order, supplier_reference="R-1",
                                lines=[BillLineSpec(line_of(order, "WIDGET").pk, "10", "4.00")])
    results = race(6, lambda i: supplier_bill_pay(bill=bill, method="bank_transfer", amount="15.00").status)
    assert sorted(results) == ["exceeds_balance"] * 4 + ["partially_paid"] * 2, results
    bill.refresh_from_db()
    assert (bill.amount_paid, bill.status) == (D("30.00"), "partially_paid")
