"""Recording and allocating payments: the rules both ways, partial and over-payment, credit applied
later, reversals, invoice statuses, events and audit."""

from decimal import Decimal as D

import pytest
from payments_kit import credit, debit, issue, pay, refused, status_of

from oms.core.models import AuditRecord, OutboxEvent
from oms.invoicing.selectors import invoice_balance
from oms.payments.models import Allocation
from oms.payments.selectors import customer_credit, payment_unallocated
from oms.payments.services import (
    AllocationSpec as A, allocation_reverse, payment_allocate, payment_record,
)

pytestmark = pytest.mark.django_db


def test_one_payment_to_several_invoices_and_a_debit_note(ledger):
    a, b = issue(ledger.acme, "100.00"), issue(ledger.acme, "50.00")
    dn = debit(a, "10.00")
    payment = pay(ledger.acme, "200.00", (a, "100.00"), (b, "20.00"), (dn.number, "10.00"), reference="TRX-1")
    assert payment.number.startswith("PAY-") and payment.status == "completed"
    assert payment_unallocated(payment=payment) == D("70.00")
    assert (invoice_balance(a), invoice_balance(b)) == (D(0), D(30))
    assert (status_of(a), status_of(b)) == ("paid", "partially_paid")
    assert customer_credit(ledger.acme, "USD").amount == D("70.00")


def test_several_payments_to_one_invoice(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "30.00", (inv, "30.00"))
    assert status_of(inv) == "partially_paid"
    pay(ledger.acme, "45.50", (inv.number, "45.50"))
    assert invoice_balance(inv) == D("24.50") and status_of(inv) == "partially_paid"
    pay(ledger.acme, "24.50", (inv, "24.50"))
    assert invoice_balance(inv) == 0 and status_of(inv) == "paid"
    assert customer_credit(ledger.acme, "USD").amount == 0


def test_allocation_above_the_open_balance_is_refused_and_nothing_written(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "60.00", (inv, "60.00"))
    error = refused(lambda: pay(ledger.acme, "50.00", (inv, "40.01")), "allocation_exceeds_balance")
    assert error.status == 422 and error.field == "allocations.0.amount" and error.extra["balance"] == "40.00"
    # Two lines of one account (invoice and its debit note) add up against the account's balance.
    dn = debit(inv, "5.00")
    refused(lambda: pay(ledger.acme, "90.00", (inv, "40.00"), (dn, "5.01")), "allocation_exceeds_balance")
    assert invoice_balance(inv) == D("45.00")


def test_allocation_above_what_the_payment_has_left_is_refused(ledger):
    a, b = issue(ledger.acme, "100.00"), issue(ledger.acme, "100.00")
    refused(lambda: pay(ledger.acme, "50.00", (a, "30.00"), (b, "20.01")), "allocation_exceeds_unallocated")
    payment = pay(ledger.acme, "50.00", (a, "30.00"))
    refused(lambda: payment_allocate(payment=payment, allocations=[A(b, "20.01")]), "allocation_exceeds_unallocated")


def test_other_currency_customer_kind_and_status_are_refused(ledger):
    usd = issue(ledger.acme, "100.00")
    eur = issue(ledger.acme, "100.00", currency="EUR")
    theirs = issue(ledger.bolt, "100.00")
    cn = credit(usd, "10.00")
    assert refused(lambda: pay(ledger.acme, "10.00", (eur, "10.00")), "currency_mismatch").field == \
        "allocations.0.invoice"
    refused(lambda: pay(ledger.acme, "10.00", (theirs, "10.00")), "customer_mismatch")
    refused(lambda: pay(ledger.acme, "10.00", (cn, "10.00")), "not_allocatable")
    refused(lambda: pay(ledger.acme, "10.00", ("INV-NOPE", "10.00")), "not_found")
    refused(lambda: pay(ledger.acme, "10.00", (usd, "5.00"), (usd, "5.00")), "duplicate_invoice")
    refused(lambda: pay(ledger.acme, "10.00", (usd, "0")), "invalid_amount")
    refused(lambda: pay(ledger.acme, "10.00", (usd, "1.005")), "invalid_amount")
    pay(ledger.acme, "90.00", (usd, "90.00"))  # paid: 100 - 10 credited - 90
    assert status_of(usd) == "paid"
    error = refused(lambda: pay(ledger.acme, "10.00", (usd, "1.00")), "invoice_not_open")
    assert error.status == 409


def test_draft_invoice_takes_no_payment(ledger):
    from payments_kit import LineSpec, Money, invoice_create

    draft = invoice_create(customer="C001", lines=[LineSpec(kind="fee", description="x", quantity="1",
                                                            unit_price=Money(D(5), "USD"))])
    refused(lambda: pay(ledger.acme, "5.00", (draft, "5.00")), "invoice_not_open")


@pytest.mark.parametrize("kwargs, code", [
    ({"amount": "0"}, "invalid_amount"), ({"amount": "-5"}, "invalid_amount"), ({"amount": 5.5}, "invalid_amount"),
    ({"amount": "1.234"}, "invalid_amount"), ({"currency": "XYZ"}, "unknown_currency"),
    ({"method": "bitcoin"}, "invalid"), ({"customer": "NOPE"}, "not_found"), ({"reference": "x" * 101}, "invalid"),
])
def test_bad_payment_input_is_refused(ledger, kwargs, code):
    args = {"customer": "C001", "amount": "10.00", "currency": "USD", "method": "cash", **kwargs}
    refused(lambda: payment_record(**args), code)


