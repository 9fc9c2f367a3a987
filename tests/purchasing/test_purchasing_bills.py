"""Supplier bills: the three-way match holds a bill on differences, corrections and releases open it,
payments go through the payments module, payables aging; bad input writes nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from purchasing_kit import counts, line_of, sent_order

from oms.core.errors import DomainError, InvalidTransition
from oms.payments.models import Payment
from oms.purchasing.models import PurchaseOrder, PurchasingSettings
from oms.purchasing.selectors import payables_aging
from oms.purchasing.services import (
    BillLineSpec, POLineSpec, purchase_order_create, receipt_create, supplier_bill_correct, supplier_bill_create,
    supplier_bill_pay, supplier_bill_release,
)

pytestmark = pytest.mark.django_db


def _refused(code, call):
    before = counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, err.value.message
    assert counts() == before
    return err.value


@pytest.fixture
def received(buying) -> PurchaseOrder:
    order = sent_order([("WIDGET", "10"), ("BACKO", "5")])
    receipt_create(order=order)
    return order


def _bill(order, ref="INV-1", **lines):
    specs = [BillLineSpec(line_id=line_of(order, sku).pk, quantity=q, unit_price=p) for sku, (q, p) in lines.items()]
    return supplier_bill_create(order=order, supplier_reference=ref, lines=specs, bill_date=date(2026, 11, 1))


def test_a_matching_bill_is_open_and_paid_in_parts(received):
    bill = _bill(received, WIDGET=("10", "4.00"), BACKO=("5", "3.00"))
    assert (bill.number[:5], bill.status, bill.total, bill.due_date, bill.differences) == (
        "BILL-", "open", D("55.00"), date(2026, 12, 1), [])
    assert PurchaseOrder.objects.get(pk=received.pk).status == "billed"
    bill = supplier_bill_pay(bill=bill, method="bank_transfer", amount="20.00")
    assert (bill.status, bill.amount_paid, bill.balance) == ("partially_paid", D("20.00"), D("35.00"))
    assert PurchaseOrder.objects.get(pk=received.pk).status == "billed"
    _refused("exceeds_balance", lambda: supplier_bill_pay(bill=bill, method="cash", amount="35.01"))
    _refused("invalid_amount", lambda: supplier_bill_pay(bill=bill, method="cash", amount="0"))
    _refused("invalid", lambda: supplier_bill_pay(bill=bill, method="cheque"))
    bill = supplier_bill_pay(bill=bill, method="cash")
    assert (bill.status, bill.balance) == ("paid", D("0.00"))
    assert PurchaseOrder.objects.get(pk=received.pk).status == "closed"
    assert sorted(Payment.objects.values_list("amount", "side", "customer__code")) == [
        (D("20.00"), "payable", "S001"), (D("35.00"), "payable", "S001")]
    _refused("bill_not_payable", lambda: supplier_bill_pay(bill=bill, method="cash"))


def test_differences_hold_the_bill_until_corrected_or_released(received):
    bill = _bill(received, WIDGET=("12", "4.00"), BACKO=("5", "3.10"))
    assert bill.status == "on_hold"
    assert bill.differences == [
        {"line": 1, "sku": "WIDGET", "kind": "quantity_over_ordered", "expected": "10.0000", "actual": "12.0000"},
        {"line": 2, "sku": "BACKO", "kind": "price", "expected": "3.0000", "actual": "3.1000"}]
    _refused("bill_on_hold", lambda: supplier_bill_pay(bill=bill, method="cash"))
    bill = supplier_bill_correct(bill=bill, lines=[BillLineSpec(line_id=line_of(received, "WIDGET").pk,
                                                                quantity="10", unit_price="4.00")])
    assert (bill.status, bill.total, [d["kind"] for d in bill.differences]) == ("on_hold", D("55.50"), ["price"])
    assert line_of(received, "WIDGET").quantity_billed == D(10)
    _refused("required", lambda: supplier_bill_release(bill=bill, reason=""))
    bill = supplier_bill_release(bill=bill, reason="price rise agreed by phone")
    assert (bill.status, bill.hold_reason) == ("open", "")
    with pytest.raises(InvalidTransition):
        supplier_bill_release(bill=bill, reason="again")
    _refused("bill_not_on_hold", lambda: supplier_bill_correct(bill=bill, lines=[BillLineSpec(
        line_id=line_of(received, "BACKO").pk, quantity="5", unit_price="3.00")]))


def test_a_bill_for_goods_not_yet_received_is_held(buying):
    order = sent_order([("WIDGET", "10")])
    receipt_create(order=order, lines={line_of(order, "WIDGET").pk: "4"})
    bill = _bill(order, WIDGET=("10", "4.00"))
    assert [(d["kind"], d["expected"], d["actual"]) for d in bill.differences] == [
        ("quantity_not_received", "4.0000", "10.0000")]
    PurchasingSettings.objects.create(bill_quantity_tolerance_percent=D(10), bill_price_tolerance_percent=D(1))
    other = sent_order([("WIDGET", "10")])
    receipt_create(order=other, lines={line_of(other, "WIDGET").pk: "9"})
    assert _bill(other, "INV-2", WIDGET=("10", "4.04")).status == "open"  # within 10 % and 1 %


def test_bad_bills_are_refused_and_write_nothing(received, buying):
    widget = line_of(received, "WIDGET").pk
    other = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="1")])
    _refused("unknown_line", lambda: supplier_bill_create(order=received, supplier_reference="X", lines=[
        BillLineSpec(line_id=line_of(other, "WIDGET").pk, quantity="1", unit_price="4")]))
    _refused("currency_mismatch", lambda: supplier_bill_create(order=received, supplier_reference="X", currency="EUR",
                                                               lines=[BillLineSpec(widget, "1", "4")]))
    _refused("unknown_currency", lambda: supplier_bill_create(order=received, supplier_reference="X", currency="ZZZ",
                                                              lines=[BillLineSpec(widget, "1", "4")]))
    _refused("duplicate_line", lambda: supplier_bill_create(order=received, supplier_reference="X", lines=[
        BillLineSpec(widget, "1", "4"), BillLineSpec(widget, "1", "4")]))
    _refused("required", lambda: supplier_bill_create(order=received, supplier_reference=" ", lines=[
        BillLineSpec(widget, "1", "4")]))
    _refused("required", lambda: supplier_bill_create(order=received, supplier_reference="X", lines=[]))
    _refused("invalid_amount", lambda: supplier_bill_create(order=received, supplier_reference="X", lines=[
        BillLineSpec(widget, "1", "-4")]))
    _refused("order_not_billable", lambda: supplier_bill_create(order=other, supplier_reference="X", lines=[
        BillLineSpec(line_of(other, "WIDGET").pk, "1", "4")]))
    _bill(received, WIDGET=("10", "4.00"))
    _refused("duplicate", lambda: _bill(received, BACKO=("5", "3.00")))


def test_payables_aging_buckets_what_is_owed_by_due_date(buying):
    first = sent_order([("WIDGET", "10")])
    receipt_create(order=first)
    second = sent_order([("BACKO", "5")])
    receipt_create(order=second)
    old = supplier_bill_create(order=first, supplier_reference="A", bill_date=date(2026, 8, 1),
                               due_date=date(2026, 8, 31),
                               lines=[BillLineSpec(line_of(first, "WIDGET").pk, "10", "4.00")])
    supplier_bill_create(order=second, supplier_reference="B", bill_date=date(2026, 10, 20),
                         lines=[BillLineSpec(line_of(second, "BACKO").pk, "5", "3.50")])  # held (price)
    supplier_bill_pay(bill=old, method="cash", amount="10.00")
    report = payables_aging(as_of=date(2026, 11, 1))
    ((row,),) = [report.rows]
    assert (row.customer.code, row.currency, row.documents) == ("S001", "USD", 2)
    assert row.buckets == {"current": D("17.50"), "1-30": D(0), "31-60": D(0), "61-90": D("30.00"), "90+": D(0)}
    assert [t.total for t in report.totals] == [D("47.50")]
    assert payables_aging(as_of=date(2026, 9, 1)).rows[0].buckets["1-30"] == D("30.00")
