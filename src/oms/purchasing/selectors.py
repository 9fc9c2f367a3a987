"""Purchasing reads: suppliers, orders, receipts, bills, payables aging, product costs and margins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.parties.models import Party
from oms.payments.aging import AgingRow, OpenItem, aging_rows, aging_totals
from oms.purchasing.models import (
    BillPayment, ProductCost, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, SupplierBill, SupplierBillLine,
    SupplierItem,
)
from oms.purchasing.states import UNPAID
from oms.sales.models import SalesOrderLine
from oms.sales.states import OrderStatus

QUANTUM = Decimal("0.0001")


def suppliers() -> QuerySet[Party]:
    return Party.objects.filter(is_supplier=True).annotate(items=Count("supplier_items")).order_by("code")


def supplier_get(*, code: str) -> Party:
    party = Party.objects.filter(code=code, is_supplier=True).first()
    if party is None:
        raise NotFound(f"No supplier with code {code!r}", field="code")
    return party


def supplier_items(*, supplier: Party | None = None, sku: str | None = None) -> QuerySet[SupplierItem]:
    qs = SupplierItem.objects.select_related("supplier", "product").order_by("supplier__code", "product__sku")
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    if sku:
        qs = qs.filter(product__sku=sku)
    return qs


def _orders() -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("product").order_by("position")))


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    supplier: str | None = None


def order_list(*, filters: OrderFilter) -> QuerySet[PurchaseOrder]:
    qs = _orders()
    if filters.status:
        qs = qs.filter(status__in=filters.status.split(","))
    if filters.supplier:
        qs = qs.filter(supplier__code=filters.supplier)
    return qs


def order_get(*, number: str) -> PurchaseOrder:
    order = _orders().filter(number=number).first()
    if order is None:
        raise NotFound(f"No purchase order {number!r}", field="number")
    return order


def order_timeline(*, order: PurchaseOrder):
    return audit_for_object(object_type="purchasing.purchase_order", object_id=order.number)


def _receipts() -> QuerySet[Receipt]:
    return Receipt.objects.select_related("purchase_order__supplier", "location__warehouse").prefetch_related(
        Prefetch("lines", queryset=ReceiptLine.objects.select_related("order_line__product", "stock_move")))


def receipt_list(*, purchase_order: str | None = None) -> QuerySet[Receipt]:
    qs = _receipts()
    return qs.filter(purchase_order__number=purchase_order) if purchase_order else qs


def receipt_get(*, number: str) -> Receipt:
    receipt = _receipts().filter(number=number).first()
    if receipt is None:
        raise NotFound(f"No receipt {number!r}", field="number")
    return receipt


def _bills() -> QuerySet[SupplierBill]:
    return SupplierBill.objects.select_related("supplier", "purchase_order").prefetch_related(
        Prefetch("lines", queryset=SupplierBillLine.objects.select_related("order_line__product")),
        Prefetch("payments", queryset=BillPayment.objects.select_related("payment").order_by("id")))


@dataclass(frozen=True)
class BillFilter:
    status: str | None = None
    supplier: str | None = None
    purchase_order: str | None = None


def bill_list(*, filters: BillFilter) -> QuerySet[SupplierBill]:
    qs = _bills()
    if filters.status:
        qs = qs.filter(status__in=filters.status.split(","))
    if filters.supplier:
        qs = qs.filter(supplier__code=filters.supplier)
    if filters.purchase_order:
        qs = qs.filter(purchase_order__number=filters.purchase_order)
    return qs


def bill_get(*, number: str) -> SupplierBill:
    bill = _bills().filter(number=number).first()
    if bill is None:
        raise NotFound(f"No supplier bill {number!r}", field="number")
    return bill


def bill_timeline(*, bill: SupplierBill):
    return audit_for_object(object_type="purchasing.supplier_bill", object_id=bill.number)


@dataclass(frozen=True)
class PayablesAging:
    as_of: date
    rows: list[AgingRow]  # customer is the supplier Party
    totals: list[AgingRow]


def payables_aging(*, as_of: date, supplier: Party | None = None, currency: str | None = None) -> PayablesAging:
    """What the business owes its suppliers by days past due (held bills included: they are owed once
    settled), per supplier and currency, and overall per currency. Bills dated after ``as_of`` are left out."""
    qs = SupplierBill.objects.select_related("supplier").filter(status__in=UNPAID).exclude(bill_date__gt=as_of)
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    if currency:
        qs = qs.filter(currency=currency)
    parties, items = {}, []
    for bill in qs.order_by("supplier_id", "id"):
        parties[bill.supplier_id] = bill.supplier
        items.append(OpenItem(customer=bill.supplier_id, currency=bill.currency, due_date=bill.due_date,
                              balance=Decimal(bill.total - bill.amount_paid).quantize(QUANTUM)))
    rows = aging_rows(items, as_of=as_of)
    for row in rows:
        row.customer = parties[row.customer]
    rows.sort(key=lambda r: (r.customer.code, r.currency))
    return PayablesAging(as_of=as_of, rows=rows, totals=aging_totals(rows))


@dataclass(frozen=True)
class Margin:
    cost: ProductCost
    sold_quantity: Decimal
    average_price: Decimal | None  # net unit price of confirmed sales in the cost's currency

    @property
    def unit_margin(self) -> Decimal | None:
        return None if self.average_price is None else (self.average_price - self.cost.average_cost).quantize(QUANTUM)


SOLD = (OrderStatus.CONFIRMED, OrderStatus.ON_HOLD, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED,
        OrderStatus.COMPLETED)


def product_margins(*, sku: str | None = None) -> list[Margin]:
    """Each product's moving-average cost beside its average net selling price in the same currency
    (sales order lines of confirmed orders, after line discounts, before tax)."""
    costs = ProductCost.objects.select_related("product").filter(received_quantity__gt=0).order_by(
        "product__sku", "currency")
    if sku:
        costs = costs.filter(product__sku=sku)
    costs = list(costs)
    sold = {(r["product_id"], r["order__currency"]): r for r in SalesOrderLine.objects.filter(
        product_id__in={c.product_id for c in costs}, order__status__in=SOLD).values(
        "product_id", "order__currency").annotate(q=Sum("quantity"), net=Sum("line_total"), tax=Sum("line_tax"))}
    result = []
    for cost in costs:
        row = sold.get((cost.product_id, cost.currency), {})
        quantity = Decimal(str(row.get("q") or 0)).quantize(QUANTUM)
        price = None
        if quantity:
            net = Decimal(str(row.get("net") or 0)) - Decimal(str(row.get("tax") or 0))
            price = (net / quantity).quantize(QUANTUM)
        result.append(Margin(cost=cost, sold_quantity=quantity, average_price=price))
    return result
