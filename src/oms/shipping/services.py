"""Shipping services: create (split) shipments of a sales order, pack, ship, deliver, cancel; shipping
methods and quotes.

Each service owns its transaction. Locks follow the sales order: the order row first (which
serialises everything that counts an order's open quantities), then the shipment, then stock
levels by product id (inside the inventory service), then the number counter, the audit last.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.models import OutboxEvent
from oms.core.money import Money, is_known_currency, to_decimal
from oms.core.services.audit import audit_record
from oms.core.services.events import event_build
from oms.core.services.numbering import number_allocate
from oms.inventory.models import Warehouse
from oms.inventory.services import reservation_consume
from oms.sales.models import SalesOrder, SalesOrderLine
from oms.sales.services import order_fulfilment_record
from oms.sales.states import OrderStatus
from oms.shipping.models import Shipment, ShipmentLine, ShippingMethod, ShippingRateBand
from oms.shipping.rates import Band, bands_check, rate_compute
from oms.shipping.states import PENDING, ShipmentStatus, transition_check

S = ShipmentStatus
DOC_TYPE = "shipping.shipment"
DEFAULT_FORMAT = "SH-{YYYY}-{seq:05d}"
SHIPPABLE = frozenset({OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_FULFILLED})
ZERO = Decimal(0)


def _record(shipment: Shipment, action: str, changes: dict) -> None:
    """The outbox event and the audit record of one step, written in the step's transaction."""
    payload = {**changes, "id": shipment.pk, "number": shipment.number, "order": shipment.order.number,
               "status": shipment.status}
    OutboxEvent.objects.bulk_create([event_build(event_type=action, aggregate_type="shipping.shipment",
                                                 aggregate_id=shipment.pk, payload=payload)])
    audit_record(action=action, object_type="shipping.shipment", object_id=shipment.pk, changes=changes)


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
    """A draft shipment of some order lines (line id -> quantity), or of everything still open."""
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
            wanted = {pk: q for pk, q in available.items() if q > 0}
            if not wanted:
                raise Conflict(f"Order {order.number} has nothing left to ship", field="lines", code="nothing_to_ship")
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
        shipment.save(update_fields=["status", "weight", "parcels", "packed_at", "updated_at"])
        _record(shipment, "shipment.packed", changes)
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
        for product in sorted(per_product, key=lambda p: p.pk):  # stock rows in lock order
            reservation_consume(reference=order.stock_reference, product=product, quantity=per_product[product])
        order_fulfilment_record(order=order, quantities={line.order_line_id: line.quantity for line in lines})
        shipment.shipped_at = timezone.now()
        shipment.number = number_allocate(doc_type=DOC_TYPE, default_format=DEFAULT_FORMAT)
        shipment.save(update_fields=["status", "number", "carrier", "service", "tracking_number", "tracking_url",
                                     "shipped_at", "updated_at"])
        changes.update(lines={str(line.order_line_id): str(line.quantity) for line in lines},
                       carrier=shipment.carrier, service=shipment.service,
                       tracking_number=shipment.tracking_number, tracking_url=shipment.tracking_url)
        _record(shipment, "shipment.shipped", changes)
    return shipment


def shipment_deliver(*, shipment: Shipment) -> Shipment:
    with transaction.atomic():
        _, shipment = _locked(shipment)
        changes = _move(shipment, S.DELIVERED)
        shipment.delivered_at = timezone.now()
        shipment.save(update_fields=["status", "delivered_at", "updated_at"])
        _record(shipment, "shipment.delivered", changes)
    return shipment


def shipment_cancel(*, shipment: Shipment, reason: str = "") -> Shipment:
    """Cancel a shipment that has not left (draft or packed); its quantities are open again."""
    with transaction.atomic():
        _, shipment = _locked(shipment)
        changes = _move(shipment, S.CANCELLED, {"reason": reason})
        shipment.save(update_fields=["status", "updated_at"])
        _record(shipment, "shipment.cancelled", changes)
    return shipment


# -- shipping methods and quotes ---------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    method: ShippingMethod
    price: Money


def _amount(value, field: str) -> Decimal:
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise DomainError(f"{field} must not be negative", field=field, code="invalid_amount")
    return amount


