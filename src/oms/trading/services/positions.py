"""Positions kept from fills: a fill moves its position in the fill's transaction; a bust, correction
or allocation change rebuilds the position from its trades; ``positions_check`` proves them all.

A block order's fills do not move a position: its allocations do, each at the block's average price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oms.trading.models import Allocation, Execution, Instrument, Position, TradingAccount
from oms.trading.positions import PositionState, replay, signed_quantity, trade_apply


def _locked(account: TradingAccount, instrument: Instrument) -> Position:
    # ``of=self`` and no ordering: the model's ordering joins the account and instrument tables, and
    # FOR UPDATE would then lock their rows too (serialising every fill of an instrument, and fills with
    # new orders of the account).
    locked = Position.objects.select_for_update(of=("self",)).filter(account=account, instrument=instrument)
    position = locked.order_by("pk").first()
    if position is None:
        Position.objects.bulk_create([Position(account=account, instrument=instrument)], ignore_conflicts=True)
        position = locked.order_by("pk").get()
    return position


def _store(position: Position, state: PositionState) -> None:
    position.state = state.as_json()
    position.quantity = state.quantity
    position.avg_cost = state.avg_cost
    position.realised_pnl = state.realised
    position.save(update_fields=["state", "quantity", "avg_cost", "realised_pnl", "trade_count", "updated_at"])


def position_trade(*, account: TradingAccount, instrument: Instrument, side: str, quantity: Decimal,
                   price: Decimal) -> int:
    """One more trade on a position (the caller runs the transaction); returns the trade's sequence
    number in the position, which the caller stores on the fill or allocation."""
    position = _locked(account, instrument)
    state = trade_apply(PositionState.from_json(position.state), quantity=signed_quantity(side, quantity),
                        price=price, method=account.cost_method)
    position.trade_count += 1
    _store(position, state)
    return position.trade_count


def position_trades(*, account_id: int, instrument_id: int) -> list[tuple[Decimal, Decimal]]:
    """The trades a position is made of, in the order they happened: the live fills of the account's
    own (non-block) orders and the live allocations it received."""
    fills = (Execution.objects.filter(account_id=account_id, instrument_id=instrument_id, is_fill=True,
                                      status=Execution.Status.ACTIVE, order__block_id="")
             .values_list("position_seq", "id", "side", "last_qty", "last_px"))
    allocations = (Allocation.objects.filter(account_id=account_id, instrument_id=instrument_id,
                                             status=Allocation.Status.ACTIVE)
                   .values_list("position_seq", "id", "side", "quantity", "avg_px"))
    rows = sorted([(seq or 0, 0, pk, side, q, p) for seq, pk, side, q, p in fills]
                  + [(seq or 0, 1, pk, side, q, p) for seq, pk, side, q, p in allocations])
    return [(signed_quantity(side, q), p) for _, _, _, side, q, p in rows]


def position_rebuild(*, account: TradingAccount, instrument: Instrument) -> Position:
    """Replay a position from its trades (after a bust, a correction or a reversed allocation)."""
    position = _locked(account, instrument)
    _store(position, replay(position_trades(account_id=account.pk, instrument_id=instrument.pk),
                            method=account.cost_method))
    return position


@dataclass(frozen=True)
class PositionProblem:
    account: str
    instrument: str
    stored: dict
    expected: dict

    def __str__(self) -> str:
        return (f"position {self.account}/{self.instrument}: stored {self.stored['quantity']} "
                f"(realised {self.stored['realised']}), its trades make {self.expected['quantity']} "
                f"(realised {self.expected['realised']})")


def positions_check() -> list[PositionProblem]:
    """Every stored position against the replay of its trades; also trades with no position row."""
    problems = []
    seen = set()
    accounts = {a.pk: a for a in TradingAccount.objects.all()}
    for position in Position.objects.select_related("account", "instrument"):
        seen.add((position.account_id, position.instrument_id))
        expected = replay(position_trades(account_id=position.account_id, instrument_id=position.instrument_id),
                          method=position.account.cost_method)
        stored = PositionState.from_json(position.state)
        columns_ok = (position.quantity == expected.quantity and position.realised_pnl == expected.realised.quantize(
            Decimal("1e-8")) and position.avg_cost == expected.avg_cost)
        if stored != expected or not columns_ok:
            problems.append(PositionProblem(position.account.code, position.instrument.symbol, stored.as_json(),
                                            expected.as_json()))
    traded = set(Execution.objects.filter(is_fill=True, status=Execution.Status.ACTIVE, order__block_id="")
                 .values_list("account_id", "instrument_id").distinct())
    traded |= set(Allocation.objects.filter(status=Allocation.Status.ACTIVE)
                  .values_list("account_id", "instrument_id").distinct())
    for account_id, instrument_id in sorted(traded - seen):
        expected = replay(position_trades(account_id=account_id, instrument_id=instrument_id),
                          method=accounts[account_id].cost_method)
        problems.append(PositionProblem(accounts[account_id].code, Instrument.objects.get(pk=instrument_id).symbol,
                                        PositionState().as_json(), expected.as_json()))
    return problems
