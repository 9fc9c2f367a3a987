"""Shipping zones, methods and quotes.

A method charges in one currency: flat, by weight band or by order-value band, optionally free
from an order value, optionally only to the destinations of one zone. Quoting prices every
active method that applies to an order or a cart (its value, its currency, its destination and
the parcel's weight), cheapest first. The rules are plain Python in ``shipping/rates.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import Money, is_known_currency, to_decimal
from oms.core.services.audit import audit_record
from oms.parties.models import Party
from oms.sales.lines import LineSpec, build_lines, totals_of
from oms.sales.models import SalesOrder
from oms.shipping.models import ShippingMethod, ShippingRateBand, ShippingValueBand, ShippingZone, ShippingZoneArea
from oms.shipping.rates import (
    Area, Band, Destination, ValueBand, bands_check, postcode_pattern_check, rate_compute, value_bands_check,
    zone_matches,
)

K = ShippingMethod.Kind


@dataclass(frozen=True)
class Quote:
    method: ShippingMethod
    price: Money


def _amount(value, field: str) -> Decimal:
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise DomainError(f"{field} must not be negative", field=field, code="invalid_amount")
    return amount


def _code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise DomainError("code is required", field="code", code="required")
    return code


def shipping_zone_create(*, code: str, name: str, areas: list[dict]) -> ShippingZone:
    """A zone of areas: ``[{"country": "ID", "region": "Jawa Barat", "postcode_pattern": "40*"}, ...]``
    (region and postcode pattern optional)."""
    code = _code(code)
    if not areas:
        raise DomainError("A zone needs at least one area", field="areas", code="required")
    rows = []
    for i, area in enumerate(areas):
        country = (area.get("country") or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise DomainError("country must be a two-letter ISO code", field=f"areas.{i}.country")
        pattern = postcode_pattern_check(area.get("postcode_pattern") or "", field=f"areas.{i}.postcode_pattern")
        rows.append(ShippingZoneArea(country=country, region=(area.get("region") or "").strip(),
                                     postcode_pattern=pattern))
    if ShippingZone.objects.filter(code=code).exists():
        raise Conflict(f"Shipping zone {code!r} already exists", field="code", code="duplicate")
    with transaction.atomic():
        zone = ShippingZone.objects.create(code=code, name=name)
        for row in rows:
            row.zone = zone
        ShippingZoneArea.objects.bulk_create(rows)
        audit_record(action="shipping_zone.created", object_type="shipping.zone", object_id=code,
                     changes={"name": name, "areas": [str(row) for row in rows]})
    return zone


def _zone(zone: ShippingZone | str | None) -> ShippingZone | None:
    if zone is None or isinstance(zone, ShippingZone):
        return zone
    found = ShippingZone.objects.filter(code=zone).first()
    if found is None:
        raise NotFound(f"No shipping zone {zone!r}", field="zone")
    return found


def shipping_method_create(*, code: str, name: str, currency: str, kind: str = K.FLAT, amount=0,
                           bands: list[tuple[object, object]] | None = None,
                           value_bands: list[tuple[object, object]] | None = None, free_over=None,
                           zone: ShippingZone | str | None = None, carrier: str = "",
                           service: str = "") -> ShippingMethod:
    """A method charging ``amount`` (flat), by weight ``bands`` [(up to kg, amount), ...] or by order
    ``value_bands`` [(from order value, amount), ...]; free from ``free_over``; only to ``zone``."""
    code = _code(code)
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    if kind not in K.values:
        raise DomainError(f"kind must be one of {K.values}", field="kind")
    flat = _amount(amount, "amount")
    threshold = None if free_over is None else _amount(free_over, "free_over")
    weights = bands_check([Band(to_decimal(w, field=f"bands.{i}.up_to"), to_decimal(a, field=f"bands.{i}.amount"))
                           for i, (w, a) in enumerate(bands or [])])
    values = value_bands_check([ValueBand(to_decimal(v, field=f"value_bands.{i}.from_value"),
                                          to_decimal(a, field=f"value_bands.{i}.amount"))
                                for i, (v, a) in enumerate(value_bands or [])])
    if kind == K.WEIGHT_BAND and not weights:
        raise DomainError("A weight-band method needs at least one band", field="bands", code="required")
    if kind == K.VALUE_BAND and not values:
        raise DomainError("A value-band method needs at least one band", field="value_bands", code="required")
    if kind != K.WEIGHT_BAND and weights:
        raise DomainError("Only a weight-band method has weight bands", field="bands")
    if kind != K.VALUE_BAND and values:
        raise DomainError("Only a value-band method has value bands", field="value_bands")
    zone = _zone(zone)
    if ShippingMethod.objects.filter(code=code).exists():
        raise Conflict(f"Shipping method {code!r} already exists", field="code", code="duplicate")
    with transaction.atomic():
        method = ShippingMethod.objects.create(code=code, name=name, currency=currency, kind=kind, amount=flat,
                                               free_over=threshold, zone=zone, carrier=carrier, service=service)
        ShippingRateBand.objects.bulk_create([ShippingRateBand(method=method, up_to_weight=b.up_to, amount=b.amount)
                                              for b in weights])
        ShippingValueBand.objects.bulk_create([ShippingValueBand(method=method, from_value=b.from_value,
                                                                 amount=b.amount) for b in values])
        audit_record(action="shipping_method.created", object_type="shipping.method", object_id=code,
                     changes={"name": name, "currency": currency, "kind": kind, "amount": str(flat),
                              "free_over": None if threshold is None else str(threshold),
                              "zone": zone.code if zone else None,
                              "bands": [[str(b.up_to), str(b.amount)] for b in weights],
                              "value_bands": [[str(b.from_value), str(b.amount)] for b in values]})
    return method


def _method(method: ShippingMethod | str) -> ShippingMethod:
    if isinstance(method, ShippingMethod):
        return method
    found = ShippingMethod.objects.filter(code=method, active=True).select_related("zone").first()
    if found is None:
        raise NotFound(f"No active shipping method {method!r}", field="method")
    return found


def _applies(method: ShippingMethod, destination: Destination | None) -> bool:
    if method.zone_id is None:
        return True
    return zone_matches([Area(a.country, a.region, a.postcode_pattern) for a in method.zone.areas.all()],
                        destination)


def _price(method: ShippingMethod, weight: Decimal | None, order_value: Decimal | None) -> Money:
    amount = rate_compute(kind=method.kind, amount=method.amount, free_over=method.free_over, weight=weight,
                          order_value=order_value, bands=[Band(b.up_to_weight, b.amount) for b in method.bands.all()],
                          value_bands=[ValueBand(b.from_value, b.amount) for b in method.value_bands.all()])
    return Money(amount, method.currency).rounded()


def _destination(destination: Destination | None, order: SalesOrder | None) -> Destination | None:
    if destination is not None or order is None:
        return destination
    return Destination.of_address(order.shipping_address)


def shipping_quote(*, method: ShippingMethod | str, weight=None, order: SalesOrder | None = None,
                   order_value: Money | None = None, destination: Destination | None = None) -> Quote:
    """The price of shipping ``weight`` kg with ``method``, free when the order (or the value given)
    reaches the method's threshold. The order's value is its total, in the method's currency; its
    destination is its shipping address unless one is given. A method limited to a zone that does
    not cover the destination answers 422 ``not_available`` (or ``required`` without a destination)."""
    method = _method(method)
    weight = None if weight is None else to_decimal(weight, field="weight")
    value = order_value or (Money(order.total, order.currency) if order is not None else None)
    if value is not None and value.currency != method.currency:
        raise DomainError(f"Method {method.code} charges in {method.currency}, the order is in {value.currency}",
                          field="currency", code="currency_mismatch")
    where = _destination(destination, order)
    if not _applies(method, where):
        if where is None:
            raise DomainError(f"Method {method.code} ships only to zone {method.zone.code}: give the destination",
                              field="destination", code="required")
        raise DomainError(f"Method {method.code} does not ship to {where.country} {where.postcode}".rstrip(),
                          field="destination", code="not_available")
    return Quote(method, _price(method, weight, None if value is None else value.amount))


def shipping_quotes(*, weight=None, order_value: Money, destination: Destination | None = None) -> list[Quote]:
    """Every active method in the order's currency that ships to the destination (methods without a
    zone ship anywhere; without a destination only they apply) and can ship this weight and value,
    cheapest first."""
    weight = None if weight is None else to_decimal(weight, field="weight")
    quotes = []
    methods = (ShippingMethod.objects.filter(active=True, currency=order_value.currency).select_related("zone")
               .prefetch_related("bands", "value_bands", "zone__areas"))
    for method in methods:
        if not _applies(method, destination):
            continue
        try:
            quotes.append(Quote(method, _price(method, weight, order_value.amount)))
        except DomainError:
            continue  # this method cannot ship it (no band covers the weight or value, or it needs a weight)
    return sorted(quotes, key=lambda q: (q.price.amount, q.method.code))


def shipping_quotes_for_order(*, order: SalesOrder, weight=None, destination: Destination | None = None) -> list[Quote]:
    """Every method that applies to an order: its total, its currency, its shipping address."""
    return shipping_quotes(weight=weight, order_value=Money(order.total, order.currency),
                           destination=_destination(destination, order))


def cart_value(*, customer: Party | str, lines: list[LineSpec], currency: str | None = None) -> Money:
    """What a cart (SKUs and quantities) would cost the customer as an order, priced exactly like one."""
    party = customer
    if not isinstance(party, Party):
        party = Party.objects.select_related("customer_group").filter(code=customer, is_customer=True).first()
        if party is None:
            raise NotFound(f"No customer with code {customer!r}", field="customer")
    if not lines:
        raise DomainError("A cart needs at least one line", field="lines", code="required")
    currency = currency or party.currency
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    draft = SalesOrder(customer=party, currency=currency)  # never saved: only priced
    return Money(totals_of(build_lines(draft, list(lines), start=1))["total"], currency)


def shipping_quotes_for_cart(*, customer: Party | str, lines: list[LineSpec], destination: Destination | None,
                             weight=None, currency: str | None = None) -> list[Quote]:
    """Every method that applies to a cart shipped to ``destination``."""
    return shipping_quotes(weight=weight, order_value=cart_value(customer=customer, lines=lines, currency=currency),
                           destination=destination)