def test_overpayment_stays_as_credit_and_is_applied_later(ledger):
    first = issue(ledger.acme, "80.00")
    payment = pay(ledger.acme, "100.00", (first, "80.00"))
    assert customer_credit(ledger.acme, "USD").amount == D("20.00")
    later = issue(ledger.acme, "50.00")
    payment_allocate(payment=payment, allocations=[A(later, "20.00")])
    assert payment_unallocated(payment=payment) == 0
    assert invoice_balance(later) == D("30.00") and status_of(later) == "partially_paid"
    assert customer_credit(ledger.acme, "USD").amount == 0
    refused(lambda: payment_allocate(payment=payment, allocations=[A(later, "0.01")]),
            "allocation_exceeds_unallocated")


def test_auto_allocation_pays_the_earliest_due_first(ledger):
    import datetime as dt

    late = issue(ledger.acme, "30.00", on=dt.date(2026, 3, 1))
    early = issue(ledger.acme, "50.00", on=dt.date(2026, 1, 1))
    payment = payment_record(customer="C001", amount="60.00", currency="USD", method="cash", auto_allocate=True)
    assert (invoice_balance(early), invoice_balance(late)) == (D(0), D(20))
    assert payment_unallocated(payment=payment) == 0
    leftover = payment_record(customer="C001", amount="25.00", currency="USD", method="cash")
    payment_allocate(payment=leftover, auto=True)
    assert invoice_balance(late) == 0 and payment_unallocated(payment=leftover) == D(5)
    refused(lambda: payment_allocate(payment=leftover, auto=True), "nothing_to_allocate")


def test_reversal_is_a_new_negative_row_with_a_reason(ledger):
    inv = issue(ledger.acme, "100.00")
    payment = pay(ledger.acme, "100.00", (inv, "100.00"))
    assert status_of(inv) == "paid"
    original = payment.allocations.get()
    refused(lambda: allocation_reverse(allocation=original, reason="  "), "required")
    reversal = allocation_reverse(allocation=original, reason="applied to the wrong invoice")
    assert reversal.amount == D("-100.00") and reversal.reverses == original and reversal.reason
    original.refresh_from_db()
    assert original.amount == D("100.00")  # never edited
    assert Allocation.objects.filter(payment=payment).count() == 2
    assert invoice_balance(inv) == D("100.00") and status_of(inv) == "issued"
    assert payment_unallocated(payment=payment) == D("100.00")
    refused(lambda: allocation_reverse(allocation=original, reason="again"), "already_reversed")
    refused(lambda: allocation_reverse(allocation=reversal, reason="undo"), "not_reversible")
    # The money can be applied again.
    payment_allocate(payment=payment, allocations=[A(inv, "100.00")])
    assert status_of(inv) == "paid"


def test_reversal_on_a_debit_note_reopens_its_invoice(ledger):
    inv = issue(ledger.acme, "100.00")
    dn = debit(inv, "20.00")
    payment = pay(ledger.acme, "120.00", (inv, "100.00"), (dn, "20.00"))
    assert status_of(inv) == "paid" and invoice_balance(inv) == 0
    allocation_reverse(allocation=payment.allocations.get(invoice=dn), reason="freight disputed")
    assert invoice_balance(inv) == D("20.00") and status_of(inv) == "partially_paid"
    record = AuditRecord.objects.get(action="invoice.payment_allocation_reversed")
    assert (record.object_id, record.changes["number"], record.changes["balance"]) == (
        str(dn.pk), dn.number, ["0.00", "20.00"])


def test_partial_reversal_leaves_partially_paid(ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "60.00", (inv, "60.00"))
    second = pay(ledger.acme, "40.00", (inv, "40.00"))
    allocation_reverse(allocation=second.allocations.get(), reason="cheque bounced")
    assert invoice_balance(inv) == D("40.00") and status_of(inv) == "partially_paid"


def test_events_and_audit_for_every_allocation_change(ledger):
    inv = issue(ledger.acme, "100.00")
    payment = pay(ledger.acme, "100.00", (inv, "70.00"))
    events = list(OutboxEvent.objects.filter(aggregate_id=payment.number).values_list("event_type", flat=True))
    assert events == ["payment.recorded", "payment.allocated"]
    allocated = OutboxEvent.objects.get(aggregate_id=payment.number, event_type="payment.allocated").payload
    assert allocated["allocations"] == [{"id": payment.allocations.get().pk, "invoice": inv.number,
                                         "amount": "70.00"}]
    assert allocated["unallocated"] == "30.00"
    allocation_reverse(allocation=payment.allocations.get(), reason="wrong")
    actions = list(AuditRecord.objects.filter(object_type="payments.payment", object_id=payment.number)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["payment.recorded", "payment.allocated", "payment.allocation_reversed"]
    on_invoice = AuditRecord.objects.filter(object_type="invoicing.invoice", object_id=str(inv.pk),
                                            action__in=["invoice.payment_allocated",
                                                        "invoice.payment_allocation_reversed"]).order_by("id")
    assert [(r.action, r.changes["balance"]) for r in on_invoice] == [
        ("invoice.payment_allocated", ["100.00", "30.00"]),
        ("invoice.payment_allocation_reversed", ["30.00", "100.00"])]
    assert all(r.changes["payment"] == payment.number for r in on_invoice)


def test_pending_payment_cannot_be_allocated(ledger):
    inv = issue(ledger.acme, "10.00")
    pending = payment_record(customer="C001", amount="10.00", currency="USD", method="card", status="pending")
    refused(lambda: payment_allocate(payment=pending, allocations=[A(inv, "10.00")]), "payment_not_completed")
    assert customer_credit(ledger.acme, "USD").amount == 0


def test_zero_decimal_currency(ledger):
    inv = issue(ledger.rupiah, "1500000", currency="IDR")
    pay(ledger.rupiah, "1000000", (inv, "1000000"), currency="IDR")
    assert invoice_balance(inv) == D(500000)
    refused(lambda: pay(ledger.rupiah, "10.5", currency="JPY"), "invalid_amount")
