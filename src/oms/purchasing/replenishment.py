"""What to buy: replenishment suggestions as plain Python (no database).

A product's projected stock in a warehouse is what is on hand, less what is reserved (backorders
included: they are reservations beyond on hand), plus what open purchase orders will still bring.
Below its reorder point (the min level, else the product's low-stock threshold, else zero, so an
uncovered backorder always triggers) it is bought up to its max level (else back to the reorder
point), at least the supplier's minimum order quantity, rounded up to what the unit allows. The
supplier is the preferred one, else the cheapest, then the quickest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class SupplierOption:
    supplier: str  # the supplier's code
    price: Decimal
    currency: str
    min_order_quantity: Decimal
    lead_time_days: int
    preferred: bool = False


@dataclass(frozen=True)
class Position:
    sku: str
    warehouse: str
    on_hand: Decimal
    reserved: Decimal
    incoming: Decimal  # still to come on open purchase orders
    backordered: Decimal  # reserved beyond on hand
    min_level: Decimal | None = None
    max_level: Decimal | None = None
    unit_decimals: int = 0

    @property
    def projected(self) -> Decimal:
        return self.on_hand - self.reserved + self.incoming

    @property
    def reorder_point(self) -> Decimal:
        return self.min_level if self.min_level is not None else ZERO


@dataclass(frozen=True)
class Suggestion:
    position: Position
    quantity: Decimal
    option: SupplierOption | None  # None: no supplier sells it (reported, cannot be ordered)
    expected_on: date | None
    reason: str


def supplier_choose(options: list[SupplierOption]) -> SupplierOption | None:
    if not options:
        return None
    return min(options, key=lambda o: (not o.preferred, o.price, o.lead_time_days, o.supplier))


def _round_up(quantity: Decimal, decimals: int) -> Decimal:
    return quantity.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_CEILING)


def suggest(position: Position, options: list[SupplierOption], *, today: date) -> Suggestion | None:
    """What to buy of one product for one warehouse, or None when its projected stock is enough."""
    projected = position.projected
    if projected >= position.reorder_point:
        return None
    target = position.max_level if position.max_level is not None else position.reorder_point
    quantity = max(target, position.reorder_point, ZERO) - projected
    option = supplier_choose(options)
    if option is not None:
        quantity = max(quantity, option.min_order_quantity)
    quantity = _round_up(quantity, position.unit_decimals)
    reason = "backorder" if projected < 0 and position.backordered > 0 else "below_min"
    expected = today + timedelta(days=option.lead_time_days) if option is not None else None
    return Suggestion(position, quantity, option, expected, reason)


def suggestions(items: list[tuple[Position, list[SupplierOption]]], *, today: date) -> list[Suggestion]:
    """Every product that needs buying: backorders first, then the longest lead time (order it soonest)."""
    found = [s for s in (suggest(p, o, today=today) for p, o in items) if s is not None]
    return sorted(found, key=lambda s: (s.reason != "backorder", -(s.option.lead_time_days if s.option else 0),
                                        s.position.sku, s.position.warehouse))
