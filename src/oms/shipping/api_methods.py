"""Shipping API: zones, methods and quotes (mounted on the shipping router)."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Header, Router, Schema

from oms.core.apikit import idempotent, require_perm
from oms.core.errors import DomainError
from oms.core.money import Money, amount_rounded, to_decimal
from oms.core.schemas import AmountIn
from oms.sales.lines import LineSpec
from oms.sales.selectors import order_get
from oms.shipping.models import ShippingMethod, ShippingZone
from oms.shipping.rates import Destination
from oms.shipping.services import (
    shipping_method_create, shipping_quote, shipping_quotes, shipping_quotes_for_cart, shipping_quotes_for_order,
    shipping_zone_create,
)

router = Router(tags=["shipping"])


class AreaIn(Schema):
    country: str = Field(min_length=2, max_length=2)
    region: str = Field("", max_length=100)
    postcode_pattern: str = Field("", max_length=100, description="e.g. 40* or 1000-1999; empty for every postcode")


class ZoneIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    areas: list[AreaIn] = Field(min_length=1, max_length=1000)


class ZoneOut(Schema):
    code: str
    name: str
    areas: list[AreaIn]

    @staticmethod
    def resolve_areas(obj):
        return [{"country": a.country, "region": a.region, "postcode_pattern": a.postcode_pattern}
                for a in obj.areas.all()]


class BandIn(Schema):
    up_to: AmountIn = Field(description="Upper weight limit in kg (inclusive)")
    amount: AmountIn


class ValueBandIn(Schema):
    from_value: AmountIn = Field(description="Lower order-value limit (inclusive)")
    amount: AmountIn


class MethodIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    currency: str = Field(min_length=3, max_length=3)
    kind: str = Field("flat", max_length=20, description="flat, weight_band or value_band")
    amount: AmountIn = "0"
    bands: list[BandIn] = Field([], max_length=200)
    value_bands: list[ValueBandIn] = Field([], max_length=200)
    free_over: AmountIn | None = Field(None, description="Free shipping from this order value (inclusive)")
    zone: str | None = Field(None, max_length=30, description="Ships only to this zone's areas; omit for anywhere")
    carrier: str = Field("", max_length=100)
    service: str = Field("", max_length=100)


class BandOut(Schema):
    up_to: Decimal
    amount: Decimal


class ValueBandOut(Schema):
    from_value: Decimal
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
    zone: str | None
    active: bool
    bands: list[BandOut]
    value_bands: list[ValueBandOut]

    @staticmethod
    def resolve_amount(obj):
        return amount_rounded(obj.amount, obj.currency)

    @staticmethod
    def resolve_free_over(obj):
        return None if obj.free_over is None else amount_rounded(obj.free_over, obj.currency)

    @staticmethod
    def resolve_zone(obj):
        return obj.zone.code if obj.zone_id else None

    @staticmethod
    def resolve_bands(obj):
        return [{"up_to": b.up_to_weight, "amount": amount_rounded(b.amount, obj.currency)} for b in obj.bands.all()]

    @staticmethod
    def resolve_value_bands(obj):
        return [{"from_value": amount_rounded(b.from_value, obj.currency),
                 "amount": amount_rounded(b.amount, obj.currency)} for b in obj.value_bands.all()]


class DestinationIn(Schema):
    country: str = Field(min_length=2, max_length=2)
    region: str = Field("", max_length=100)
    postcode: str = Field("", max_length=20)


class QuoteIn(Schema):
    method: str | None = Field(None, max_length=30, description="One method, or omit for every method that fits")
    weight: AmountIn | None = None
    order: str | None = Field(None, max_length=50, description="An order whose total decides free shipping")
    order_value: AmountIn | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    destination: DestinationIn | None = Field(None, description="Defaults to the order's shipping address")


class CartLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: AmountIn


class CartQuoteIn(Schema):
    order: str | None = Field(None, max_length=50, description="Quote an order (its total, currency, address)")
    customer: str | None = Field(None, max_length=50, description="Or a cart: the customer and the lines")
    lines: list[CartLineIn] = Field([], max_length=1000)
    currency: str | None = Field(None, min_length=3, max_length=3)
    destination: DestinationIn | None = Field(None, description="Required for a cart; an order's defaults to "
                                                                "its shipping address")
    weight: AmountIn | None = Field(None, description="Parcel weight in kg, for weight-band methods")


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


def _destination(payload: DestinationIn | None) -> Destination | None:
    return None if payload is None else Destination(payload.country, payload.region, payload.postcode)


@router.post("/shipping-zones", response={201: ZoneOut})
def shipping_zones_create(request, payload: ZoneIn,
                          idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "shipping.add_shippingzone")

    def action():
        zone = shipping_zone_create(code=payload.code, name=payload.name, areas=[a.dict() for a in payload.areas])
        return 201, ZoneOut.from_orm(zone).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/shipping-zones", response=list[ZoneOut])
def shipping_zones_list(request):
    require_perm(request, "shipping.view_shippingzone")
    return list(ShippingZone.objects.prefetch_related("areas"))


@router.post("/shipping-methods", response={201: MethodOut})
def shipping_methods_create(request, payload: MethodIn,
                            idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "shipping.add_shippingmethod")

    def action():
        method = shipping_method_create(
            code=payload.code, name=payload.name, currency=payload.currency, kind=payload.kind,
            amount=payload.amount, bands=[(b.up_to, b.amount) for b in payload.bands],
            value_bands=[(b.from_value, b.amount) for b in payload.value_bands], free_over=payload.free_over,
            zone=payload.zone, carrier=payload.carrier, service=payload.service)
        return 201, MethodOut.from_orm(method).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/shipping-methods", response=list[MethodOut])
def shipping_methods_list(request):
    require_perm(request, "shipping.view_shippingmethod")
    return list(ShippingMethod.objects.filter(active=True).select_related("zone")
                .prefetch_related("bands", "value_bands"))


@router.post("/shipping-quotes", response=list[QuoteOut])
def shipping_quotes_get(request, payload: QuoteIn):
    """Price a parcel: with one method, or with every active method that can ship it, cheapest first."""
    require_perm(request, "shipping.view_shippingmethod")
    order = order_get(number=payload.order) if payload.order else None
    destination = _destination(payload.destination)
    if destination is None and order is not None:
        destination = Destination.of_address(order.shipping_address)
    value = None
    if payload.order_value is not None:
        currency = payload.currency or (order.currency if order else None)
        if currency is None:
            raise DomainError("order_value needs a currency", field="currency", code="required")
        value = Money(to_decimal(payload.order_value, field="order_value"), currency)
    elif order is not None:
        value = Money(order.total, order.currency)
    if payload.method:
        return [_quote_out(shipping_quote(method=payload.method, weight=payload.weight, order_value=value,
                                          destination=destination))]
    if value is None:
        raise DomainError("Give an order, or an order_value with its currency, or a method", field="order",
                          code="required")
    return [_quote_out(q) for q in shipping_quotes(weight=payload.weight, order_value=value, destination=destination)]


@router.post("/shipping/quote", response=list[QuoteOut])
def shipping_quote_cart_or_order(request, payload: CartQuoteIn):
    """Every method that applies to an order or a cart and its destination, cheapest first. A cart is
    priced exactly as an order of those lines for that customer would be."""
    require_perm(request, "shipping.view_shippingmethod")
    destination = _destination(payload.destination)
    if payload.order:
        order = order_get(number=payload.order)
        quotes = shipping_quotes_for_order(order=order, weight=payload.weight, destination=destination)
    else:
        if not payload.customer:
            raise DomainError("Give an order, or a cart: customer and lines", field="customer", code="required")
        if destination is None:
            raise DomainError("A cart needs its destination", field="destination", code="required")
        lines = [LineSpec(sku=line.sku, quantity=line.quantity) for line in payload.lines]
        quotes = shipping_quotes_for_cart(customer=payload.customer, lines=lines, destination=destination,
                                          weight=payload.weight, currency=payload.currency)
    return [_quote_out(q) for q in quotes]
