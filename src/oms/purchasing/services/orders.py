"""Purchase orders: create (draft), send, cancel, close short; the status that follows receipts and bills."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from oms.catalog.models import Product
from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError
from oms.core.services.numbering import number_allocate
from oms.inventory.models import Warehouse
from oms.parties.models import Party
from oms.purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierBill, SupplierItem
from oms.purchasing.services.common import (
    ORDER_FORMAT, ORDER_SERIES, ZERO, Effects, currency_clean, line_total, money_str, order_lock,
    price_clean, product_clean, supplier_clean, warehouse_clean,
)
from oms.purchasing.states import UNPAID, BillStatus, POStatus, transition_check

P = POStatus
OBJECT_TYPE = "purchasing.purchase_order"
MAX_LINES = 1000


@dataclass(frozen=True)
class POLineSpec:
    sku: str
    quantity: object
    unit_price: object = None  # None: the supplier's price list
    description: str | None = None


def order_record(effects: Effects, order: PurchaseOrder, action: str, changes: dict) -> None:
    payload = {**changes, "number": order.number, "supplier": order.supplier.code, "status": order.status,
               "currency": order.currency, "total": money_str(order.total, order.currency)}
    effects.add(action, OBJECT_TYPE, order.number, payload)


def _line(order: PurchaseOrder, spec: POLineSpec, position: int, products: dict[str, Product],
          items: dict[int, SupplierItem]) -> PurchaseOrderLine:
    field = f"lines.{position - 1}"
    product = products.get(spec.sku) or product_clean(spec.sku, field=f"{field}.sku")
    if not product.is_stocked:
        raise DomainError(f"{product.sku} is not a stocked product; purchase orders buy stock", field=f"{field}.sku",
                          code="not_stocked")
    quantity = quantity_validate(product=product, quantity=spec.quantity, field=f"{field}.quantity")
    item = items.get(product.pk)
    if spec.unit_price is not None:
        price = price_clean(spec.unit_price, currency=order.currency, field=f"{field}.unit_price")
    elif item is None:
        raise DomainError(f"{order.supplier.code} has no price for {product.sku}; give a unit_price",
                          field=f"{field}.unit_price", code="no_supplier_price")
    elif item.currency != order.currency:
        raise DomainError(f"{order.supplier.code} prices {product.sku} in {item.currency}, the order is in "
                          f"{order.currency}", field="currency", code="currency_mismatch")
    else:
        price = item.price
    return PurchaseOrderLine(order=order, position=position, product=product,
                             supplier_sku=item.supplier_sku if item else "",
                             description=(spec.description or product.name)[:300], quantity=quantity,
                             unit_price=price, line_total=line_total(quantity, price, order.currency))


def purchase_order_create(*, supplier: Party | str, lines: list[POLineSpec], currency: str | None = None,
                          warehouse: Warehouse | str | None = None, expected_on: date | None = None,
                          notes: str = "") -> PurchaseOrder:
    """A draft purchase order in the supplier's currency, priced from its price list unless given."""
    supplier = supplier_clean(supplier)
    currency = currency_clean(currency or supplier.currency)
    target = warehouse_clean(warehouse)
    if not lines:
        raise DomainError("A purchase order needs at least one line", field="lines", code="required")
    if len(lines) > MAX_LINES:
        raise DomainError(f"At most {MAX_LINES} lines", field="lines")
    products = {p.sku: p for p in Product.objects.select_related("unit").filter(sku__in=[s.sku for s in lines])}
    items = {i.product_id: i for i in SupplierItem.objects.filter(supplier=supplier, active=True,
                                                                  product__in=products.values())}
    order = PurchaseOrder(number=f"~{uuid.uuid4().hex}", supplier=supplier, currency=currency, warehouse=target,
                          expected_on=expected_on, notes=notes)
    built = [_line(order, spec, i, products, items) for i, spec in enumerate(lines, start=1)]
    order.total = sum((line.line_total for line in built), ZERO)
    with transaction.atomic():
        order.save(force_insert=True)
        PurchaseOrderLine.objects.bulk_create(built)
        order.number = number_allocate(doc_type=ORDER_SERIES, default_format=ORDER_FORMAT)
        PurchaseOrder.objects.filter(pk=order.pk).update(number=order.number)
        effects = Effects()
        order_record(effects, order, "purchase_order.created", {
            "warehouse": target.code, "lines": [{"sku": line.product.sku, "quantity": str(line.quantity),
                                                 "unit_price": str(line.unit_price)} for line in built]})
        effects.flush()
    return order


