"""Refunds: from customer credit (oldest payments first) and from credit notes, never more than is available."""

import datetime as dt
from decimal import Decimal as D

import pytest
from payments_kit import credit, issue, pay, refused, status_of

from oms.core.models import OutboxEvent
from oms.invoicing.selectors import invoice_balance
from oms.payments.models import Allocation, Payment, RefundSource
from oms.payments.selectors import customer_credit, payment_unallocated
from oms.payments.services import AllocationSpec as A, payment_allocate, payment_refund

pytestmark = pytest.mark.django_db


def refund(customer, amount, **kw):
    kw.setdefault("method", "bank_transfer")
    return payment_refund(customer=customer, amount=amount, currency=kw.pop("currency", "USD"), **kw)


def test_refund_from_credit_draws_oldest_payments_first(ledger):
    inv = issue(ledger.acme, "50.00")
    old = pay(ledger.acme, "80.00", (inv, "50.00"), received_on=dt.date(2026, 1, 5))  # 30 left
    new = pay(ledger.acme, "40.00", received_on=dt.date(2026, 2, 1))  # 40 left
    assert customer_credit(ledger.acme, "USD").amount == D("70.00")
    r = refund(ledger.acme, "45.00")
    assert r.kind == "refund" and r.number.startswith("RF-") and r.refund_of is None
    assert list(RefundSource.objects.filter(refund=r).order_by("id").values_list("payment__number", "amount")) == [
        (old.number, D("30.00")), (new.number, D("15.00"))]
    assert payment_unallocated(payment=old) == 0 and payment_unallocated(payment=new) == D("25.00")
    assert customer_credit(ledger.acme, "USD").amount == D("25.00")
    one = refund(ledger.acme, "5.00")
    assert one.refund_of == new  # drawn on one payment: it is named
    event = OutboxEvent.objects.get(event_type="payment.refunded", aggregate_id=r.number).payload
    assert event["sources"] == [{"payment": old.number, "amount": "30.00"}, {"payment": new.number, "amount": "15.00"}]
    assert event["credit"] == ["70.00", "25.00"]


def test_refund_never_exceeds_credit(ledger):
    pay(ledger.acme, "20.00")
    error = refused(lambda: refund(ledger.acme, "20.01"), "refund_exceeds_credit")
    assert error.extra["available"] == "20.00" and error.field == "amount"
    refund(ledger.acme, "20.00")
    refused(lambda: refund(ledger.acme, "0.01"), "refund_exceeds_credit")
    refused(lambda: refund(ledger.acme, "1.00", currency="EUR"), "refund_exceeds_credit")  # credit is per currency
    refused(lambda: refund(ledger.bolt, "1.00"), "refund_exceeds_credit")  # and per customer


def test_refunded_credit_cannot_be_allocated_any_more(ledger):
    payment = pay(ledger.acme, "30.00")
    refund(ledger.acme, "30.00")
    inv = issue(ledger.acme, "10.00")
    refused(lambda: payment_allocate(payment=payment, allocations=[A(inv, "10.00")]), "allocation_exceeds_unallocated")


def test_refund_of_a_credit_note_on_a_paid_invoice(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "100.00", (inv, "100.00"))
    cn = credit(inv, "30.00")
    assert invoice_balance(inv) == D("-30.00")  # the business owes the customer 30
    refused(lambda: refund(ledger.acme, "30.01", credit_note=cn), "refund_exceeds_credit")
    r = refund(ledger.acme, "20.00", credit_note=cn.number)
    assert r.credit_note == cn
    row = Allocation.objects.get(payment=r)
    assert (row.invoice, row.amount) == (cn, D("-20.00"))
    assert invoice_balance(inv) == D("-10.00") and status_of(inv) == "paid"
    refund(ledger.acme, "10.00", credit_note=cn)
    assert invoice_balance(inv) == 0
    error = refused(lambda: refund(ledger.acme, "0.01", credit_note=cn), "refund_exceeds_credit")
    assert error.extra["available"] == "0.00"
    assert customer_credit(ledger.acme, "USD").amount == 0  # customer credit untouched


def test_credit_note_on_an_unpaid_invoice_has_nothing_to_refund(ledger):
    inv = issue(ledger.acme, "100.00")
    cn = credit(inv, "30.00")
    refused(lambda: refund(ledger.acme, "0.01", credit_note=cn), "refund_exceeds_credit")
    pay(ledger.acme, "80.00", (inv, "70.00"))  # account paid in full, 10 kept as credit
    pay_more = Payment.objects.count()
    refused(lambda: refund(ledger.acme, "0.01", credit_note=cn), "refund_exceeds_credit")
    assert Payment.objects.count() == pay_more


def test_partially_paid_then_credited_refunds_only_the_excess(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "80.00", (inv, "80.00"))
    cn = credit(inv, "30.00")
    assert invoice_balance(inv) == D("-10.00")
    refused(lambda: refund(ledger.acme, "10.01", credit_note=cn), "refund_exceeds_credit")
    refund(ledger.acme, "10.00", credit_note=cn)
    assert invoice_balance(inv) == 0


def test_two_credit_notes_share_the_over_credit(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "100.00", (inv, "100.00"))
    first, second = credit(inv, "30.00"), credit(inv, "20.00")
    refund(ledger.acme, "30.00", credit_note=first)
    refused(lambda: refund(ledger.acme, "0.01", credit_note=first), "refund_exceeds_credit")
    refused(lambda: refund(ledger.acme, "20.01", credit_note=second), "refund_exceeds_credit")
    refund(ledger.acme, "20.00", credit_note=second)
    assert invoice_balance(inv) == 0


def test_refund_input_errors(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "100.00", (inv, "100.00"))
    cn = credit(inv, "10.00")
    refused(lambda: refund(ledger.acme, "1.00", from_credit=False), "refund_source_required")
    refused(lambda: refund(ledger.acme, "1.00", credit_note=inv), "not_a_credit_note")
    refused(lambda: refund(ledger.acme, "1.00", credit_note="CN-NOPE"), "not_found")
    refused(lambda: refund(ledger.bolt, "1.00", credit_note=cn), "customer_mismatch")
    refused(lambda: refund(ledger.acme, "1.00", credit_note=cn, currency="EUR"), "currency_mismatch")
    refused(lambda: refund(ledger.acme, "-1.00"), "invalid_amount")
    refused(lambda: refund(ledger.acme, "1.00", method="gold"), "invalid")
