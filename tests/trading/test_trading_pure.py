"""The hard logic without a database: fill arithmetic, positions and P&L, allocation rounding, order checks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.trading.allocation import AllocationInvalid, allocate, split_amount, split_quantities
from oms.trading.fills import FillRejected, OrderFigures, figures_from_fills, fill_apply, replace_apply
from oms.trading.positions import AVERAGE, FIFO, PositionState, replay, trade_apply
from oms.trading.states import TRANSITIONS, OrdStatus, can_transition, working_status
from oms.trading.validation import InstrumentRules, order_check

qtys = st.integers(min_value=1, max_value=5000).map(D)
prices = st.integers(min_value=1, max_value=100000).map(lambda c: D(c) / 100)


# -- fills -------------------------------------------------------------------------------------------

def test_fill_arithmetic_is_exact():
    f = OrderFigures(quantity=D(300))
    f = fill_apply(f, qty=D(100), px=D("10.01"))
    f = fill_apply(f, qty=D(200), px=D("10.02"))
    assert (f.cum, f.leaves, f.notional) == (D(300), D(0), D("3005.00"))
    assert f.avg_px == D("10.01666667")
    f.check(done=True)


def test_overfill_and_bad_fills_are_refused():
    f = OrderFigures(quantity=D(100))
    with pytest.raises(FillRejected) as exc:
        fill_apply(f, qty=D(101), px=D(1))
    assert exc.value.code == "fill_exceeds_order"
    for qty, px in ((D(0), D(1)), (D(1), D(0)), (D(-1), D(1))):
        with pytest.raises(FillRejected):
            fill_apply(f, qty=qty, px=px)


def test_replace_down_below_filled_leaves_the_order_filled():
    f = fill_apply(OrderFigures(quantity=D(100)), qty=D(60), px=D(1))
    down = replace_apply(f, quantity=D(50))
    assert (down.quantity, down.cum, down.leaves) == (D(60), D(60), D(0))
    assert working_status(cum=down.cum, leaves=down.leaves) == OrdStatus.FILLED
    up = replace_apply(f, quantity=D(150))
    assert (up.quantity, up.leaves) == (D(150), D(90))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(qtys, prices), min_size=1, max_size=30), st.data())
def test_fills_and_busts_always_add_up(fills, data):
    quantity = sum((q for q, _ in fills), D(0)) + data.draw(st.integers(0, 1000))
    figures = OrderFigures(quantity=quantity)
    for qty, px in fills:
        figures = fill_apply(figures, qty=qty, px=px)
        figures.check(done=False)
    busted = data.draw(st.sets(st.integers(0, len(fills) - 1)))
    live = [f for i, f in enumerate(fills) if i not in busted]
    again = figures_from_fills(quantity=quantity, fills=live, done=False)
    again.check(done=False)
    cum = sum((q for q, _ in live), D(0))
    notional = sum((q * p for q, p in live), D(0))
    assert (again.cum, again.leaves) == (cum, quantity - cum)
    assert again.avg_px == ((notional / cum).quantize(D("1e-8")) if cum else D(0))


# -- positions ---------------------------------------------------------------------------------------

def test_fifo_realises_against_the_oldest_lots():
    s = replay([(D(100), D(10)), (D(100), D(12)), (D(-150), D(13))], method=FIFO)
    assert s.quantity == D(50) and s.realised == D(100) * 3 + D(50) * 1
    assert s.lots == ((D(50), D(12)),) and s.avg_cost == D(12)


def test_average_cost_realises_against_the_average():
    s = replay([(D(100), D(10)), (D(100), D(12)), (D(-150), D(13))], method=AVERAGE)
    assert s.quantity == D(50) and s.avg_cost == D(11) and s.realised == D(150) * 2


def test_a_trade_through_zero_opens_the_other_way():
    for method in (FIFO, AVERAGE):
        s = replay([(D(100), D(10)), (D(-150), D(11))], method=method)
        assert s.quantity == D(-50) and s.realised == D(100) and s.cost == D(-550)
        s = trade_apply(s, quantity=D(50), price=D(9), method=method)
        assert s.quantity == 0 and s.realised == D(200) and s.cost == 0
        assert s.unrealised(D(100)) == 0


def test_average_cost_of_a_thirds_position_closes_exactly():
    s = replay([(D(1), D(10)), (D(1), D(10)), (D(1), D(11))], method=AVERAGE)
    s = trade_apply(s, quantity=D(-1), price=D(12), method=AVERAGE)
    s = trade_apply(s, quantity=D(-2), price=D(12), method=AVERAGE)
    assert s.quantity == 0 and s.cost == 0 and s.realised == D(36) - D(31)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-500, 500).filter(bool).map(D), prices), max_size=40),
       st.sampled_from([FIFO, AVERAGE]), prices)
def test_positions_equal_the_trades_and_pnl_is_conserved(trades, method, mark):
    state = PositionState()
    for qty, px in trades:
        state = trade_apply(state, quantity=qty, price=px, method=method)
        assert PositionState.from_json(state.as_json()) == state
    assert state == replay(trades, method=method)
    assert state.quantity == sum((q for q, _ in trades), D(0))
    cash = -sum((q * p for q, p in trades), D(0))
    # realised + unrealised = the cash the trades made + the value of what is held, whatever the method
    assert state.realised + state.unrealised(mark) == cash + state.quantity * mark
    if method == FIFO:
        assert state.cost == sum((q * p for q, p in state.lots), D(0))


# -- allocation --------------------------------------------------------------------------------------

def test_percent_allocation_by_largest_remainder():
    parts = split_quantities(total=D(100), lot_size=D(1), method="percent",
                             splits=[("A", D("33.33")), ("B", D("33.33")), ("C", D("33.34"))])
    assert parts == [("A", D(33)), ("B", D(33)), ("C", D(34))]
    parts = split_quantities(total=D(10), lot_size=D(1), method="percent",
                             splits=[("A", D(50)), ("B", D(25)), ("C", D(25))])
    assert parts == [("A", D(5)), ("B", D(3)), ("C", D(2))]


def test_allocation_refuses_what_does_not_add_up():
    with pytest.raises(AllocationInvalid) as exc:
        split_quantities(total=D(100), lot_size=D(1), method="percent", splits=[("A", D(50)), ("B", D(49))])
    assert exc.value.code == "percentages_not_100"
    with pytest.raises(AllocationInvalid) as exc:
        split_quantities(total=D(100), lot_size=D(1), method="quantity", splits=[("A", D(50)), ("B", D(49))])
    assert exc.value.code == "quantity_mismatch"
    with pytest.raises(AllocationInvalid) as exc:
        split_quantities(total=D(100), lot_size=D(10), method="quantity", splits=[("A", D(55)), ("B", D(45))])
    assert exc.value.code == "off_lot_size"
    with pytest.raises(AllocationInvalid) as exc:
        split_quantities(total=D(100), lot_size=D(1), method="quantity", splits=[("A", D(50)), ("A", D(50))])
    assert exc.value.code == "duplicate_account"


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 100000), st.sampled_from([D(1), D(10), D(100)]),
       st.lists(st.integers(1, 10000), min_size=1, max_size=12), prices)
def test_percent_allocation_never_loses_or_invents_a_share(lots, lot_size, weights, px):
    total = lot_size * lots
    # weights as percentages summing to exactly 100 (4 decimals)
    raw = [D(w) for w in weights]
    pct = [(w * 100 / sum(raw)).quantize(D("0.0001")) for w in raw]
    pct[-1] += D(100) - sum(pct)
    if pct[-1] <= 0:
        return
    splits = [(f"A{i}", p) for i, p in enumerate(pct)]
    parts = allocate(total=total, notional=total * px, lot_size=lot_size, method="percent", splits=splits,
                     amount_places=2)
    assert sum(p.quantity for p in parts) == total
    assert all(p.quantity % lot_size == 0 and p.quantity >= 0 for p in parts)
    assert sum(p.gross for p in parts) == (total * px).quantize(D("0.01"))
    for p, (_, share) in zip(parts, splits):  # nobody is more than one lot from their exact share
        assert abs(p.quantity - total * share / 100) < lot_size


def test_split_amount_keeps_the_rounded_total():
    assert split_amount(total=D("100.005"), places=2, weights=[D(1), D(1), D(1)]) == [D("33.34"), D("33.33"),
                                                                                      D("33.33")]


# -- order checks ------------------------------------------------------------------------------------

RULES = InstrumentRules(tick_size=D("0.05"), lot_size=D(10), price_decimals=2, quantity_decimals=0)
NOW = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)


def _check(**kw):
    base = dict(side="buy", order_type="limit", time_in_force="day", quantity=D(100), price=D("10.05"),
                stop_price=None, expire_at=None, now=NOW, rules=RULES)
    base.update(kw)
    problem = order_check(**base)
    return problem.code if problem else None


@pytest.mark.parametrize("changes, code", [
    ({}, None),
    ({"rules": None}, "unknown_instrument"),
    ({"rules": InstrumentRules(D("0.05"), D(10), 2, 0, active=False)}, "instrument_inactive"),
    ({"rules": InstrumentRules(D("0.05"), D(10), 2, 0, halted=True)}, "trading_halted"),
    ({"side": "sideways"}, "invalid_side"),
    ({"price": D("10.03")}, "off_tick_size"),
    ({"price": D("10.051")}, "too_many_decimals"),
    ({"quantity": D(105)}, "off_lot_size"),
    ({"quantity": D("100.5")}, "too_many_decimals"),
    ({"order_type": "market"}, "price_not_allowed"),
    ({"order_type": "market", "price": None}, None),
    ({"price": None}, "price_required"),
    ({"order_type": "stop", "price": None}, "stop_price_required"),
    ({"order_type": "stop_limit", "stop_price": D("10.00")}, None),
    ({"stop_price": D("10.00")}, "stop_price_not_allowed"),
    ({"time_in_force": "gtd"}, "expiry_required"),
    ({"time_in_force": "gtd", "expire_at": NOW - timedelta(seconds=1)}, "expiry_in_past"),
    ({"time_in_force": "gtd", "expire_at": NOW + timedelta(days=1)}, None),
    ({"expire_at": NOW + timedelta(days=1)}, "expiry_not_allowed"),
    ({"time_in_force": "forever"}, "invalid_time_in_force"),
    ({"order_type": "iceberg"}, "invalid_order_type"),
])
def test_order_checks(changes, code):
    assert _check(**changes) == code


def test_transition_table_covers_every_status_and_done_is_final():
    assert set(TRANSITIONS) == set(OrdStatus.values)
    for done in ("rejected", "denied"):
        assert not TRANSITIONS[done]
    assert not can_transition("canceled", "new") and not can_transition("expired", "partially_filled")
    assert can_transition("filled", "partially_filled")  # a bust reopens a filled order
