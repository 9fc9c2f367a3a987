"""Random sequences of orders, fills, busts, corrections, cancels and replaces through the services and the
simulated venue: quantities always add up, positions always equal the fills, average prices are exact."""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.trading.gateway import CancelRequest, NewOrder, ReplaceRequest
from oms.trading.models import Execution, TradingOrder
from oms.trading.services import (
    CancelRejected, account_create, order_cancel_receive, order_receive, order_replace_receive, positions_check,
)
from oms.trading.states import DONE

pytestmark = pytest.mark.django_db
COUNTER = itertools.count(1)
OPS = ["new", "new", "price", "fill", "fill", "cancel", "replace", "bust", "correct"]


def _invariants(account):
    for order in TradingOrder.objects.filter(account=account):
        fills = list(Execution.objects.filter(order=order, is_fill=True, status="active")
                     .values_list("last_qty", "last_px"))
        cum = sum((q for q, _ in fills), D(0))
        assert order.cum_qty == cum, order
        if order.status in DONE:
            assert order.leaves_qty == 0, order
        else:
            assert order.quantity == order.cum_qty + order.leaves_qty, order
        if cum:
            assert order.avg_px == (sum((q * p for q, p in fills), D(0)) / cum).quantize(D("1e-8"))
    assert positions_check() == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_order_flow_keeps_every_invariant(market, data):
    n = next(COUNTER)
    market.sim.prices.clear()  # each example starts from an empty book, whatever earlier ones left
    market.sim.orders.clear()
    account = account_create(code=f"H{n}", name="Hypothesis", owner=market.alice.owner, base_currency="USD",
                             default_venue="SIM", short_selling_allowed=True,
                             cost_method=data.draw(st.sampled_from(["fifo", "average"])))
    market.sim.fill_size = data.draw(st.sampled_from([None, D(7), D(25)]))
    ids = itertools.count(1)
    prices = st.integers(990, 1010).map(lambda c: D(c) / 100)
    for _ in range(data.draw(st.integers(3, 14))):
        op = data.draw(st.sampled_from(OPS))
        working = list(TradingOrder.objects.filter(account=account, status__in=["new", "partially_filled"]))
        fills = list(Execution.objects.filter(account=account, is_fill=True, status="active"))
        if op == "new":
            market.run(order_receive, new=NewOrder(
                account=account.code, cl_ord_id=f"n{next(ids)}", instrument="ACME",
                side=data.draw(st.sampled_from(["buy", "sell_short"])), order_type="limit",
                quantity=D(data.draw(st.integers(1, 60))), price=data.draw(prices),
                time_in_force=data.draw(st.sampled_from(["day", "gtc", "ioc"]))))
        elif op == "price":
            market.run(market.sim.price_set, "ACME", data.draw(prices))
        elif op == "fill" and working:
            order = data.draw(st.sampled_from(working))
            qty = D(data.draw(st.integers(1, int(order.leaves_qty))))
            market.run(market.sim.fill, order.routed_cl_ord_id, qty, data.draw(prices))
        elif op == "cancel" and working:
            order = data.draw(st.sampled_from(working))
            market.run(order_cancel_receive, request=CancelRequest(account=account.code, cl_ord_id=f"x{next(ids)}",
                                                                   orig_cl_ord_id=order.cl_ord_id))
        elif op == "replace" and working:
            order = data.draw(st.sampled_from(working))
            try:
                market.run(order_replace_receive, request=ReplaceRequest(
                    account=account.code, cl_ord_id=f"r{next(ids)}", orig_cl_ord_id=order.cl_ord_id,
                    quantity=D(data.draw(st.integers(1, 80))), price=data.draw(prices)))
            except CancelRejected as exc:
                assert exc.code in ("short_sell_not_flagged",), exc.code
        elif op in ("bust", "correct") and fills:
            fill = data.draw(st.sampled_from(fills))
            order = fill.order
            if op == "bust":
                market.run(market.sim.bust, fill.exec_id)
            else:
                room = order.quantity - order.cum_qty + fill.last_qty
                market.run(market.sim.correct, fill.exec_id, D(data.draw(st.integers(1, int(room)))),
                           data.draw(prices))
        _invariants(account)
