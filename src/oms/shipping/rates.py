"""Shipping rates as plain Python: flat, by weight band, by order-value band, free over an
order-value threshold; and destination zones (country, region, postcode pattern).

A method charges a flat amount, or the amount of the first weight band whose upper limit
(inclusive) the parcel weight does not exceed, or the amount of the last order-value band whose
lower limit (inclusive) the order's value reaches; any method may be free once the order's value
reaches its ``free_over`` threshold. Amounts are exact Decimals in the method's currency.

A method limited to a zone applies only to destinations inside one of the zone's areas: an area
is a country, optionally narrowed to a region and to a postcode pattern (``*`` any characters,
``?`` one character, or a range ``1000-1999`` of same-length numbers; spaces and case ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fnmatch import fnmatchcase

from oms.core.errors import DomainError

FLAT = "flat"
WEIGHT_BAND = "weight_band"
VALUE_BAND = "value_band"
KINDS = (FLAT, WEIGHT_BAND, VALUE_BAND)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    up_to: Decimal  # kg, inclusive
    amount: Decimal


@dataclass(frozen=True)
class ValueBand:
    from_value: Decimal  # order value, inclusive
    amount: Decimal


def value_bands_check(bands: list[ValueBand]) -> list[ValueBand]:
    """Bands sorted by order value, each lower limit not negative and distinct, each amount not negative."""
    ordered = sorted(bands, key=lambda b: b.from_value)
    for i, band in enumerate(ordered):
        if band.from_value < 0:
            raise DomainError("A value band's lower limit must not be negative", field=f"value_bands.{i}.from_value")
        if band.amount < 0:
            raise DomainError("A value band's amount must not be negative", field=f"value_bands.{i}.amount")
        if i and band.from_value == ordered[i - 1].from_value:
            raise DomainError(f"Two value bands start at {band.from_value}", field=f"value_bands.{i}.from_value",
                              code="duplicate")
    return ordered


def bands_check(bands: list[Band]) -> list[Band]:
    """Bands sorted by weight, each limit positive and distinct, each amount not negative."""
    ordered = sorted(bands, key=lambda b: b.up_to)
    for i, band in enumerate(ordered):
        if band.up_to <= 0:
            raise DomainError("A weight band's limit must be greater than zero", field=f"bands.{i}.up_to")
        if band.amount < 0:
            raise DomainError("A weight band's amount must not be negative", field=f"bands.{i}.amount")
        if i and band.up_to == ordered[i - 1].up_to:
            raise DomainError(f"Two weight bands end at {band.up_to} kg", field=f"bands.{i}.up_to",
                              code="duplicate")
    return ordered


def rate_compute(*, kind: str, amount: Decimal, bands: list[Band], free_over: Decimal | None,
                 weight: Decimal | None, order_value: Decimal | None,
                 value_bands: list[ValueBand] = ()) -> Decimal:
    """What a method charges for a parcel of ``weight`` kg on an order worth ``order_value``."""
    if free_over is not None and order_value is not None and order_value >= free_over:
        return ZERO
    if kind == FLAT:
        return amount
    if kind == VALUE_BAND:
        if order_value is None:
            raise DomainError("This method charges by order value: give the order or its value", field="order_value",
                              code="required")
        found = [band for band in sorted(value_bands, key=lambda b: b.from_value) if order_value >= band.from_value]
        if not found:
            raise DomainError(f"No value band covers an order of {order_value}", field="order_value", code="no_rate")
        return found[-1].amount
    if kind != WEIGHT_BAND:
        raise DomainError(f"Unknown rate kind {kind!r}; known: {', '.join(KINDS)}", field="kind")
    if weight is None:
        raise DomainError("This method charges by weight: give the weight", field="weight", code="required")
    if weight < 0:
        raise DomainError("weight must not be negative", field="weight", code="invalid_amount")
    for band in sorted(bands, key=lambda b: b.up_to):
        if weight <= band.up_to:
            return band.amount
    raise DomainError(f"No weight band covers {weight} kg", field="weight", code="no_rate")


# -- destination zones ------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    country: str
    region: str = ""
    postcode: str = ""

    @classmethod
    def of_address(cls, address: dict | None) -> Destination | None:
        """An order's shipping address (``country``, ``region``, ``postal_code``), or None without a country."""
        address = address or {}
        country = (address.get("country") or "").strip()
        if not country:
            return None
        return cls(country=country, region=address.get("region") or "", postcode=address.get("postal_code") or "")


@dataclass(frozen=True)
class Area:
    country: str
    region: str = ""
    postcode_pattern: str = ""


_RANGE = re.compile(r"^(\d+)-(\d+)$")


def _norm(text: str) -> str:
    return "".join((text or "").split()).upper()


def postcode_pattern_check(pattern: str, field: str = "postcode_pattern") -> str:
    """The pattern normalised (no spaces, upper case); a range must be two numbers of one length, low first."""
    pattern = _norm(pattern)
    found = _RANGE.match(pattern)
    if found:
        low, high = found.groups()
        if len(low) != len(high) or int(low) > int(high):
            raise DomainError(f"A postcode range needs two numbers of the same length, low first: {pattern!r}",
                              field=field)
    return pattern


def postcode_matches(pattern: str, postcode: str) -> bool:
    pattern, postcode = _norm(pattern), _norm(postcode)
    if not pattern:
        return True
    found = _RANGE.match(pattern)
    if found:
        low, high = found.groups()
        return postcode.isdigit() and len(postcode) == len(low) and low <= postcode <= high
    return fnmatchcase(postcode, pattern)


def area_matches(area: Area, destination: Destination) -> bool:
    if _norm(area.country) != _norm(destination.country):
        return False
    if area.region and _norm(area.region) != _norm(destination.region):
        return False
    return postcode_matches(area.postcode_pattern, destination.postcode)


def zone_matches(areas: list[Area], destination: Destination | None) -> bool:
    """A zone covers a destination when one of its areas does; no destination is in no zone."""
    return destination is not None and any(area_matches(area, destination) for area in areas)
