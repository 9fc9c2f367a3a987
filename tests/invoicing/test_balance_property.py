"""Property: whatever sequence of invoices, credit notes, debit notes (and payments) happens, every
balance is the exact sum of its parts to the smallest unit, an issued total never changes, and a
refused action writes nothing."""

import itertools
from datetime import date
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oms.core.errors import DomainError
from oms.core.models import Company
from oms.core.services.company import company_default
from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.selectors import customer_balance, invoice_balance, tax_summary
from oms.invoicing.services import (
    LineSpec, NoteLineSpec, credit_note_create, debit_note_create, invoice_create, invoice_issue,
    invoice_payment_status_refresh, invoicing_settings_update,
)
from oms.invoicing.states import payment_status
from oms.parties.models import Party

CENT = D("0.01")
PAYMENTS = apps.is_installed("oms.payments")
_numbers = itertools.count(1)


class Rollback(Exception):
    pass


amounts = st.integers(1, 500_000).map(lambda cents: D(cents) * CENT)
quantities = st.sampled_from(["1", "2", "3", "0.5", "1.25", "7"])
taxes = st.sampled_from([None, "std", "levy", "svc-id"])
lines = st.lists(st.tuples(quantities, amounts, taxes), min_size=1, max_size=4)
actions = st.one_of(
    st.tuples(st.just("invoice"), lines, st.booleans()),
    st.tuples(st.sampled_from(["credit", "debit"]), st.integers(0, 9), lines),
    st.tuples(st.just("credit_line"), st.integers(0, 9), st.integers(0, 3), st.sampled_from([None, "1", "0.5"])),
    st.tuples(st.just("pay"), st.integers(0, 9), amounts),
    st.tuples(st.just("rounding"), st.sampled_from(["line", "document"])),
)


def specs(raw):
    return [LineSpec(description=f"Item {i}", quantity=q, unit_price=p, tax_category=t)
            for i, (q, p, t) in enumerate(raw)]


def apply(action, customer, issued):
    kind = action[0]
    if kind == "rounding":
        invoicing_settings_update(tax_rounding=action[1])
    elif kind == "invoice":
        invoice = invoice_create(customer=customer, lines=specs(action[1]), tax_inclusive=action[2])
        issued.append(invoice_issue(invoice=invoice))
    elif issued:
        invoice = issued[action[1] % len(issued)]
        if kind == "credit":
            credit_note_create(invoice=invoice, reason="credit", lines=[
                NoteLineSpec(description=d.description, quantity=d.quantity, unit_price=d.unit_price,
                             tax_category=d.tax_category) for d in specs(action[2])])
        elif kind == "debit":
            debit_note_create(invoice=invoice, reason="debit", lines=[
                NoteLineSpec(description=d.description, quantity=d.quantity, unit_price=d.unit_price,
                             tax_category=d.tax_category) for d in specs(action[2])])
        elif kind == "credit_line":
            originals = list(invoice.lines.order_by("position"))
            line = originals[action[2] % len(originals)]
            credit_note_create(invoice=invoice, reason="return", lines=[
                NoteLineSpec(original_line_id=line.pk, quantity=action[3])])
        elif kind == "pay" and PAYMENTS:
            Payment, Allocation = apps.get_model("payments", "Payment"), apps.get_model("payments", "Allocation")
            payment = Payment.objects.create(number=f"PROP-{next(_numbers)}", customer=invoice.customer,
                                             currency=invoice.currency, amount=action[2], method="cash",
                                             received_on=date.today())
            Allocation.objects.create(payment=payment, invoice=invoice, amount=action[2])
            invoice_payment_status_refresh(invoice=invoice)


def allocated(invoice):
    if not PAYMENTS:
        return D(0)
    Allocation = apps.get_model("payments", "Allocation")
    return sum((a.amount for a in Allocation.objects.filter(invoice__in=[invoice, *invoice.adjustments.all()])), D(0))


def check(customer, frozen):
    total_owed = D(0)
    for doc in Invoice.objects.prefetch_related("lines", "adjustments"):
        lines = list(doc.lines.all())
        assert doc.subtotal == sum(x.line_subtotal for x in lines)
        assert doc.tax_total == sum(x.line_tax for x in lines)
        assert doc.total == doc.subtotal + doc.tax_total - doc.withholding_total
        assert all(x == x.quantize(CENT) for x in (doc.subtotal, doc.tax_total, doc.withholding_total, doc.total))
        summary = tax_summary(doc)
        assert sum(r["tax"] for r in summary if r["kind"] == "standard") == doc.tax_total
        assert sum(r["tax"] for r in summary if r["kind"] == "withholding") == doc.withholding_total
        if doc.pk in frozen:
            assert frozen[doc.pk] == (doc.number, doc.total, [(x.pk, x.line_total) for x in lines]), doc.number
        else:
            frozen[doc.pk] = (doc.number, doc.total, [(x.pk, x.line_total) for x in lines])
        if doc.kind != "invoice":
            assert invoice_balance(doc) == 0
            continue
        notes = list(doc.adjustments.all())
        debited = sum((n.total for n in notes if n.kind == "debit_note"), D(0))
        credited = sum((n.total for n in notes if n.kind == "credit_note"), D(0))
        paid = allocated(doc)
        expected = doc.total + debited - credited - paid
        balance = invoice_balance(doc)
        assert balance == expected, doc.number
        assert credited <= doc.total + debited, "never credited beyond the invoice and its debit notes"
        adjusted = doc.total + debited - credited
        assert doc.status == payment_status(balance=balance, allocated=paid, adjusted_total=adjusted)
        total_owed += expected
    assert customer_balance(customer, "USD") == total_owed


@pytest.mark.django_db
@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=10))
def test_random_documents_keep_every_balance_exact(world, rates, steps):
    try:
        with transaction.atomic():
            Company.objects.filter(pk=company_default().pk).update(country="ID")  # Indonesian service taxes apply
            customer = Party.objects.get(code="C001")
            issued, frozen = [], {}
            for action in steps:
                before = (Invoice.objects.count(), InvoiceLine.objects.count())
                try:
                    with transaction.atomic():
                        apply(action, "C001", issued)
                    event(f"{action[0]}: done")
                except DomainError as exc:
                    event(f"{action[0]}: refused ({exc.code})")
                    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == before
                check(customer, frozen)
            raise Rollback
    except Rollback:
        pass
