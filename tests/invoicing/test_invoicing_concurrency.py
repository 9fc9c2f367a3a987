"""Races on PostgreSQL: numbers stay gap-free and unique, an order is invoiced once, and concurrent
credit notes never credit more than the invoice."""

from datetime import date
from decimal import Decimal as D

import pytest
from racing import race
from world import make_world

from oms.invoicing.models import Invoice
from oms.invoicing.selectors import invoice_balance
from oms.invoicing.services import (
    LineSpec, NoteLineSpec, credit_note_create, invoice_create, invoice_create_from_order, invoice_issue,
)
from oms.sales.lines import LineSpec as OrderLine
from oms.sales.services import OrderSpec, order_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def draft():
    return invoice_create(customer="C001", lines=[LineSpec(description="Fee", quantity="1", unit_price="100.00")])


def test_concurrent_issues_take_every_number_once():
    make_world()
    drafts = [draft() for _ in range(12)]
    results = race(12, lambda i: invoice_issue(invoice=drafts[i]).number)
    year = date.today().year
    assert sorted(results) == [f"INV-{year}-{n:05d}" for n in range(1, 13)], results


def test_an_order_raced_for_is_invoiced_once():
    make_world()
    order = order_create(spec=OrderSpec(customer="C001", lines=[OrderLine(sku="WIDGET", quantity="3")]), confirm=True)
    results = race(8, lambda i: invoice_create_from_order(order=order).pk)
    assert sorted(map(str, results)).count("nothing_to_invoice") == 7, results
    assert Invoice.objects.filter(sales_order=order).count() == 1


def test_concurrent_credit_notes_never_exceed_the_invoice():
    make_world()
    invoice = invoice_issue(invoice=draft())

    def credit(i):
        return credit_note_create(invoice=invoice, reason=f"claim {i}", lines=[
            NoteLineSpec(description="Claim", quantity="1", unit_price="30.00")]).number

    results = race(8, credit)
    assert sum(1 for r in results if str(r).startswith("CN-")) == 3, results
    assert sorted(set(r for r in results if not str(r).startswith("CN-"))) == ["credit_exceeds_balance"]
    assert invoice_balance(invoice) == D("10.00")
