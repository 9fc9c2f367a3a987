"""Shipment services: create (split) shipments of a sales order, pack, ship, deliver, cancel.

Each service owns its transaction. Locks follow the sales order: the order row first (which
serialises everything that counts an order's open quantities), then the shipment, then stock
levels by product id (read-locked here, changed inside the inventory service), then the number
counter, the audit last.

Goods leave only when they are physically on hand. A product that allows backorders may be
reserved beyond its on-hand stock; shipping more of it than is there is refused (409
``not_in_stock``) and the quantity stays open on the order as a backorder until stock arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import to_decimal
from oms.core.services.audit import AuditEntry
from oms.core.services.events import effects_write, event_build
from oms.core.services.numbering import number_allocate
from oms.core.sqlbatch import update_statement
from oms.inventory.models import Location, Reservation, StockLevel, Warehouse
from oms.inventory.services import default_location, reservations_consume
from oms.sales.models import SalesOrder, SalesOrderLine
from oms.sales.services import order_fulfilment_record
from oms.sales.states import OrderStatus
from oms.shipping.models import Shipment, ShipmentLine
from oms.shipping.states import PENDING, ShipmentStatus, transition_check

S = ShipmentStatus
DOC_TYPE = "shipping.shipment"
DEFAULT_FORMAT = "SH-{YYYY}-{seq:05d}"
SHIPPABLE = frozenset({OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_FULFILLED})
ZERO = Decimal(0)


def _record(shipment: Shipment, action: str, changes: dict, *, saving: Sequence[str] = ()) -> None:
    """The outbox event and the audit record of one step, written in the step's transaction, with
    the shipment's changed fields (``saving``): one statement on PostgreSQL."""
    payload = {**changes, "id": shipment.pk, "number": shipment.number, "order": shipment.order.number,
               "status": shipment.status}
    event = event_build(event_type=action, aggregate_type="shipping.shipment", aggregate_id=shipment.pk,
                        payload=payload)
    effects_write(events=[event], entries=[AuditEntry(action=action, object_type="shipping.shipment",
                                                      object_id=shipment.pk, changes=changes)],
                  before=[update_statement(shipment, saving)] if saving else ())


def _lock_order(order: SalesOrder) -> SalesOrder:
    return SalesOrder.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=order.pk)


def _check_shippable(order: SalesOrder) -> None:
    if order.status not in SHIPPABLE:
        raise Conflict(f"Order {order.number} cannot be shipped (status {order.status})", field="order",
                       code="order_not_shippable", extra={"status": order.status})


def open_quantities(order: SalesOrder, *, exclude: Shipment | None = None) -> dict[int, Decimal]:
    """Per order line: ordered - fulfilled - what draft or packed shipments already promise.

    Shipped shipments are counted in ``quantity_fulfilled``; cancelled ones count for nothing.
    Callers hold the order row lock so the answer cannot change before they write.
    """
    pending = ShipmentLine.objects.filter(shipment__order=order, shipment__status__in=PENDING)
    if exclude is not None:
        pending = pending.exclude(shipment=exclude)
    promised = {row["order_line_id"]: row["q"] for row in pending.values("order_line_id").annotate(q=Sum("quantity"))}
    return {line.pk: line.quantity - line.quantity_fulfilled - Decimal(str(promised.get(line.pk, ZERO)))
            for line in SalesOrderLine.objects.filter(order=order)}


def _q(value) -> Decimal:
    # SQLite returns sums of NUMERIC columns as floats; quantities have 4 places.
    return Decimal(str(value or 0)).quantize(Decimal("0.0001"))


