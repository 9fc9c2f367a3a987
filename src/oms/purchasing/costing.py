"""Moving-average cost of goods, as plain Python (no database).

Each receipt blends its unit cost into the product's average, weighted by what was on hand before.
Stock below zero (a product that allows backorders was shipped short) carries no cost, so it does
not weigh on the average: the receipt's cost then sets it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
COST_QUANTUM = Decimal("0.0001")  # the cost column's places


def moving_average(*, on_hand_before: Decimal, average_before: Decimal | None, received: Decimal,
                   unit_cost: Decimal) -> Decimal:
    """The average unit cost after receiving ``received`` units at ``unit_cost``."""
    if received <= 0:
        raise ValueError("received must be positive")
    weight = max(on_hand_before, ZERO) if average_before is not None else ZERO
    total = weight * (average_before or ZERO) + received * unit_cost
    return (total / (weight + received)).quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)
