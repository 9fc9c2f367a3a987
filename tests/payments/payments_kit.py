"""Helpers for the payments tests: customers, issued invoices and notes (through the invoicing services),
payments, and a check that a refused call wrote nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

from oms.core.money import Money
from oms.invoicing.models import Invoice
from oms.invoicing.services import (
    LineSpec, NoteLineSpec, credit_note_create, debit_note_create, invoice_create, invoice_issue,
)
from oms.parties.models import Party


@dataclass
class Ledger:
    acme: Party  # USD customer, code C001
    bolt: Party  # USD customer, code C002
    rupiah: Party  # IDR customer, code C003


def make_ledger() -> Ledger:
    return Ledger(
        acme=Party.objects.create(code="C001", name="Acme Retail", currency="USD"),
        bolt=Party.objects.create(code="C002", name="Bolt Hardware", currency="USD"),
        rupiah=Party.objects.create(code="C003", name="Toko Rupiah", currency="IDR"),
    )


def issue(customer: Party, amount: str, *, currency: str | None = None, on: dt.date | None = None,
          terms: int = 30) -> Invoice:
    """An issued invoice of exactly ``amount`` (one fee line, no tax)."""
    currency = currency or customer.currency
    draft = invoice_create(customer=customer.code, currency=currency, payment_terms_days=terms,
                           lines=[LineSpec(kind="fee", description="Services", quantity="1",
                                           unit_price=Money(D(amount), currency))])
    return invoice_issue(invoice=draft, issue_date=on)


def credit(invoice: Invoice, amount: str, reason: str = "goodwill") -> Invoice:
    return credit_note_create(invoice=invoice, reason=reason, lines=[NoteLineSpec(
        kind="fee", description="Credit", quantity="1", unit_price=Money(D(amount), invoice.currency))])


def debit(invoice: Invoice, amount: str, reason: str = "freight") -> Invoice:
    return debit_note_create(invoice=invoice, reason=reason, lines=[NoteLineSpec(
        kind="fee", description="Freight", quantity="1", unit_price=Money(D(amount), invoice.currency))])


def status_of(invoice: Invoice) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)


def counts() -> tuple:
    from oms.core.models import AuditRecord, OutboxEvent
    from oms.payments.models import Allocation, Payment, ProviderEvent, RefundSource

    return tuple(m.objects.count() for m in (Payment, Allocation, RefundSource, ProviderEvent, OutboxEvent,
                                             AuditRecord, Invoice))


def refused(fn, code: str):
    """Call fn, expect a DomainError with this code, and check that nothing was written."""
    import pytest

    from oms.core.errors import DomainError

    before = counts()
    with pytest.raises(DomainError) as info:
        fn()
    assert info.value.code == code, info.value.as_dict()
    assert counts() == before
    return info.value


def pay(customer: Party, amount: str, *allocations, **kw):
    """A payment by the customer, allocated to (invoice, amount) pairs."""
    from oms.payments.services import AllocationSpec, payment_record

    kw.setdefault("method", "bank_transfer")
    return payment_record(customer=customer, amount=amount, currency=kw.pop("currency", customer.currency),
                          allocations=[AllocationSpec(inv, amt) for inv, amt in allocations], **kw)
