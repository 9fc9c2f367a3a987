"""Cancelling a supplier bill: only while unpaid; what it billed goes back on the order's lines, a
fully billed order is received again, the supplier's invoice number may be entered again."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from purchasing_kit import counts, line_of, make_buying, sent_order
from racing import race

from oms.core.errors import DomainError
from oms.core.models import AuditRecord, OutboxEvent
from oms.payments.models import Payment
from oms.purchasing.models import PurchaseOrder, SupplierBill
from oms.purchasing.selectors import payables_aging
from oms.purchasing.services import (
    BillLineSpec, purchase_order_cancel, receipt_create, supplier_bill_cancel, supplier_bill_create,
    supplier_bill_pay,
)
from oms.purchasing.states import BILL_TRANSITIONS, TRANSITIONS, BillStatus, POStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(buying) -> PurchaseOrder:
    order = sent_order([("WIDGET", "10"), ("BACKO", "5")])
    receipt_create(order=order)
    return order


def _bill(order, ref="INV-1", **lines):
    specs = [BillLineSpec(line_id=line_of(order, sku).pk, quantity=q, unit_price=p) for sku, (q, p) in lines.items()]
    return supplier_bill_create(order=order, supplier_reference=ref, lines=specs, bill_date=date(2026, 11, 1))


def _billed(order):
    return {sku: line_of(order, sku).quantity_billed for sku in ("WIDGET", "BACKO")}


def _refused(code, call):
    before = counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, err.value.message
    assert counts() == before


def test_the_tables_allow_cancelling_only_unpaid_bills():
    assert BillStatus.CANCELLED in BILL_TRANSITIONS[BillStatus.ON_HOLD]
    assert BillStatus.CANCELLED in BILL_TRANSITIONS[BillStatus.OPEN]
    assert BillStatus.CANCELLED not in BILL_TRANSITIONS[BillStatus.PARTIALLY_PAID]
    assert BILL_TRANSITIONS[BillStatus.PAID] == BILL_TRANSITIONS[BillStatus.CANCELLED] == frozenset()
    assert POStatus.RECEIVED in TRANSITIONS[POStatus.BILLED]


def test_cancelling_an_open_bill_unbills_the_order_and_the_reference_can_be_entered_again(received):
    bill = _bill(received, WIDGET=("10", "4.00"), BACKO=("5", "3.00"))
    assert PurchaseOrder.objects.get(pk=received.pk).status == "billed"
    bill = supplier_bill_cancel(bill=bill, reason="entered against the wrong order")
    assert bill.status == "cancelled" and bill.balance == D("55.00")
    assert _billed(received) == {"WIDGET": D(0), "BACKO": D(0)}
    assert PurchaseOrder.objects.get(pk=received.pk).status == "received"
    audit = AuditRecord.objects.get(object_type="purchasing.supplier_bill", action="supplier_bill.cancelled")
    assert audit.changes["status"] == ["open", "cancelled"]  # where it came from, not only where it is
    assert audit.changes["reason"] == "entered against the wrong order"
    assert audit.changes["unbilled"] == [{"line": 1, "sku": "WIDGET", "quantity": "10.0000"},
                                         {"line": 2, "sku": "BACKO", "quantity": "5.0000"}]
    assert OutboxEvent.objects.filter(event_type="purchase_order.unbilled").count() == 1
    # Not owed any more: out of the payables aging; and it cannot be paid.
    assert payables_aging(as_of=date(2026, 12, 31)).rows == []
    _refused("bill_not_payable", lambda: supplier_bill_pay(bill=bill, method="cash"))
    _refused("invalid_transition", lambda: supplier_bill_cancel(bill=bill, reason="again"))
    # The supplier's invoice number is free again; the match counts only the new bill.
    again = _bill(received, WIDGET=("10", "4.00"), BACKO=("5", "3.00"))
    assert (again.status, again.differences) == ("open", [])
    assert _billed(received) == {"WIDGET": D(10), "BACKO": D(5)}
    assert PurchaseOrder.objects.get(pk=received.pk).status == "billed"
    assert SupplierBill.objects.filter(supplier_reference="INV-1").count() == 2
    _refused("duplicate", lambda: _bill(received, WIDGET=("1", "4.00")))


def test_a_held_bill_is_cancelled_and_a_correct_one_matches(received):
    held = _bill(received, ref="INV-9", WIDGET=("12", "4.00"))  # billed more than received
    assert held.status == "on_hold"
    supplier_bill_cancel(bill=held, reason="supplier sent a corrected invoice INV-10")
    assert _billed(received)["WIDGET"] == D(0)
    fresh = _bill(received, ref="INV-10", WIDGET=("10", "4.00"))
    assert (fresh.status, fresh.differences) == ("open", [])
    # The order was never billed in full, so it stays received (BACKO is not billed yet).
    assert PurchaseOrder.objects.get(pk=received.pk).status == "received"


def test_a_bill_with_payments_cannot_be_cancelled(received):
    bill = _bill(received, WIDGET=("10", "4.00"), BACKO=("5", "3.00"))
    bill = supplier_bill_pay(bill=bill, method="bank_transfer", amount="10.00")
    _refused("bill_has_payments", lambda: supplier_bill_cancel(bill=bill, reason="too late"))
    bill = supplier_bill_pay(bill=bill, method="bank_transfer")
    _refused("bill_has_payments", lambda: supplier_bill_cancel(bill=bill, reason="too late"))
    assert _billed(received) == {"WIDGET": D(10), "BACKO": D(5)}


def test_a_reason_is_required(received):
    bill = _bill(received, WIDGET=("10", "4.00"))
    _refused("required", lambda: supplier_bill_cancel(bill=bill, reason="  "))


def test_a_sent_order_whose_only_bill_is_cancelled_can_be_cancelled(buying):
    order = sent_order([("WIDGET", "10")])
    bill = _bill(order, ref="PRE-1", WIDGET=("10", "4.00"))  # billed before the goods came: held
    _refused("has_bills", lambda: purchase_order_cancel(order=order))
    supplier_bill_cancel(bill=bill, reason="prepayment request, not a bill")
    assert purchase_order_cancel(order=order).status == "cancelled"


def test_cancel_through_the_api(api, received):
    bill = _bill(received, WIDGET=("10", "4.00"), BACKO=("5", "3.00"))
    url = f"supplier-bills/{bill.number}/cancel"
    missing = api.post(url, {})
    assert missing.status_code == 422
    response = api.post(url, {"reason": "duplicate entry"}, headers={"Idempotency-Key": "bill-cancel-1"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    replay = api.post(url, {"reason": "duplicate entry"}, headers={"Idempotency-Key": "bill-cancel-1"})
    assert replay.status_code == 200 and replay.json() == response.json()
    again = api.post(url, {"reason": "duplicate entry"}, headers={"Idempotency-Key": "bill-cancel-2"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert api.get(f"purchase-orders/{received.number}").json()["status"] == "received"
    listed = api.get("supplier-bills", {"status": "cancelled"}).json()["items"]
    assert [x["number"] for x in listed] == [bill.number]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_cancel_and_pay_of_one_bill_never_both_win():
    make_buying()
    order = sent_order([("WIDGET", "10")])
    receipt_create(order=order)
    bill = _bill(order, WIDGET=("10", "4.00"))

    def client(i):
        if i % 2:
            return supplier_bill_pay(bill=bill, method="bank_transfer").status
        return supplier_bill_cancel(bill=bill, reason=f"racer {i}").status

    results = race(6, client)
    assert not [r for r in results if r.startswith("error")], results
    bill.refresh_from_db()
    line = line_of(order, "WIDGET")
    if bill.status == "paid":
        assert results.count("paid") == 1 and Payment.objects.count() == 1 and line.quantity_billed == D(10)
        assert set(results) - {"paid"} <= {"bill_has_payments", "bill_not_payable"}
    else:
        assert bill.status == "cancelled" and results.count("cancelled") == 1
        assert not Payment.objects.exists() and line.quantity_billed == D(0)
        assert set(results) - {"cancelled"} <= {"invalid_transition", "bill_not_payable"}


def test_listing_bills_costs_the_same_queries_for_one_bill_or_many(api, received):
    def listing_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("supplier-bills")
        assert response.status_code == 200
        return len(response.json()["items"]), len(ctx.captured_queries)

    _bill(received, ref="INV-1", WIDGET=("2", "4.00"))
    one = listing_queries()
    _bill(received, ref="INV-2", WIDGET=("2", "4.00"))
    _bill(received, ref="INV-3", BACKO=("1", "3.00"))
    many = listing_queries()
    assert (one[0], many[0]) == (1, 3)
    assert many[1] == one[1]  # each bill's lines and payments come with the page, not one read per bill
