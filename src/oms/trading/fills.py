"""Order arithmetic: cumulative and leaves quantity and the exact average price, from fills.

Plain Python, no database. The average price is never updated incrementally (that drifts): it is
always the exact notional (sum of quantity x price of the live fills) divided by the cumulative
quantity, rounded once to ``PX_PLACES``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from oms.core.errors import DomainError

PX_PLACES = 8
PX_QUANT = Decimal(1).scaleb(-PX_PLACES)
ZERO = Decimal(0)


class FillRejected(DomainError):
    """A venue's fill cannot apply to the order (over-fill, a non-positive quantity or price)."""

    code = "fill_rejected"
    status = 422


def avg_px(notional: Decimal, cum: Decimal) -> Decimal:
    if cum == 0:
        return ZERO
    return (notional / cum).quantize(PX_QUANT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class OrderFigures:
    """An order's quantities: ``quantity = cum + leaves`` while it works, ``leaves = 0`` once done."""

    quantity: Decimal
    cum: Decimal = ZERO
    leaves: Decimal | None = None
    notional: Decimal = ZERO  # sum of last_qty * last_px over the live fills, exact

    def __post_init__(self) -> None:
        if self.leaves is None:
            object.__setattr__(self, "leaves", self.quantity - self.cum)

    @property
    def avg_px(self) -> Decimal:
        return avg_px(self.notional, self.cum)

    def check(self, *, done: bool) -> None:
        """The invariants, for tests and for services before they write."""
        assert self.cum >= 0 and self.leaves >= 0, self
        if done:
            assert self.leaves == 0, self
        else:
            assert self.quantity == self.cum + self.leaves, self


def fill_apply(figures: OrderFigures, *, qty: Decimal, px: Decimal) -> OrderFigures:
    """One more fill: never beyond the leaves quantity (a fill while a replace is pending counts
    against the original terms, which is what ``figures`` still holds)."""
    if qty <= 0:
        raise FillRejected(f"A fill needs a positive quantity, not {qty}", field="last_qty", code="invalid_fill")
    if px <= 0:
        raise FillRejected(f"A fill needs a positive price, not {px}", field="last_px", code="invalid_fill")
    if qty > figures.leaves:
        raise FillRejected(f"A fill of {qty} exceeds the {figures.leaves} left on the order", field="last_qty",
                           code="fill_exceeds_order", extra={"leaves_qty": str(figures.leaves)})
    return OrderFigures(quantity=figures.quantity, cum=figures.cum + qty, leaves=figures.leaves - qty,
                        notional=figures.notional + qty * px)


def figures_from_fills(*, quantity: Decimal, fills: Iterable[tuple[Decimal, Decimal]], done: bool) -> OrderFigures:
    """Recompute from the live fills (after a bust or correction): leaves are what is still open
    unless the order is done (cancelled or expired orders keep leaves at 0)."""
    cum = notional = ZERO
    for qty, px in fills:
        cum += qty
        notional += qty * px
    if cum > quantity:
        raise FillRejected(f"The fills ({cum}) would exceed the order quantity {quantity}", field="last_qty",
                           code="fill_exceeds_order")
    leaves = ZERO if done else quantity - cum
    return OrderFigures(quantity=quantity, cum=cum, leaves=leaves, notional=notional)


def replace_apply(figures: OrderFigures, *, quantity: Decimal) -> OrderFigures:
    """A replace changes the order quantity; leaves follow. A replace down to or below what is
    already filled leaves nothing open: the order is then filled, its quantity what was filled."""
    quantity = max(quantity, figures.cum)
    return OrderFigures(quantity=quantity, cum=figures.cum, leaves=quantity - figures.cum,
                        notional=figures.notional)


def close(figures: OrderFigures) -> OrderFigures:
    """Cancelled, expired, rejected: nothing left open."""
    return OrderFigures(quantity=figures.quantity, cum=figures.cum, leaves=ZERO, notional=figures.notional)
