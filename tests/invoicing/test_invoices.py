"""Invoices through the services: by hand and from sales orders, the lifecycle, numbers taken at
issue without gaps, and issued documents that never change."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction
from inv_helpers import hand_invoice, issued

from oms.core.errors import Conflict, DomainError, InvalidTransition
from oms.core.models import AuditRecord, NumberCounter, OutboxEvent
from oms.core.services.numbering import series_get, series_set_format
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, InvoicingSettings
from oms.invoicing.selectors import invoice_balance, invoice_find, invoice_get, invoice_timeline
from oms.invoicing.services import (
    LineSpec, invoice_cancel, invoice_create_from_order, invoice_issue, invoice_update, invoicing_settings_update,
)
from oms.invoicing.states import TRANSITIONS, can_transition
from oms.sales.lines import LineSpec as OrderLine
from oms.sales.models import SalesOrderLine
from oms.sales.services import OrderSpec, order_create

pytestmark = pytest.mark.django_db
YEAR = date.today().year


def test_hand_invoice_is_a_draft_without_number(world):
    invoice = hand_invoice()
    assert (invoice.status, invoice.number, invoice.kind, invoice.currency) == ("draft", None, "invoice", "USD")
    assert [(x.kind, x.quantity, x.line_total) for x in invoice.lines.all()] == [
        ("hours", D("10"), D("800.00")), ("expense", D("1"), D("45.50"))]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (D("845.50"), D("0"), D("845.50"))
    assert invoice_balance(invoice) == 0  # a draft owes nothing
    assert invoice.created_by == "system"
    assert [r.action for r in invoice_timeline(invoice=invoice)] == ["invoice.created"]


def test_issue_numbers_dates_and_freezes(world):
    invoice = invoice_issue(invoice=hand_invoice(), issue_date=date(YEAR, 3, 31))
    assert invoice.number == f"INV-{YEAR}-00001" and invoice.status == "issued"
    assert (invoice.issue_date, invoice.due_date) == (date(YEAR, 3, 31), date(YEAR, 3, 31) + timedelta(days=30))
    assert invoice_balance(invoice) == D("845.50")
    event = OutboxEvent.objects.get(event_type="invoice.issued")
    assert event.payload["number"] == invoice.number and event.payload["total"] == "845.50"
    assert [r.action for r in invoice_timeline(invoice=invoice)] == ["invoice.created", "invoice.issued"]


def test_numbers_are_gap_free_a_failed_issue_takes_none(world):
    first = issued()
    broken = hand_invoice(lines=[LineSpec(sku="WIDGET", quantity="1", unit_price="10.00")])
    InvoiceLine.objects.filter(invoice=broken).update(quantity=D(0))  # an issue that fails after the number is taken
    with pytest.raises(DomainError):
        invoice_issue(invoice=broken)
    drafts = [hand_invoice() for _ in range(3)]
    second = invoice_issue(invoice=drafts[2])
    third = invoice_issue(invoice=drafts[0])
    assert [first.number, second.number, third.number] == [f"INV-{YEAR}-0000{n}" for n in (1, 2, 3)]
    assert Invoice.objects.get(pk=broken.pk).number is None
    assert Invoice.objects.get(pk=drafts[1].pk).number is None


def test_a_business_own_number_format_is_kept(world):
    series_set_format(doc_type="invoicing.invoice", fmt="F-{YY}-{seq:04d}")
    assert issued(on=date(YEAR, 5, 1)).number == f"F-{YEAR % 100:02d}-0001"
    assert series_get(doc_type="invoicing.credit_note", default_format="CN-{YYYY}-{seq:05d}").format == \
        "CN-{YYYY}-{seq:05d}"


def test_transition_table_is_explicit():
    assert can_transition("draft", "issued") and can_transition("draft", "cancelled")
    assert not can_transition("issued", "cancelled") and not can_transition("paid", "draft")
    assert TRANSITIONS["cancelled"] == frozenset()


def test_cancel_a_draft_but_never_an_issued_invoice(world):
    draft = invoice_cancel(invoice=hand_invoice(), reason="typo")
    assert draft.status == "cancelled" and OutboxEvent.objects.filter(event_type="invoice.cancelled").count() == 1
    with pytest.raises(InvalidTransition):
        invoice_issue(invoice=draft)
    invoice = issued()
    with pytest.raises(InvalidTransition) as exc:
        invoice_cancel(invoice=invoice)
    assert (exc.value.status, exc.value.extra) == (409, {"from_state": "issued", "to_state": "cancelled"})
    with pytest.raises(InvalidTransition):
        invoice_issue(invoice=invoice)


def test_issued_invoice_is_immutable_everywhere(world):
    invoice = issued()
    audit_before = AuditRecord.objects.count()
    with pytest.raises(Conflict) as exc:
        invoice_update(invoice=invoice, notes="changed")
    assert (exc.value.code, exc.value.status) == ("immutable", 409)
    invoice.total = D("1.00")
    line = invoice.lines.first()
    line.unit_price = D("1.00")
    for attempt in (invoice.save, line.save, line.delete, Invoice.objects.get(pk=invoice.pk).delete):
        with pytest.raises(Conflict), transaction.atomic():
            attempt()
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.total == D("845.50") and stored.lines.first().unit_price == D("80.00")
    assert AuditRecord.objects.count() == audit_before


def test_draft_edits_reprice_and_are_audited(world):
    invoice = hand_invoice()
    invoice = invoice_update(invoice=invoice, notes="thanks", payment_terms_days=7,
                             lines=[LineSpec(sku="GADGET", quantity="2", unit_price="25.50")])
    assert (invoice.notes, invoice.payment_terms_days, invoice.total) == ("thanks", 7, D("56.10"))
    assert [x.sku for x in invoice.lines.all()] == ["GADGET"]
    record = invoice_timeline(invoice=invoice).last()
    assert record.action == "invoice.updated" and record.changes["total"] == ["845.50", "56.10"]
    invoice = invoice_issue(invoice=invoice, issue_date=date(YEAR, 1, 10))
    assert invoice.due_date == date(YEAR, 1, 17)


def test_currency_and_line_errors(world):
    from oms.core.money import Money

    with pytest.raises(DomainError) as exc:
        hand_invoice(lines=[LineSpec(description="x", quantity="1", unit_price=Money(D("1"), "EUR"))])
    assert (exc.value.code, exc.value.field) == ("currency_mismatch", "lines.0.unit_price.currency")
    with pytest.raises(DomainError) as exc:
        hand_invoice(lines=[LineSpec(description="x", quantity="1", unit_price="1", kind="rent")])
    assert exc.value.field == "lines.0.kind"
    with pytest.raises(DomainError) as exc:
        hand_invoice(lines=[LineSpec(sku="NOPE", quantity="1", unit_price="1")])
    assert exc.value.code == "unknown_sku"
    with pytest.raises(DomainError) as exc:
        hand_invoice(lines=[LineSpec(sku="WIDGET", quantity="1.5", unit_price="1")])  # counted in pieces
    assert (exc.value.code, exc.value.field) == ("invalid_quantity", "lines.0.quantity")
    assert Invoice.objects.count() == 0


# -- from sales orders ---------------------------------------------------------------------------

def confirmed_order(*lines, **kw):
    spec = OrderSpec(customer="C001", lines=[OrderLine(sku=s, quantity=q, **kw) for s, q in lines])
    return order_create(spec=spec, confirm=True)


def test_invoice_the_whole_order_once(world):
    order = confirmed_order(("WIDGET", "3"), ("GADGET", "2"))
    invoice = invoice_create_from_order(order=order)
    assert invoice.sales_order == order and invoice.total == order.total == D("89.10")
    assert [(x.sku, x.quantity, x.order_line_id is not None) for x in invoice.lines.all()] == [
        ("WIDGET", D("3"), True), ("GADGET", D("2"), True)]
    with pytest.raises(Conflict) as exc:
        invoice_create_from_order(order=order)
    assert exc.value.code == "nothing_to_invoice"
    invoice_cancel(invoice=invoice)  # a cancelled draft gives the quantities back
    assert invoice_create_from_order(order=order).total == D("89.10")


def _priced(invoice):
    return [(x.sku, x.quantity, x.unit_price, x.discount_amount, x.tax_percent, x.line_subtotal, x.line_tax,
             x.line_total, [(t.code, t.percent, t.taxable, t.amount) for t in x.taxes.all()])
            for x in invoice.lines.all()]


def test_an_order_invoiced_and_issued_at_once_is_a_draft_issued_today(world):
    two_steps = invoice_issue(invoice=invoice_create_from_order(
        order=confirmed_order(("WIDGET", "3"), ("GADGET", "2"), discount_amount="1.00")))
    order = confirmed_order(("WIDGET", "3"), ("GADGET", "2"), discount_amount="1.00")
    at_once = invoice_create_from_order(order=order, issue=True)
    assert (at_once.status, at_once.number, at_once.sales_order) == ("issued", f"INV-{YEAR}-00002", order)
    header = ("subtotal", "tax_total", "total", "issue_date", "due_date", "payment_terms_days")
    assert [getattr(at_once, f) for f in header] == [getattr(two_steps, f) for f in header]
    assert at_once.total == order.total and at_once.issued_at is not None
    stored = Invoice.objects.get(pk=at_once.pk)
    assert _priced(stored) == _priced(two_steps) and stored.status == "issued"
    assert [r.action for r in invoice_timeline(invoice=at_once)] == ["invoice.created", "invoice.issued"]
    created = invoice_timeline(invoice=at_once)[0].changes
    assert created["sales_order"] == order.number and len(created["lines"]) == 2
    event = OutboxEvent.objects.filter(event_type="invoice.issued").latest("id")
    assert (event.payload["number"], event.payload["total"], event.payload["status"]) == (
        at_once.number, str(at_once.total), "issued")
    with pytest.raises(Conflict) as exc:  # nothing left: refused, and no number is taken
        invoice_create_from_order(order=order, issue=True)
    assert exc.value.code == "nothing_to_invoice"
    assert invoice_create_from_order(order=confirmed_order(("WIDGET", "1")), issue=True).number == \
        f"INV-{YEAR}-00003"


def test_issuing_a_draft_priced_as_on_the_issue_date_leaves_its_lines_as_they_are(world):
    draft = invoice_create_from_order(order=confirmed_order(("WIDGET", "3"), ("GADGET", "1")))
    rows = InvoiceLineTax.objects.filter(line__invoice=draft).order_by("id")
    before = list(rows.values_list("id", "line_id", "amount"))
    issued_now = invoice_issue(invoice=draft)  # today, under the rates the draft was priced with
    assert list(rows.values_list("id", "line_id", "amount")) == before  # not deleted and written again
    assert issued_now.status == "issued" and issued_now.total == draft.total


def test_invoice_only_what_was_fulfilled(world):
    invoicing_settings_update(invoice_policy=InvoicingSettings.Policy.FULFILLED)
    order = confirmed_order(("WIDGET", "5"), ("GADGET", "2"))
    with pytest.raises(Conflict) as exc:
        invoice_create_from_order(order=order)
    assert exc.value.code == "nothing_to_invoice"
    widget = order.lines.get(sku="WIDGET")
    SalesOrderLine.objects.filter(pk=widget.pk).update(quantity_fulfilled=D(2))
    first = invoice_create_from_order(order=order)
    assert [(x.sku, x.quantity) for x in first.lines.all()] == [("WIDGET", D("2"))]
    SalesOrderLine.objects.filter(order=order).update(quantity_fulfilled=models_f("quantity"))
    second = invoice_create_from_order(order=order)
    assert [(x.sku, x.quantity) for x in second.lines.all()] == [("WIDGET", D("3")), ("GADGET", D("2"))]
    assert first.total + second.total == order.total
    with pytest.raises(Conflict):
        invoice_create_from_order(order=order)


def models_f(name):
    from django.db.models import F

    return F(name)


def test_partial_invoices_share_the_order_discount_exactly(world):
    invoicing_settings_update(invoice_policy="fulfilled")
    order = confirmed_order(("WIDGET", "3"), discount_amount="1.00")
    line = order.lines.get()
    totals = []
    for fulfilled in (1, 2, 3):
        SalesOrderLine.objects.filter(pk=line.pk).update(quantity_fulfilled=D(fulfilled))
        totals.append(invoice_issue(invoice=invoice_create_from_order(order=order)))
    assert [x.lines.get().discount_amount for x in totals] == [D("0.33"), D("0.34"), D("0.33")]
    # The nets add up to the order's exactly; each invoice rounds its own tax (0.97 three times).
    assert sum(x.subtotal for x in totals) == order.subtotal == D("29.00")
    assert sum(x.tax_total for x in totals) == D("2.91")


def test_orders_that_cannot_be_invoiced(world):
    draft = order_create(spec=OrderSpec(customer="C001", lines=[OrderLine(sku="WIDGET", quantity="1")]))
    with pytest.raises(Conflict) as exc:
        invoice_create_from_order(order=draft)
    assert exc.value.code == "order_not_invoiceable"
    invoice = invoice_create_from_order(order=confirmed_order(("WIDGET", "1")))
    with pytest.raises(DomainError) as exc:
        invoice_update(invoice=invoice, lines=[LineSpec(description="x", quantity="1", unit_price="1")])
    assert exc.value.code == "order_lines_fixed"


def test_tax_inclusive_order_is_invoiced_inclusive(world):
    spec = OrderSpec(customer="C001", tax_inclusive=True, lines=[OrderLine(sku="WIDGET", quantity="2")])
    order = order_create(spec=spec, confirm=True)
    invoice = invoice_issue(invoice=invoice_create_from_order(order=order))
    assert invoice.tax_inclusive and invoice.total == order.total
    assert invoice.subtotal + invoice.tax_total == invoice.total


def test_an_id_is_never_taken_for_a_number_of_digits_only(world):
    """A series may number plainly ({seq}): the invoice numbered "7" and the invoice with id 7 can be two
    different documents. An int key is an id; a string is tried as a number first."""
    series_set_format(doc_type="invoicing.invoice", fmt="{seq}")
    issued()  # the series' counter exists from here
    draft = hand_invoice()
    NumberCounter.objects.filter(series__doc_type="invoicing.invoice").update(last_value=draft.pk - 1)
    numbered_like_the_draft = issued()
    assert numbered_like_the_draft.number == str(draft.pk) and numbered_like_the_draft.pk != draft.pk
    assert invoice_get(key=draft.pk).pk == draft.pk and invoice_find(key=draft.pk).pk == draft.pk
    assert invoice_get(key=str(draft.pk)).pk == numbered_like_the_draft.pk
