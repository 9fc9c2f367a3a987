"""Shipping API: shipments (create, list, get) and their actions (pack, ship, deliver, cancel);
shipping methods and quotes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, paginate, require_perm
from oms.core.errors import DomainError
from oms.core.money import Money, amount_rounded, to_decimal
from oms.core.schemas import AmountIn
from oms.sales.selectors import order_get
from oms.shipping.models import ShippingMethod
from oms.shipping.selectors import ShipmentFilter, shipment_get, shipment_list, shipment_timeline
from oms.shipping.services import (
    shipment_cancel, shipment_create, shipment_deliver, shipment_pack, shipment_ship, shipping_method_create,
    shipping_quote, shipping_quotes,
)

router = Router(tags=["shipping"])


class ShipmentLineIn(Schema):
    line_id: int = Field(description="The id of the sales order line")
    quantity: AmountIn


class ShipmentIn(Schema):
    order: str = Field(min_length=1, max_length=50, description="The sales order's number")
    lines: list[ShipmentLineIn] | None = Field(None, max_length=5000,
                                               description="Omit to ship everything still open on the order")
    warehouse: str | None = Field(None, max_length=20)
    carrier: str = Field("", max_length=100)
    service: str = Field("", max_length=100)
    tracking_number: str = Field("", max_length=100)
    tracking_url: str = Field("", max_length=500)
    weight: AmountIn | None = None
    parcels: int = Field(1, ge=1, le=10000)
    notes: str = Field("", max_length=5000)


class ShipmentLineOut(Schema):
    id: int
    line_id: int
    position: int
    sku: str
    description: str
    quantity: Decimal

    @staticmethod
    def resolve_line_id(obj):
        return obj.order_line_id

    @staticmethod
    def resolve_position(obj):
        return obj.order_line.position

    @staticmethod
    def resolve_sku(obj):
        return obj.order_line.sku

    @staticmethod
    def resolve_description(obj):
        return obj.order_line.description


class ShipmentOut(Schema):
    id: int
    number: str | None
    order: str
    warehouse: str
    status: str
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str
    weight: Decimal | None
    parcels: int
    notes: str
    created_at: datetime
    updated_at: datetime
    packed_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_order(obj):
        return obj.order.number

    @staticmethod
    def resolve_warehouse(obj):
        return obj.warehouse.code

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ShipmentPage(Schema):
    items: list[ShipmentOut]
    next_cursor: str | None


class ShipmentListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    order: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    cursor: str | None = None
    limit: int | None = None


class PackIn(Schema):
    weight: AmountIn | None = None
    parcels: int | None = Field(None, ge=1, le=10000)


class ShipIn(Schema):
    carrier: str | None = Field(None, max_length=100)
    service: str | None = Field(None, max_length=100)
    tracking_number: str | None = Field(None, max_length=100)
    tracking_url: str | None = Field(None, max_length=500)


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class TimelineOut(Schema):
    seq: int | None
    created_at: datetime
    actor_label: str
    action: str
    changes: dict


def _out(shipment) -> dict:
    return ShipmentOut.from_orm(shipment_get(ref=shipment.pk)).model_dump(mode="json")


@router.post("/shipments", response={201: ShipmentOut})
def shipments_create(request, payload: ShipmentIn,
                     idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "shipping.add_shipment")

    def action():
        lines = None if payload.lines is None else {line.line_id: line.quantity for line in payload.lines}
        shipment = shipment_create(
            order=order_get(number=payload.order), lines=lines, warehouse=payload.warehouse,
            carrier=payload.carrier, service=payload.service, tracking_number=payload.tracking_number,
            tracking_url=payload.tracking_url, weight=payload.weight, parcels=payload.parcels, notes=payload.notes)
        return 201, _out(shipment)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/shipments", response=ShipmentPage)
def shipments_list(request, query: Query[ShipmentListQuery]):
    require_perm(request, "shipping.view_shipment")
    filters = ShipmentFilter(**query.dict(exclude={"cursor", "limit"}))
    items, next_cursor = paginate(shipment_list(filters=filters), cursor=query.cursor, limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/shipments/{ref}", response=ShipmentOut)
def shipments_get(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    return shipment_get(ref=ref)


@router.get("/shipments/{ref}/timeline", response=list[TimelineOut])
def shipments_timeline(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    return shipment_timeline(shipment=shipment_get(ref=ref))


def _action(request, ref: str, run):
    require_perm(request, "shipping.change_shipment")
    return shipment_get(ref=run(shipment_get(ref=ref)).pk)


@router.post("/shipments/{ref}/pack", response=ShipmentOut)
def shipments_pack(request, ref: str, payload: PackIn = None):
    weight = payload.weight if payload else None
    parcels = payload.parcels if payload else None
    return _action(request, ref, lambda s: shipment_pack(shipment=s, weight=weight, parcels=parcels))


@router.post("/shipments/{ref}/ship", response=ShipmentOut)
def shipments_ship(request, ref: str, payload: ShipIn = None):
    data = payload.dict() if payload else {}
    return _action(request, ref, lambda s: shipment_ship(shipment=s, **data))


@router.post("/shipments/{ref}/deliver", response=ShipmentOut)
def shipments_deliver(request, ref: str):
    return _action(request, ref, lambda s: shipment_deliver(shipment=s))


@router.post("/shipments/{ref}/cancel", response=ShipmentOut)
def shipments_cancel(request, ref: str, payload: CancelIn = None):
    reason = payload.reason if payload else ""
    return _action(request, ref, lambda s: shipment_cancel(shipment=s, reason=reason))


# -- shipping methods and quotes ---------------------------------------------------------------

class BandIn(Schema):
    up_to: AmountIn = Field(description="Upper weight limit in kg (inclusive)")
    amount: AmountIn


class MethodIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    currency: str = Field(min_length=3, max_length=3)
    kind: str = Field("flat", max_length=20, description="flat or weight_band")
    amount: AmountIn = "0"
    bands: list[BandIn] = Field([], max_length=200)
    free_over: AmountIn | None = Field(None, description="Free shipping from this order value (inclusive)")
    carrier: str = Field("", max_length=100)
    service: str = Field("", max_length=100)


class BandOut(Schema):
    up_to: Decimal
    amount: Decimal


class MethodOut(Schema):
    code: str
    name: str
    carrier: str
    service: str
    currency: str
    kind: str
    amount: Decimal
    free_over: Decimal | None
    active: bool
    bands: list[BandOut]

    @staticmethod
    def resolve_amount(obj):
        return amount_rounded(obj.amount, obj.currency)

    @staticmethod
    def resolve_free_over(obj):
        return None if obj.free_over is None else amount_rounded(obj.free_over, obj.currency)

    @staticmethod
    def resolve_bands(obj):
        return [{"up_to": b.up_to_weight, "amount": amount_rounded(b.amount, obj.currency)} for b in obj.bands.all()]


class QuoteIn(Schema):
    method: str | None = Field(None, max_length=30, description="One method, or omit for every method that fits")
    weight: AmountIn | None = None
    order: str | None = Field(None, max_length=50, description="An order whose total decides free shipping")
    order_value: AmountIn | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)


class QuoteOut(Schema):
    method: str
    name: str
    carrier: str
    service: str
    amount: Decimal
    currency: str


def _quote_out(quote) -> dict:
    m = quote.method
    return {"method": m.code, "name": m.name, "carrier": m.carrier, "service": m.service,
            "amount": quote.price.amount, "currency": quote.price.currency}


@router.post("/shipping-methods", response={201: MethodOut})
def shipping_methods_create(request, payload: MethodIn,
                            idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "shipping.add_shippingmethod")

    def action():
        method = shipping_method_create(
            code=payload.code, name=payload.name, currency=payload.currency, kind=payload.kind,
            amount=payload.amount, bands=[(b.up_to, b.amount) for b in payload.bands], free_over=payload.free_over,
            carrier=payload.carrier, service=payload.service)
        return 201, MethodOut.from_orm(method).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/shipping-methods", response=list[MethodOut])
def shipping_methods_list(request):
    require_perm(request, "shipping.view_shippingmethod")
    return list(ShippingMethod.objects.filter(active=True).prefetch_related("bands"))


@router.post("/shipping-quotes", response=list[QuoteOut])
def shipping_quotes_get(request, payload: QuoteIn):
    """Price a parcel: with one method, or with every active method that can ship it, cheapest first."""
    require_perm(request, "shipping.view_shippingmethod")
    order = order_get(number=payload.order) if payload.order else None
    value = None
    if payload.order_value is not None:
        currency = payload.currency or (order.currency if order else None)
        if currency is None:
            raise DomainError("order_value needs a currency", field="currency", code="required")
        value = Money(to_decimal(payload.order_value, field="order_value"), currency)
    elif order is not None:
        value = Money(order.total, order.currency)
    if payload.method:
        return [_quote_out(shipping_quote(method=payload.method, weight=payload.weight, order_value=value))]
    if value is None:
        raise DomainError("Give an order, or an order_value with its currency, or a method", field="order",
                          code="required")
    return [_quote_out(q) for q in shipping_quotes(weight=payload.weight, order_value=value)]
