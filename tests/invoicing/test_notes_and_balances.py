"""Credit and debit notes, balances and the payment status the payments module drives."""

import itertools
from datetime import date
from decimal import Decimal as D

import pytest
from django.apps import apps
from inv_helpers import hand_invoice, issued

from oms.core.errors import Conflict, DomainError
from oms.core.models import AuditRecord, NumberCounter, OutboxEvent
from oms.core.money import Money
from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.selectors import customer_balance, invoice_account, invoice_balance, tax_summary
from oms.invoicing.services import (
    LineSpec, NoteLineSpec, credit_note_create, debit_note_create, invoice_payment_status_refresh,
)
from oms.parties.models import Party

pytestmark = pytest.mark.django_db
YEAR = date.today().year
_numbers = itertools.count(1)

needs_payments = pytest.mark.skipif(not apps.is_installed("oms.payments"), reason="the payments module is off")


def pay(invoice, amount):
    """A completed payment allocated to the document, as rows (the payments module's services do more)."""
    Payment, Allocation = apps.get_model("payments", "Payment"), apps.get_model("payments", "Allocation")
    payment = Payment.objects.create(number=f"TEST-PAY-{next(_numbers)}", customer=invoice.customer,
                                     currency=invoice.currency, amount=abs(D(amount)), method="bank_transfer",
                                     received_on=date.today())
    Allocation.objects.create(payment=payment, invoice=invoice, amount=D(amount))
    return invoice_payment_status_refresh(invoice=invoice)


def test_credit_note_on_a_line_takes_its_taxes_and_a_number(world):
    invoice = issued(lines=[LineSpec(sku="WIDGET", quantity="4", unit_price="10.00"),
                            LineSpec(description="Setup", quantity="1", unit_price="100.00")])
    widget = invoice.lines.get(sku="WIDGET")
    note = credit_note_create(invoice=invoice, reason="one widget returned damaged",
                              lines=[NoteLineSpec(original_line_id=widget.pk, quantity="1")])
    assert (note.kind, note.status, note.number, note.original) == ("credit_note", "issued", f"CN-{YEAR}-00001",
                                                                     invoice)
    line = note.lines.get()
    assert (line.original_line, line.sku, line.tax_percent, line.line_total) == (widget, "WIDGET", D("10"),
                                                                                 D("11.00"))
    assert note.due_date is None and note.reason == "one widget returned damaged"
    assert invoice_balance(invoice) == D("144.00") - D("11.00")
    assert invoice_balance(note) == 0  # counted in the invoice's balance
    assert OutboxEvent.objects.filter(event_type="credit_note.issued").get().payload["original"] == invoice.number
    record = AuditRecord.objects.filter(action="credit_note.issued").get()
    assert record.actor_label == "system" and record.changes["reason"] == "one widget returned damaged"
    assert tax_summary(note) == [{"code": "std", "name": "Standard", "percent": D("10"), "kind": "standard",
                                  "compound": False, "taxable": D("10.00"), "tax": D("1.00")}]


def test_credit_note_larger_than_what_is_left_is_refused_and_writes_nothing(world):
    invoice = issued()  # 845.50
    credit_note_create(invoice=invoice, reason="discount", lines=[NoteLineSpec(description="Discount",
                                                                               quantity="1", unit_price="800.00")])
    before = (Invoice.objects.count(), InvoiceLine.objects.count(), AuditRecord.objects.count(),
              OutboxEvent.objects.count(), list(NumberCounter.objects.values_list("last_value", flat=True)))
    with pytest.raises(DomainError) as exc:
        credit_note_create(invoice=invoice, reason="more", lines=[NoteLineSpec(description="More", quantity="1",
                                                                               unit_price="45.51")])
    assert (exc.value.code, exc.value.status, exc.value.extra) == ("credit_exceeds_balance", 422,
                                                                   {"left_to_credit": "45.50"})
    after = (Invoice.objects.count(), InvoiceLine.objects.count(), AuditRecord.objects.count(),
             OutboxEvent.objects.count(), list(NumberCounter.objects.values_list("last_value", flat=True)))
    assert after == before
    debit_note_create(invoice=invoice, reason="freight", lines=[NoteLineSpec(description="Freight", quantity="1",
                                                                             unit_price="20.00", kind="fee")])
    note = credit_note_create(invoice=invoice, reason="more", lines=[NoteLineSpec(description="More", quantity="1",
                                                                                  unit_price="65.50")])
    assert note.number == f"CN-{YEAR}-00002"
    assert invoice_balance(invoice) == 0
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"  # nothing is left to pay


