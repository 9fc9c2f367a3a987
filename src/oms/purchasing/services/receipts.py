"""Receipts: goods in against a purchase order, through the inventory ledger, with their cost.

Receiving into the location that holds backordered reservations covers the oldest waiting sales
orders first (inventory's rule: only on hand beyond what is reserved is available to anyone else);
the receipt records which orders it filled and publishes ``backorder.filled`` for each.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from oms.catalog.models import Product
from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.services.numbering import number_allocate
from oms.core.sqlbatch import update_statement
from oms.inventory.backorders import cover_in_order, newly_covered
from oms.inventory.models import Location, StockLevel
from oms.inventory.selectors import reservation_claims
from oms.inventory.services import Receipt as Goods
from oms.inventory.services import default_location, stock_receive
from oms.purchasing.costing import moving_average
from oms.purchasing.models import ProductCost, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from oms.purchasing.services.common import (
    HUNDRED, RECEIPT_FORMAT, RECEIPT_SERIES, ZERO, Effects, lines_lock, order_lock, settings_get,
)
from oms.purchasing.services.orders import status_advance
from oms.purchasing.states import RECEIVABLE
from oms.sales.models import SalesOrder

OBJECT_TYPE = "purchasing.receipt"
QUANTUM = Decimal("0.0001")


def _location(order: PurchaseOrder, location: Location | str | None) -> Location:
    if location is None:
        return default_location(order.warehouse)
    if isinstance(location, str):
        found = Location.objects.filter(warehouse=order.warehouse, code=location).first()
        if found is None:
            raise NotFound(f"No location {location!r} in warehouse {order.warehouse.code}", field="location")
        return found
    if location.warehouse_id != order.warehouse_id:
        raise DomainError(f"{order.number} is delivered to warehouse {order.warehouse.code}", field="location",
                          code="location_mismatch")
    return location


def _wanted(order: PurchaseOrder, lines: dict[int, PurchaseOrderLine],
            requested: dict[int, object] | None) -> dict[int, Decimal]:
    """Line id -> quantity to receive, each checked against what is open plus the tolerance."""
    if requested is None:
        wanted = {pk: line.quantity - line.quantity_received for pk, line in lines.items()
                  if line.quantity > line.quantity_received}
        if not wanted:
            raise Conflict(f"{order.number} has nothing left to receive", field="lines", code="nothing_to_receive")
        return wanted
    if not requested:
        raise DomainError("A receipt needs at least one line", field="lines", code="required")
    tolerance = settings_get().receipt_tolerance_percent
    wanted = {}
    for i, (line_id, raw) in enumerate(requested.items()):
        field = f"lines.{i}"
        line = lines.get(line_id)
        if line is None:
            raise NotFound(f"{order.number} has no line {line_id}", field=f"{field}.line_id", code="unknown_line")
        quantity = quantity_validate(product=line.product, quantity=raw, field=f"{field}.quantity")
        allowed = (line.quantity + line.quantity * tolerance / HUNDRED - line.quantity_received).quantize(QUANTUM)
        if quantity > allowed:
            raise Conflict(f"Line {line.position} ({line.product.sku}) of {order.number} has "
                           f"{max(line.quantity - line.quantity_received, ZERO)} open; receiving {quantity} exceeds "
                           f"the {tolerance}% tolerance", field=f"{field}.quantity", code="over_receipt",
                           extra={"open": str(max(line.quantity - line.quantity_received, ZERO)),
                                  "allowed": str(max(allowed, ZERO))})
        wanted[line_id] = quantity
    return wanted


def _costs_lock(products: list[Product], currency: str) -> dict[int, ProductCost]:
    """The products' cost rows in this currency, created when missing, locked in product id order."""
    ids = sorted({p.pk for p in products})
    have = set(ProductCost.objects.filter(product_id__in=ids, currency=currency).values_list("product_id", flat=True))
    if missing := [pk for pk in ids if pk not in have]:
        # A concurrent receipt may create the same rows: its insert wins, and the lock below waits for it.
        ProductCost.objects.bulk_create([ProductCost(product_id=pk, currency=currency, average_cost=ZERO)
                                         for pk in missing], ignore_conflicts=True)
    rows = ProductCost.objects.select_for_update().filter(product_id__in=ids, currency=currency).order_by("product_id")
    return {row.product_id: row for row in rows}


def _on_hand_totals(product_ids: list[int]) -> dict[int, Decimal]:
    """On hand per product over every location (the moving average is over all of a product's stock)."""
    totals = dict.fromkeys(product_ids, ZERO)
    for product_id, total in (StockLevel.objects.filter(product_id__in=product_ids).order_by()
                              .values_list("product_id").annotate(s=Sum("on_hand"))):
        totals[product_id] = Decimal(str(total or 0))
    return totals