def shipping_method_create(*, code: str, name: str, currency: str, kind: str = ShippingMethod.Kind.FLAT,
                           amount=0, bands: list[tuple[object, object]] | None = None, free_over=None,
                           carrier: str = "", service: str = "") -> ShippingMethod:
    """A method charging ``amount`` (flat) or by ``bands`` [(up to kg, amount), ...], free from ``free_over``."""
    code = (code or "").strip()
    if not code:
        raise DomainError("code is required", field="code", code="required")
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    if kind not in ShippingMethod.Kind.values:
        raise DomainError(f"kind must be one of {ShippingMethod.Kind.values}", field="kind")
    flat = _amount(amount, "amount")
    threshold = None if free_over is None else _amount(free_over, "free_over")
    checked = bands_check([Band(to_decimal(w, field=f"bands.{i}.up_to"), to_decimal(a, field=f"bands.{i}.amount"))
                           for i, (w, a) in enumerate(bands or [])])
    if kind == ShippingMethod.Kind.WEIGHT_BAND and not checked:
        raise DomainError("A weight-band method needs at least one band", field="bands", code="required")
    if kind == ShippingMethod.Kind.FLAT and checked:
        raise DomainError("A flat-rate method has no weight bands", field="bands")
    if ShippingMethod.objects.filter(code=code).exists():
        raise Conflict(f"Shipping method {code!r} already exists", field="code", code="duplicate")
    with transaction.atomic():
        method = ShippingMethod.objects.create(code=code, name=name, currency=currency, kind=kind, amount=flat,
                                               free_over=threshold, carrier=carrier, service=service)
        ShippingRateBand.objects.bulk_create([ShippingRateBand(method=method, up_to_weight=b.up_to, amount=b.amount)
                                              for b in checked])
        audit_record(action="shipping_method.created", object_type="shipping.method", object_id=code,
                     changes={"name": name, "currency": currency, "kind": kind, "amount": str(flat),
                              "free_over": None if threshold is None else str(threshold),
                              "bands": [[str(b.up_to), str(b.amount)] for b in checked]})
    return method


def _method(method: ShippingMethod | str) -> ShippingMethod:
    if isinstance(method, ShippingMethod):
        return method
    found = ShippingMethod.objects.filter(code=method, active=True).first()
    if found is None:
        raise NotFound(f"No active shipping method {method!r}", field="method")
    return found


def _price(method: ShippingMethod, weight: Decimal | None, order_value: Decimal | None) -> Money:
    bands = [Band(b.up_to_weight, b.amount) for b in method.bands.all()]
    amount = rate_compute(kind=method.kind, amount=method.amount, bands=bands, free_over=method.free_over,
                          weight=weight, order_value=order_value)
    return Money(amount, method.currency).rounded()


def shipping_quote(*, method: ShippingMethod | str, weight=None, order: SalesOrder | None = None,
                   order_value: Money | None = None) -> Quote:
    """The price of shipping ``weight`` kg with ``method``, free when the order (or the value given)
    reaches the method's threshold. The order's value is its total, in the method's currency."""
    method = _method(method)
    weight = None if weight is None else to_decimal(weight, field="weight")
    value = order_value or (Money(order.total, order.currency) if order is not None else None)
    if value is not None and value.currency != method.currency:
        raise DomainError(f"Method {method.code} charges in {method.currency}, the order is in {value.currency}",
                          field="currency", code="currency_mismatch")
    return Quote(method, _price(method, weight, None if value is None else value.amount))


def shipping_quotes(*, weight=None, order_value: Money) -> list[Quote]:
    """Every active method in the order's currency that can ship this weight, cheapest first."""
    weight = None if weight is None else to_decimal(weight, field="weight")
    quotes = []
    for method in ShippingMethod.objects.filter(active=True, currency=order_value.currency).prefetch_related("bands"):
        try:
            quotes.append(Quote(method, _price(method, weight, order_value.amount)))
        except DomainError:
            continue  # this method cannot ship it (no band covers the weight, or it needs one)
    return sorted(quotes, key=lambda q: (q.price.amount, q.method.code))
