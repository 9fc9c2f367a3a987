"""Allocation of a block order's fills to accounts, by percentage or by quantity. Plain Python.

Every account gets the block's average price. Quantities are whole lots; by percentage, each
account first gets the lots its share rounds down to, then the lots left over go one by one to the
largest remainders (ties to the earlier account), so the parts always add up to exactly the filled
quantity: no share is lost or invented. Gross amounts are split the same way in the currency's
minor unit, so they add up to the block's exact notional rounded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from oms.core.errors import DomainError

PERCENT = "percent"
QUANTITY = "quantity"
ZERO = Decimal(0)
HUNDRED = Decimal(100)


class AllocationInvalid(DomainError):
    code = "allocation_invalid"
    status = 422


@dataclass(frozen=True)
class AllocationPart:
    account: str
    quantity: Decimal
    gross: Decimal


def _largest_remainder(total_units: int, weights: list[Decimal]) -> list[int]:
    weight_sum = sum(weights, ZERO)
    exact = [Decimal(total_units) * w / weight_sum for w in weights]
    floors = [int(x.to_integral_value(rounding=ROUND_DOWN)) for x in exact]
    left = total_units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def split_quantities(*, total: Decimal, lot_size: Decimal, method: str,
                     splits: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """(account, quantity) for each split; the quantities sum to ``total`` exactly."""
    if not splits:
        raise AllocationInvalid("An allocation needs at least one account", field="splits", code="required")
    accounts = [a for a, _ in splits]
    if len(set(accounts)) != len(accounts):
        raise AllocationInvalid("Each account may appear once in an allocation", field="splits",
                                code="duplicate_account")
    values = [v for _, v in splits]
    if any(v <= 0 for v in values):
        raise AllocationInvalid("Every share must be greater than zero", field="splits", code="invalid_share")
    if method == PERCENT:
        if sum(values, ZERO) != HUNDRED:
            raise AllocationInvalid(f"Percentages must add up to 100, not {sum(values, ZERO)}", field="splits",
                                    code="percentages_not_100")
        if total % lot_size != 0:
            raise AllocationInvalid(f"The filled quantity {total} is not a whole number of lots of {lot_size}",
                                    field="splits", code="off_lot_size")
        units = _largest_remainder(int(total / lot_size), values)
        return [(a, lot_size * u) for a, u in zip(accounts, units)]
    if method == QUANTITY:
        if sum(values, ZERO) != total:
            raise AllocationInvalid(f"Quantities add up to {sum(values, ZERO)}, the block filled {total}",
                                    field="splits", code="quantity_mismatch")
        if any(v % lot_size != 0 for v in values):
            raise AllocationInvalid(f"Every quantity must be a whole number of lots of {lot_size}", field="splits",
                                    code="off_lot_size")
        return list(zip(accounts, values))
    raise AllocationInvalid(f"method must be {PERCENT!r} or {QUANTITY!r}", field="method")


def split_amount(*, total: Decimal, places: int, weights: list[Decimal]) -> list[Decimal]:
    """``total`` rounded once to ``places``, then shared by ``weights`` so the parts add up to it."""
    unit = Decimal(1).scaleb(-places)
    units = int((total.quantize(unit, rounding=ROUND_HALF_EVEN) / unit).to_integral_value())
    sign = -1 if units < 0 else 1
    shares = _largest_remainder(abs(units), weights) if any(w > 0 for w in weights) else [0] * len(weights)
    return [sign * s * unit for s in shares]


def allocate(*, total: Decimal, notional: Decimal, lot_size: Decimal, method: str,
             splits: list[tuple[str, Decimal]], amount_places: int) -> list[AllocationPart]:
    parts = [(a, q) for a, q in split_quantities(total=total, lot_size=lot_size, method=method, splits=splits)]
    grosses = split_amount(total=notional, places=amount_places, weights=[q for _, q in parts])
    return [AllocationPart(account=a, quantity=q, gross=g) for (a, q), g in zip(parts, grosses)]
