"""Positions and P&L from trades, by FIFO lots or by average cost. Plain Python, no database.

A position is signed (short below zero). ``cost`` is the exact signed cost of what is open (the sum
of its lots' quantity x price), so unrealised P&L at a price is ``quantity x price - cost`` and,
whatever the method, realised + unrealised always equals the cash of the trades plus the value of
what is held. Under average cost, closing part of a position removes a share of the cost rounded to
``COST_PLACES``; closing all of it removes exactly what is left, so a round trip realises exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

FIFO = "fifo"
AVERAGE = "average"
METHODS = (FIFO, AVERAGE)
COST_PLACES = 8
ZERO = Decimal(0)


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


@dataclass(frozen=True)
class PositionState:
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    realised: Decimal = ZERO
    lots: tuple[tuple[Decimal, Decimal], ...] = field(default=())  # FIFO: (signed quantity, price), oldest first

    @property
    def avg_cost(self) -> Decimal:
        if self.quantity == 0:
            return ZERO
        return (self.cost / self.quantity).quantize(Decimal(1).scaleb(-COST_PLACES), rounding=ROUND_HALF_EVEN)

    def unrealised(self, price: Decimal) -> Decimal:
        return self.quantity * price - self.cost

    def as_json(self) -> dict:
        return {"quantity": str(self.quantity), "cost": str(self.cost), "realised": str(self.realised),
                "lots": [[str(q), str(p)] for q, p in self.lots]}

    @classmethod
    def from_json(cls, data: dict | None) -> PositionState:
        if not data:
            return cls()
        return cls(quantity=Decimal(data["quantity"]), cost=Decimal(data["cost"]), realised=Decimal(data["realised"]),
                   lots=tuple((Decimal(q), Decimal(p)) for q, p in data.get("lots", [])))


def signed_quantity(side: str, quantity: Decimal) -> Decimal:
    return quantity if side == "buy" else -quantity


def _fifo(state: PositionState, qty: Decimal, px: Decimal) -> PositionState:
    lots = list(state.lots)
    realised = state.realised
    remaining = qty
    while remaining != 0 and lots and _sign(lots[0][0]) != _sign(remaining):
        lot_qty, lot_px = lots[0]
        closed = min(abs(remaining), abs(lot_qty))
        direction = _sign(lot_qty)
        realised += direction * closed * (px - lot_px)
        left = lot_qty - direction * closed
        if left == 0:
            lots.pop(0)
        else:
            lots[0] = (left, lot_px)
        remaining += direction * closed
    if remaining != 0:
        lots.append((remaining, px))
    quantity = sum((q for q, _ in lots), ZERO)
    cost = sum((q * p for q, p in lots), ZERO)
    return PositionState(quantity=quantity, cost=cost, realised=realised, lots=tuple(lots))


def _average(state: PositionState, qty: Decimal, px: Decimal) -> PositionState:
    quantity, cost, realised = state.quantity, state.cost, state.realised
    if quantity == 0 or _sign(quantity) == _sign(qty):
        return PositionState(quantity=quantity + qty, cost=cost + qty * px, realised=realised)
    direction = _sign(quantity)
    closed = min(abs(qty), abs(quantity))
    if closed == abs(quantity):
        removed = cost
    else:
        removed = (cost * closed / abs(quantity)).quantize(Decimal(1).scaleb(-COST_PLACES), rounding=ROUND_HALF_EVEN)
    realised += direction * closed * px - removed
    quantity -= direction * closed
    cost -= removed
    rest = qty + direction * closed
    if rest != 0:  # the trade went through zero: the rest opens a position the other way
        quantity, cost = rest, rest * px
    return PositionState(quantity=quantity, cost=cost, realised=realised)


def trade_apply(state: PositionState, *, quantity: Decimal, price: Decimal, method: str) -> PositionState:
    """One trade (``quantity`` signed: bought > 0, sold < 0) applied to a position."""
    if quantity == 0:
        return state
    if method == FIFO:
        return _fifo(state, quantity, price)
    if method == AVERAGE:
        return _average(state, quantity, price)
    raise ValueError(f"unknown cost method {method!r}")


def replay(trades: Iterable[tuple[Decimal, Decimal]], *, method: str) -> PositionState:
    """The position that a sequence of (signed quantity, price) trades makes, from flat."""
    state = PositionState()
    for quantity, price in trades:
        state = trade_apply(state, quantity=quantity, price=price, method=method)
    return state
