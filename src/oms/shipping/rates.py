"""Shipping rates as plain Python: flat, by weight band, and free over an order-value threshold.

A method charges either a flat amount or the amount of the first weight band whose upper limit
(inclusive) the parcel weight does not exceed; any method may be free once the order's value
reaches its ``free_over`` threshold. Amounts are exact Decimals in the method's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oms.core.errors import DomainError

FLAT = "flat"
WEIGHT_BAND = "weight_band"
KINDS = (FLAT, WEIGHT_BAND)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    up_to: Decimal  # kg, inclusive
    amount: Decimal


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
                 weight: Decimal | None, order_value: Decimal | None) -> Decimal:
    """What a method charges for a parcel of ``weight`` kg on an order worth ``order_value``."""
    if free_over is not None and order_value is not None and order_value >= free_over:
        return ZERO
    if kind == FLAT:
        return amount
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
