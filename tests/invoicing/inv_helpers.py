"""Helpers for the invoicing tests: documents made through the services."""

from oms.invoicing.services import LineSpec, invoice_create, invoice_issue


def hand_invoice(customer="C001", lines=None, **kw):
    lines = lines or [LineSpec(kind="hours", description="Consulting", quantity="10", unit_price="80.00"),
                      LineSpec(kind="expense", description="Travel", quantity="1", unit_price="45.50")]
    return invoice_create(customer=customer, lines=lines, **kw)


def issued(customer="C001", lines=None, on=None, **kw):
    return invoice_issue(invoice=hand_invoice(customer, lines, **kw), issue_date=on)