def _text(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def _pickable(location: Location, products: set[int]) -> dict[int, Decimal]:
    """Per product: what is physically at the order's stock location and not yet promised to a draft
    or packed shipment (of any order) from that warehouse. Never below zero."""
    on_hand = {pid: _q(q) for pid, q in StockLevel.objects.filter(location=location, product_id__in=products)
               .values_list("product_id", "on_hand")}
    promised = {row["order_line__product_id"]: _q(row["q"]) for row in ShipmentLine.objects.filter(
        shipment__warehouse_id=location.warehouse_id, shipment__status__in=PENDING,
        order_line__product_id__in=products).values("order_line__product_id").annotate(q=Sum("quantity"))}
    return {pid: max(on_hand.get(pid, ZERO) - promised.get(pid, ZERO), ZERO) for pid in products}


def _everything_on_hand(order: SalesOrder, order_lines: dict[int, SalesOrderLine],
                        available: dict[int, Decimal]) -> dict[int, Decimal]:
    """Everything open on the order that can leave now: stocked lines are capped at what is on hand
    (shared in line order); the rest stays open as a backorder."""
    stocked = {line.product_id for line in order_lines.values() if line.product is not None and line.product.is_stocked}
    left = _pickable(default_location(order.warehouse), stocked) if stocked else {}
    wanted = {}
    for pk in sorted(available, key=lambda pk: order_lines[pk].position):
        quantity, line = available[pk], order_lines[pk]
        if quantity <= 0:
            continue
        if line.product_id in left:
            quantity = min(quantity, left[line.product_id])
            left[line.product_id] -= quantity
        if quantity > 0:
            wanted[pk] = quantity
    if not wanted:
        if any(q > 0 for q in available.values()):
            raise Conflict(f"Nothing open on order {order.number} is on hand yet (backordered)", field="lines",
                           code="not_in_stock")
        raise Conflict(f"Order {order.number} has nothing left to ship", field="lines", code="nothing_to_ship")
    return wanted


def _on_hand_check(order: SalesOrder, per_product: dict) -> None:
    """Lock the stock rows the shipment takes from (product id order, as inventory does) and refuse
    to ship more than is physically there."""
    if not per_product:
        return
    locations = dict(Reservation.objects.filter(reference=order.stock_reference, product__in=list(per_product))
                     .values_list("product_id", "location_id"))
    levels = {row.product_id: row for row in StockLevel.objects.select_for_update().filter(
        product_id__in=[p.pk for p in per_product], location_id__in=set(locations.values())
    ).order_by("product_id", "location_id") if locations.get(row.product_id) == row.location_id}
    for product in sorted(per_product, key=lambda p: p.pk):
        level = levels.get(product.pk)
        on_hand = _q(level.on_hand) if level is not None else ZERO
        if per_product[product] > on_hand:
            have, want = _text(max(on_hand, ZERO)), _text(per_product[product])
            raise Conflict(f"Only {have} of {product.sku} is on hand; {want} cannot ship yet (it stays open on "
                           "the order as a backorder)", field="lines", code="not_in_stock",
                           extra={"sku": product.sku, "on_hand": have, "quantity": want})


def _warehouse(order: SalesOrder, warehouse: Warehouse | str | None) -> Warehouse:
    if warehouse is None:
        return order.warehouse
    if isinstance(warehouse, str):
        found = Warehouse.objects.filter(code=warehouse).first()
        if found is None:
            raise NotFound(f"No warehouse {warehouse!r}", field="warehouse")
        warehouse = found
    if warehouse.pk != order.warehouse_id:
        # The order's stock is reserved in its own warehouse; shipping from another would need a transfer.
        raise DomainError(f"Order {order.number} is reserved in warehouse {order.warehouse.code}",
                          field="warehouse", code="warehouse_mismatch")
    return warehouse


def _weight(value) -> Decimal | None:
    if value is None:
        return None
    weight = to_decimal(value, field="weight")
    if weight < 0:
        raise DomainError("weight must not be negative", field="weight", code="invalid_amount")
    return weight


def _parcels(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DomainError("parcels must be a whole number of at least 1", field="parcels")
    return value


def shipment_create(*, order: SalesOrder, lines: dict[int, object] | None = None,
                    warehouse: Warehouse | str | None = None, carrier: str = "", service: str = "",
                    tracking_number: str = "", tracking_url: str = "", weight=None, parcels: int = 1,
                    notes: str = "") -> Shipment:
    """A draft shipment of some order lines (line id -> quantity), or of everything still open that is
    on hand (backordered quantities stay open). A draft may name goods not yet on hand: shipping it
    waits for them (``not_in_stock``)."""
    parcels = _parcels(parcels)
    weight = _weight(weight)
    with transaction.atomic():
        order = _lock_order(order)
        _check_shippable(order)
        source = _warehouse(order, warehouse)
        order_lines = {line.pk: line for line in
                       SalesOrderLine.objects.filter(order=order).select_related("product__unit")}
        available = open_quantities(order)
        if lines is None:
            wanted = _everything_on_hand(order, order_lines, available)
        else:
            if not lines:
                raise DomainError("A shipment needs at least one line", field="lines", code="required")
            wanted = {}
            for line_id, raw in lines.items():
                field = f"lines.{line_id}"
                line = order_lines.get(line_id)
                if line is None:
                    raise NotFound(f"Order {order.number} has no line {line_id}", field=field)
                if line.product is not None:
                    quantity = quantity_validate(product=line.product, quantity=raw, field=field)
                else:
                    quantity = to_decimal(raw, field=field)
                    if quantity <= 0:
                        raise DomainError(f"{field} must be greater than zero", field=field, code="invalid_quantity")
                if quantity > available[line_id]:
                    raise Conflict(f"Line {line.position} of {order.number} has only {available[line_id]} open "
                                   f"to ship, not {quantity}", field=field, code="exceeds_open_quantity",
                                   extra={"open": str(max(available[line_id], ZERO))})
                wanted[line_id] = quantity
        shipment = Shipment.objects.create(order=order, warehouse=source, carrier=carrier, service=service,
                                           tracking_number=tracking_number, tracking_url=tracking_url,
                                           weight=weight, parcels=parcels, notes=notes)
        ShipmentLine.objects.bulk_create([ShipmentLine(shipment=shipment, order_line_id=pk, quantity=q)
                                          for pk, q in sorted(wanted.items())])
        _record(shipment, "shipment.created", {"lines": {str(pk): str(q) for pk, q in sorted(wanted.items())},
                                               "warehouse": source.code})
    return shipment


def _locked(shipment: Shipment) -> tuple[SalesOrder, Shipment]:
    order = _lock_order(shipment.order)
    locked = Shipment.objects.select_for_update(of=("self",)).select_related("order", "warehouse").get(pk=shipment.pk)
    locked.order = order
    return order, locked


def _move(shipment: Shipment, to: str, extra: dict | None = None) -> dict:
    before = shipment.status
    transition_check(before, to)
    shipment.status = to
    return {"status": [before, to], **(extra or {})}


def shipment_pack(*, shipment: Shipment, weight=None, parcels: int | None = None) -> Shipment:
    weight = _weight(weight)
    parcels = None if parcels is None else _parcels(parcels)
    with transaction.atomic():
        _, shipment = _locked(shipment)
        changes = _move(shipment, S.PACKED)
        if weight is not None:
            changes["weight"] = [str(shipment.weight) if shipment.weight is not None else None, str(weight)]
            shipment.weight = weight
        if parcels is not None:
            changes["parcels"] = [shipment.parcels, parcels]
            shipment.parcels = parcels
        shipment.packed_at = timezone.now()
        _record(shipment, "shipment.packed", changes,
                saving=["status", "weight", "parcels", "packed_at", "updated_at"])
    return shipment


def shipment_ship(*, shipment: Shipment, carrier: str | None = None, service: str | None = None,
                  tracking_number: str | None = None, tracking_url: str | None = None) -> Shipment:
    """Ship: consume the order's reservations, record the fulfilment on the order, take the number."""
    with transaction.atomic():
        order, shipment = _locked(shipment)
        changes = _move(shipment, S.SHIPPED)
        _check_shippable(order)
        for name, value in (("carrier", carrier), ("service", service), ("tracking_number", tracking_number),
                            ("tracking_url", tracking_url)):
            if value is not None:
                setattr(shipment, name, value)
        lines = list(shipment.lines.select_related("order_line__product"))
        open_now = open_quantities(order, exclude=shipment)
        per_product: dict = {}
        for line in lines:
            if line.quantity > open_now.get(line.order_line_id, ZERO):
                raise Conflict(f"Shipment line for order line {line.order_line.position} exceeds what is open",
                               field="lines", code="exceeds_open_quantity")
            product = line.order_line.product
            if product is not None and product.is_stocked:
                per_product[product] = per_product.get(product, ZERO) + line.quantity
        _on_hand_check(order, per_product)
        if per_product:  # stock rows changed in product id order, inside inventory
            reservations_consume(reference=order.stock_reference, quantities=per_product)
        order_fulfilment_record(order=order, quantities={line.order_line_id: line.quantity for line in lines})
        shipment.shipped_at = timezone.now()
        shipment.number = number_allocate(doc_type=DOC_TYPE, default_format=DEFAULT_FORMAT)
        changes.update(lines={str(line.order_line_id): str(line.quantity) for line in lines},
                       carrier=shipment.carrier, service=shipment.service,
                       tracking_number=shipment.tracking_number, tracking_url=shipment.tracking_url)
        _record(shipment, "shipment.shipped", changes, saving=["status", "number", "carrier", "service",
                                                               "tracking_number", "tracking_url", "shipped_at",
                                                               "updated_at"])
    return shipment


def shipment_deliver(*, shipment: Shipment) -> Shipment:
    with transaction.atomic():
        _, shipment = _locked(shipment)
        changes = _move(shipment, S.DELIVERED)
        shipment.delivered_at = timezone.now()
        _record(shipment, "shipment.delivered", changes, saving=["status", "delivered_at", "updated_at"])
    return shipment


def shipment_cancel(*, shipment: Shipment, reason: str = "") -> Shipment:
    """Cancel a shipment that has not left (draft or packed); its quantities are open again."""
    with transaction.atomic():
        _, shipment = _locked(shipment)
        changes = _move(shipment, S.CANCELLED, {"reason": reason})
        _record(shipment, "shipment.cancelled", changes, saving=["status", "updated_at"])
    return shipment


def shipments_cancel_for_order(*, order: SalesOrder, reason: str = "") -> list[Shipment]:
    """Cancel every draft or packed shipment of an order that is being cancelled.

    Registered in ``oms.sales.hooks.order_cancel_hooks`` (see ``ShippingConfig.ready``) and run by
    ``order_cancel`` inside its transaction, with the order row already locked: the shipment rows
    come next, in id order, as everywhere in this module. Each cancelled shipment gets its
    ``shipment.cancelled`` audit record and event, naming the order's cancel as the reason.
    """
    why = f"order {order.number} cancelled" + (f": {reason}" if reason else "")
    cancelled = []
    for shipment in (Shipment.objects.select_for_update(of=("self",)).select_related("warehouse")
                     .filter(order=order, status__in=PENDING).order_by("pk")):
        shipment.order = order
        changes = _move(shipment, S.CANCELLED, {"reason": why, "order_cancelled": True})
        _record(shipment, "shipment.cancelled", changes, saving=["status", "updated_at"])
        cancelled.append(shipment)
    return cancelled