def test_notes_are_in_the_invoice_currency_and_only_on_issued_invoices(world):
    invoice = issued()
    with pytest.raises(DomainError) as exc:
        credit_note_create(invoice=invoice, reason="x", lines=[NoteLineSpec(description="x", quantity="1",
                                                                            unit_price=Money(D("1"), "EUR"))])
    assert exc.value.code == "currency_mismatch"
    with pytest.raises(Conflict) as exc:
        credit_note_create(invoice=hand_invoice(), reason="x", lines=[NoteLineSpec(description="x", quantity="1",
                                                                                   unit_price="1")])
    assert exc.value.code == "invoice_not_issued"
    note = debit_note_create(invoice=invoice, reason="freight", lines=[NoteLineSpec(description="Freight",
                                                                                    quantity="1", unit_price="9")])
    assert note.number == f"DN-{YEAR}-00001" and note.currency == "USD"
    assert note.due_date == note.issue_date + (invoice.due_date - invoice.issue_date)
    with pytest.raises(DomainError) as exc:
        credit_note_create(invoice=note, reason="x", lines=[NoteLineSpec(description="x", quantity="1",
                                                                         unit_price="1")])
    assert exc.value.code == "not_an_invoice"
    with pytest.raises(DomainError) as exc:
        credit_note_create(invoice=invoice, reason=" ", lines=[NoteLineSpec(description="x", quantity="1",
                                                                            unit_price="1")])
    assert exc.value.field == "reason"


def test_whole_line_credit_takes_the_discount_too(world):
    invoice = issued(lines=[LineSpec(sku="GADGET", quantity="3", unit_price="25.50", discount_amount="6.50")])
    note = credit_note_create(invoice=invoice, reason="cancelled",
                              lines=[NoteLineSpec(original_line_id=invoice.lines.get().pk)])
    assert note.total == invoice.total and invoice_balance(invoice) == 0


def test_withholding_invoice_and_its_summary(idr_customer, rates):
    invoice = issued("C-ID", [LineSpec(kind="hours", description="Design", quantity="10", unit_price="500000",
                                       tax_category="svc-id")])
    assert (invoice.subtotal, invoice.tax_total, invoice.withholding_total, invoice.total) == (
        D("5000000"), D("600000"), D("100000"), D("5500000"))
    assert invoice.due_date == invoice.issue_date.fromordinal(invoice.issue_date.toordinal() + 14)
    assert [(r["code"], r["kind"], r["taxable"], r["tax"]) for r in tax_summary(invoice)] == [
        ("ppn-12", "standard", D("5000000"), D("600000")), ("pph23", "withholding", D("5000000"), D("100000"))]
    assert invoice_balance(invoice) == D("5500000")


@needs_payments
def test_payments_drive_the_status_and_the_balance(world):
    invoice = issued()  # 845.50
    invoice = pay(invoice, "500.00")
    assert invoice.status == "partially_paid" and invoice_balance(invoice) == D("345.50")
    invoice = pay(invoice, "345.50")
    assert invoice.status == "paid" and invoice_balance(invoice) == 0
    debit_note_create(invoice=invoice, reason="freight", lines=[NoteLineSpec(description="Freight", quantity="1",
                                                                             unit_price="10.00")])
    invoice.refresh_from_db()
    assert invoice.status == "partially_paid" and invoice_balance(invoice) == D("10.00")
    invoice = pay(invoice, "-100.00")  # a reversal
    assert invoice.status == "partially_paid" and invoice_balance(invoice) == D("110.00")
    account = invoice_account(invoice)
    assert (account.total, account.debited, account.credited, account.allocated) == (
        D("845.50"), D("10.00"), D("0"), D("745.50"))
    assert OutboxEvent.objects.filter(event_type="invoice.payment_status_changed").count() == 3


@needs_payments
def test_credit_after_payment_leaves_a_negative_balance_and_customer_balance_adds_up(world):
    first, second = issued(), issued(lines=[LineSpec(description="Fee", quantity="1", unit_price="100")])
    pay(first, "845.50")
    credit_note_create(invoice=first, reason="goodwill", lines=[NoteLineSpec(description="Goodwill",
                                                                             quantity="1", unit_price="45.50")])
    assert invoice_balance(first) == D("-45.50")
    assert Invoice.objects.get(pk=first.pk).status == "paid"
    hand_invoice()  # drafts are not owed
    customer = Party.objects.get(code="C001")
    assert customer_balance(customer, "USD") == D("54.50")
    assert customer_balance(customer, "USD") == sum(invoice_balance(x) for x in Invoice.objects.all())
    assert customer_balance(customer, "EUR") == 0


def test_status_refresh_on_a_note_refreshes_its_invoice(world):
    invoice = issued()
    note = debit_note_create(invoice=invoice, reason="x", lines=[NoteLineSpec(description="x", quantity="1",
                                                                              unit_price="1")])
    assert invoice_payment_status_refresh(invoice=note).pk == invoice.pk
    assert invoice_payment_status_refresh(invoice=hand_invoice()).status == "draft"
