"""A small business that buys: the sales world (tests/world.py) plus a USD supplier with a price list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

from world import World, make_world

from oms.core.models import AuditRecord, OutboxEvent
from oms.inventory.models import StockMove
from oms.parties.models import Party
from oms.payments.models import Payment
from oms.purchasing.models import (
    BillPayment, ProductCost, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, SupplierBill, SupplierBillLine,
)
from oms.purchasing.services import POLineSpec, purchase_order_create, purchase_order_send, supplier_item_set


@dataclass
class Buying:
    world: World
    supplier: Party  # S001 Parts Co, USD, 30 days
    other: Party  # S002 Euro Parts, EUR


def make_buying() -> Buying:
    world = make_world()
    supplier = Party.objects.create(code="S001", name="Parts Co", is_customer=False, is_supplier=True,
                                    currency="USD", payment_terms_days=30)
    other = Party.objects.create(code="S002", name="Euro Parts", is_customer=False, is_supplier=True,
                                 currency="EUR", payment_terms_days=14)
    supplier_item_set(supplier=supplier, sku="WIDGET", supplier_sku="P-W", price="4.00", min_order_quantity="10",
                      lead_time_days=10, preferred=True)
    supplier_item_set(supplier=supplier, sku="BACKO", supplier_sku="P-B", price="3.00", min_order_quantity="5",
                      lead_time_days=10, preferred=True)
    supplier_item_set(supplier=other, sku="WIDGET", supplier_sku="EU-W", price="3.50", currency="EUR",
                      min_order_quantity="1", lead_time_days=30)
    return Buying(world, supplier, other)


def sent_order(lines: list[tuple[str, str]], supplier: str = "S001", **prices) -> PurchaseOrder:
    order = purchase_order_create(supplier=supplier, lines=[POLineSpec(sku=s, quantity=q, unit_price=prices.get(s))
                                                            for s, q in lines])
    return purchase_order_send(order=order)


def line_of(order: PurchaseOrder, sku: str) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.get(order=order, product__sku=sku)


def counts() -> tuple:
    """Rows of every table a refused purchasing call must leave untouched."""
    return tuple(m.objects.count() for m in (
        PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, SupplierBill, SupplierBillLine, BillPayment, Payment,
        ProductCost, StockMove, AuditRecord, OutboxEvent))


def cost_of(sku: str, currency: str = "USD") -> D | None:
    row = ProductCost.objects.filter(product__sku=sku, currency=currency).first()
    return row.average_cost if row else None