def _orders_by_reference(references: set[str]) -> dict[str, str]:
    ids = [int(ref.split(":", 1)[1]) for ref in references if ref.startswith("sales.order:")]
    return {f"sales.order:{pk}": number for pk, number in SalesOrder.objects.filter(pk__in=ids)
            .values_list("pk", "number")}


def receipt_create(*, order: PurchaseOrder, lines: dict[int, object] | None = None,
                   location: Location | str | None = None, received_on: date | None = None,
                   notes: str = "") -> Receipt:
    """Receive some (line id -> quantity) or all open quantities of a sent order into one location."""
    with transaction.atomic():
        order = order_lock(order)
        if order.status not in RECEIVABLE:
            raise Conflict(f"{order.number} is {order.status}; only sent orders receive goods", field="status",
                           code="order_not_receivable", extra={"status": order.status})
        target = _location(order, location)
        locked = lines_lock(order)
        wanted = _wanted(order, locked, lines)
        chosen = sorted(((locked[pk], q) for pk, q in wanted.items()), key=lambda item: (item[0].product_id,
                                                                                        item[0].pk))
        costs = _costs_lock([line.product for line, _ in chosen], order.currency)
        on_hand_before = _on_hand_totals(list(costs))
        receipt = Receipt(number=f"~{uuid.uuid4().hex}", purchase_order=order, location=target, notes=notes,
                          received_on=received_on or timezone.localdate())
        receipt.save(force_insert=True)
        moves = stock_receive(location=target, reference=receipt.reference, reason=f"goods in for {order.number}",
                              items=[Goods(line.product, q, line.unit_price, order.currency) for line, q in chosen])
        ReceiptLine.objects.bulk_create([ReceiptLine(receipt=receipt, order_line=line, quantity=q,
                                                     unit_cost=line.unit_price, stock_move=move)
                                         for (line, q), move in zip(chosen, moves)])
        received_here: dict[int, Decimal] = {}
        cost_changes = {}
        updates = []  # written with the events and audit records, in one statement on PostgreSQL
        for line, quantity in chosen:
            line.quantity_received += quantity
            updates.append(update_statement(line, ["quantity_received"]))
            cost = costs[line.product_id]
            before = cost.average_cost
            cost.average_cost = moving_average(on_hand_before=on_hand_before[line.product_id],
                                               average_before=before if cost.received_quantity > 0 else None,
                                               received=quantity, unit_cost=line.unit_price)
            cost.received_quantity += quantity
            on_hand_before[line.product_id] += quantity
            received_here[line.product_id] = received_here.get(line.product_id, ZERO) + quantity
            cost_changes.setdefault(line.product.sku, [str(before), ""])[1] = str(cost.average_cost)
        updates += [update_statement(cost, ["average_cost", "received_quantity", "updated_at"])
                    for cost in costs.values()]
        filled = _backorders_filled(target, received_here, {line.product_id: line.product.sku for line, _ in chosen})
        receipt.backorders_filled = filled
        effects = Effects()
        status_advance(order, list(locked.values()), effects)
        receipt.number = number_allocate(doc_type=RECEIPT_SERIES, default_format=RECEIPT_FORMAT)
        updates.append(update_statement(receipt, ["number", "backorders_filled"]))
        payload = {"number": receipt.number, "purchase_order": order.number, "location": str(target),
                   "lines": [{"line": line.position, "sku": line.product.sku, "quantity": str(q),
                              "unit_cost": str(line.unit_price)} for line, q in chosen],
                   "average_cost": cost_changes, "currency": order.currency, "backorders_filled": filled}
        effects.add("receipt.created", OBJECT_TYPE, receipt.number, payload, first=True)
        for fill in filled:
            effects.add("backorder.filled", "sales.order", fill["order"] or fill["reference"],
                        {**fill, "receipt": receipt.number})
        effects.flush(before=updates)
    return receipt


def _backorders_filled(location: Location, received: dict[int, Decimal], skus: dict[int, str]) -> list[dict]:
    """Which waiting documents the goods just received covered, per product, oldest first. Only a
    product reserved beyond what was on hand before the receipt has any waiting (inventory keeps
    ``reserved`` the sum of the reservations)."""
    levels = {level.product_id: level for level in StockLevel.objects.filter(product_id__in=list(received),
                                                                              location=location)}
    found = []
    for product_id, quantity in sorted(received.items()):
        level = levels.get(product_id)
        if level is None or level.reserved <= level.on_hand - quantity:
            continue
        claims = reservation_claims(product_id=product_id, location_id=location.pk)
        on_hand = level.on_hand.quantize(QUANTUM)
        before, after = cover_in_order(on_hand - quantity, claims), cover_in_order(on_hand, claims)
        for reference, gained in newly_covered(before, after).items():
            found.append({"reference": reference, "sku": skus[product_id], "quantity": str(gained)})
    numbers = _orders_by_reference({f["reference"] for f in found})
    return [{**f, "order": numbers.get(f["reference"])} for f in found]
