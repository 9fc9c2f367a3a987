"""Orders that have shipped (and been invoiced and paid), for the returns tests."""

from decimal import Decimal as D

from oms.invoicing.services import invoice_create_from_order, invoice_issue
from oms.payments.services import AllocationSpec, payment_record
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create
from oms.shipping.services import shipment_create, shipment_ship


def shipped_order(*lines, ship: dict | None = None):
    """A confirmed order of (sku, quantity) lines; ``ship`` (sku -> quantity) ships part, else all."""
    order = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku=s, quantity=q) for s, q in lines]),
                         confirm=True)
    by_sku = {line.sku: line for line in order.lines.all()}
    wanted = None if ship is None else {by_sku[sku].pk: q for sku, q in ship.items()}
    shipment_ship(shipment=shipment_create(order=order, lines=wanted))
    order.refresh_from_db()
    return order, by_sku


def invoiced(order, *, paid: bool = False):
    invoice = invoice_issue(invoice=invoice_create_from_order(order=order))
    if paid:
        payment_record(customer="C001", amount=invoice.total, currency=invoice.currency, method="bank_transfer",
                       allocations=[AllocationSpec(invoice=invoice, amount=invoice.total)])
    invoice.refresh_from_db()
    return invoice


def q(value) -> D:
    return D(str(value))