def _move(order: PurchaseOrder, to: str) -> dict:
    before = order.status
    transition_check(before, to)
    order.status = to
    return {"status": [before, to]}


def purchase_order_send(*, order: PurchaseOrder) -> PurchaseOrder:
    """Draft to sent: the order is with the supplier and its goods are expected."""
    with transaction.atomic():
        order = order_lock(order)
        changes = _move(order, P.SENT)
        order.sent_at = timezone.now()
        order.save(update_fields=["status", "sent_at", "updated_at"])
        effects = Effects()
        order_record(effects, order, "purchase_order.sent", changes)
        effects.flush()
    return order


def purchase_order_cancel(*, order: PurchaseOrder, reason: str = "") -> PurchaseOrder:
    """Cancel an order nothing has been received on (draft or sent) and that has no bills (but cancelled ones)."""
    with transaction.atomic():
        order = order_lock(order)
        changes = _move(order, P.CANCELLED)
        if SupplierBill.objects.filter(purchase_order=order).exclude(status=BillStatus.CANCELLED).exists():
            raise Conflict(f"{order.number} has bills; it cannot be cancelled", field="status", code="has_bills")
        order.save(update_fields=["status", "updated_at"])
        effects = Effects()
        order_record(effects, order, "purchase_order.cancelled", {**changes, "reason": reason})
        effects.flush()
    return order


def purchase_order_close(*, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Close a partially received order short: what is still open will not come."""
    if not (reason or "").strip():
        raise DomainError("Closing an order short needs a reason", field="reason", code="required")
    with transaction.atomic():
        order = order_lock(order)
        changes = _move(order, P.CLOSED)
        order.save(update_fields=["status", "updated_at"])
        effects = Effects()
        order_record(effects, order, "purchase_order.closed", {**changes, "reason": reason})
        effects.flush()
    return order


def status_advance(order: PurchaseOrder, lines: list[PurchaseOrderLine], effects: Effects) -> None:
    """Move a locked order as far as its receipts, bills and payments take it, one allowed step at a time:
    sent -> partially received -> received -> billed (everything received is billed) -> closed (paid)."""
    while True:
        target = _next_status(order, lines)
        if target is None:
            return
        changes = _move(order, target)
        order.save(update_fields=["status", "updated_at"])
        order_record(effects, order, f"purchase_order.{target}", changes)


def status_unbill(order: PurchaseOrder, lines: list[PurchaseOrderLine], effects: Effects) -> None:
    """A billed order whose received goods are no longer all billed (a bill was cancelled) is received
    again, to be billed anew."""
    if order.status == P.BILLED and not all(line.quantity_billed >= line.quantity_received for line in lines):
        changes = _move(order, P.RECEIVED)
        order.save(update_fields=["status", "updated_at"])
        order_record(effects, order, "purchase_order.unbilled", changes)


def _next_status(order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> str | None:
    all_in = all(line.quantity_received >= line.quantity for line in lines)
    any_in = any(line.quantity_received > 0 for line in lines)
    if order.status in (P.SENT, P.PARTIALLY_RECEIVED) and all_in:
        return P.RECEIVED
    if order.status == P.SENT and any_in:
        return P.PARTIALLY_RECEIVED
    if order.status == P.RECEIVED and all(line.quantity_billed >= line.quantity_received for line in lines):
        return P.BILLED
    if order.status == P.BILLED and not SupplierBill.objects.filter(purchase_order=order, status__in=UNPAID).exists():
        return P.CLOSED
    return None
