"""Demo data of the purchasing module, loaded by ``oms demo`` through the module's services.

Runs after the sales, invoicing, payments and shipping parts: T-shirts in size L are below their
low-stock threshold and the held order of John Carter waits for 3 tote bags (a backorder). The
replenishment suggestions become draft purchase orders; the textile mill's is sent and its tote bags
arrive (filling the backorder), the T-shirts are still due; the mill's bill charges more than the
order's price and is held. The coffee cooperative has an order sent and not yet received.
"""

from __future__ import annotations

from oms.inventory.models import Warehouse
from oms.purchasing.models import PurchaseOrder
from oms.purchasing.services import (
    BillLineSpec, POLineSpec, purchase_order_create, purchase_order_send, receipt_create, reorder_rule_set,
    replenishment_order, supplier_bill_create, supplier_create, supplier_item_set,
)

MILL, COOP = "S0001", "S0002"  # S0001 (Java Textile Mills) is made by the parties demo

PRICES = [
    # supplier, sku, supplier part number, price (IDR), minimum order, lead time days, preferred
    (MILL, "TSHIRT-S", "JTM-OT-S", "95000", "12", 14, True),
    (MILL, "TSHIRT-M", "JTM-OT-M", "95000", "12", 14, True),
    (MILL, "TSHIRT-L", "JTM-OT-L", "97500", "12", 14, True),
    (MILL, "HOODIE-M", "JTM-RH-M", "310000", "6", 21, True),
    (MILL, "TOTE-01", "JTM-CT-01", "42000", "3", 10, True),
    (COOP, "COFFEE-1KG", "TKC-AR-1000", "180000", "10", 7, True),
    (COOP, "MUG-01", "TKC-EM-01", "65000", "24", 30, True),
]


def purchasing_demo_load() -> str:
    """Load this module's part of the demo business; returns what it did (one phrase)."""
    supplier_create(code=COOP, name="Toraja Coffee Cooperative", currency="IDR", email="orders@torajacoop.test",
                    payment_terms_days=14, addresses=[{"kind": "billing", "line1": "Jl. Pongtiku 5",
                                                       "city": "Rantepao", "country": "ID", "is_default": True}])
    for supplier, sku, part, price, moq, lead, preferred in PRICES:
        supplier_item_set(supplier=supplier, sku=sku, supplier_sku=part, price=price, min_order_quantity=moq,
                          lead_time_days=lead, preferred=preferred)
    jakarta = Warehouse.objects.get(code="JKT")
    reorder_rule_set(sku="TSHIRT-M", warehouse=jakarta, min_quantity="20", max_quantity="80")
    made = replenishment_order(warehouse=jakarta)
    mill = next(order for order in made if order.supplier.code == MILL)
    mill = purchase_order_send(order=mill)
    totes = mill.lines.get(product__sku="TOTE-01")
    receipt_create(order=mill, lines={totes.pk: totes.quantity}, notes="tote bags arrived first")
    supplier_bill_create(order=mill, supplier_reference="JTM/INV/2026/0419", lines=[
        BillLineSpec(line_id=totes.pk, quantity=totes.quantity, unit_price="45000")])
    coffee = purchase_order_create(supplier=COOP, warehouse=jakarta, lines=[POLineSpec(sku="COFFEE-1KG",
                                                                                       quantity="40")])
    purchase_order_send(order=coffee)
    open_orders = PurchaseOrder.objects.filter(status__in=("draft", "sent", "partially_received")).count()
    return (f"2 suppliers with price lists, {open_orders} open purchase orders, a receipt filling a backorder, "
            f"a supplier bill on hold")
