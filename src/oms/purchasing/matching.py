"""The three-way match of a supplier bill, as plain Python (no database).

Each billed line is checked against its purchase order line: the quantity billed (with what other
bills already billed) against what was received and what was ordered, and the unit price against
the order's. A difference beyond the tolerance is listed; a bill with any difference goes on hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tolerance:
    quantity_percent: Decimal = ZERO  # billed may exceed received by this share of the ordered quantity
    price_percent: Decimal = ZERO  # the billed unit price may differ from the order's by this share

    def quantity_allowance(self, ordered: Decimal) -> Decimal:
        return ordered * self.quantity_percent / HUNDRED

    def price_allowance(self, price: Decimal) -> Decimal:
        return abs(price) * self.price_percent / HUNDRED


@dataclass(frozen=True)
class MatchLine:
    """One billed line beside its order line."""

    line: int  # the order line's position
    sku: str
    ordered: Decimal
    received: Decimal
    billed_before: Decimal  # on other live bills
    billed: Decimal  # on this bill
    order_price: Decimal
    billed_price: Decimal


@dataclass(frozen=True)
class Difference:
    line: int
    sku: str
    kind: str  # "quantity_not_received", "quantity_over_ordered" or "price"
    expected: Decimal
    actual: Decimal

    def as_dict(self) -> dict:
        return {"line": self.line, "sku": self.sku, "kind": self.kind, "expected": str(self.expected),
                "actual": str(self.actual)}


def match_line(item: MatchLine, tolerance: Tolerance) -> list[Difference]:
    differences = []
    billed_total = item.billed_before + item.billed
    allowance = tolerance.quantity_allowance(item.ordered)
    if billed_total > item.ordered + allowance:
        differences.append(Difference(item.line, item.sku, "quantity_over_ordered", item.ordered, billed_total))
    elif billed_total > item.received + allowance:
        differences.append(Difference(item.line, item.sku, "quantity_not_received", item.received, billed_total))
    if abs(item.billed_price - item.order_price) > tolerance.price_allowance(item.order_price):
        differences.append(Difference(item.line, item.sku, "price", item.order_price, item.billed_price))
    return differences


def three_way_match(items: list[MatchLine], tolerance: Tolerance) -> list[Difference]:
    """Every difference of a bill's lines, in line order; empty when the bill may be paid."""
    found: list[Difference] = []
    for item in sorted(items, key=lambda i: i.line):
        found.extend(match_line(item, tolerance))
    return found
