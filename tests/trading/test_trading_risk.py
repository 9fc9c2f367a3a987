"""Pre-trade risk: every check both ways (pure), then the same checks fed by the database, and the kill switch."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from oms.core.models import AuditRecord
from oms.trading.gateway import NewOrder, ReplaceRequest, gateway_unregister
from oms.trading.models import OrderEvent, TradingOrder
from oms.trading.risk import Limits, RiskFacts, risk_evaluate
from oms.trading.services import (
    CancelRejected, instrument_update, kill_switch_engage, kill_switch_release, order_receive,
    order_replace_receive, restriction_add, risk_limit_set,
)

BASE = RiskFacts(side="buy", order_type="limit", quantity=D(100), price=D(10), reference_price=D(10),
                 limits=Limits(), short_selling_allowed=False, position=D(500))

# (name, facts that pass, facts that are denied, the code)
CASES = [
    ("kill switch", {}, {"kill_switch": "account"}, "kill_switch"),
    ("firm kill switch", {}, {"kill_switch": "firm"}, "kill_switch"),
    ("restricted", {}, {"restricted": "account"}, "restricted_instrument"),
    ("firm restricted", {}, {"restricted": "firm"}, "restricted_instrument"),
    ("short sell flag", {"side": "sell_short", "short_selling_allowed": True}, {"side": "sell_short"},
     "short_sell_not_allowed"),
    ("sell beyond the position", {"side": "sell", "quantity": D(500)}, {"side": "sell", "quantity": D(501)},
     "short_sell_not_flagged"),
    ("sell beyond what is not already offered", {"side": "sell", "working_sell": D(400)},
     {"side": "sell", "working_sell": D(401)}, "short_sell_not_flagged"),
    ("price collar", {"limits": Limits(price_collar_percent=D(5)), "price": D("10.50")},
     {"limits": Limits(price_collar_percent=D(5)), "price": D("10.51")}, "price_collar"),
    ("price collar below", {"limits": Limits(price_collar_percent=D(5)), "price": D("9.50")},
     {"limits": Limits(price_collar_percent=D(5)), "price": D("9.49")}, "price_collar"),
    ("collar without a reference price", {"limits": Limits(price_collar_percent=D(5)), "order_type": "market",
                                          "price": None, "reference_price": None},
     {"limits": Limits(price_collar_percent=D(5)), "reference_price": None}, "no_reference_price"),
    ("max order quantity", {"limits": Limits(max_order_quantity=D(100))},
     {"limits": Limits(max_order_quantity=D(99))}, "max_order_quantity"),
    ("max order value", {"limits": Limits(max_order_value=D(1000))}, {"limits": Limits(max_order_value=D(999))},
     "max_order_value"),
    ("max order value of a market order at the reference price",
     {"limits": Limits(max_order_value=D(1000)), "order_type": "market", "price": None},
     {"limits": Limits(max_order_value=D(1000)), "order_type": "market", "price": None,
      "reference_price": D("10.01")}, "max_order_value"),
    ("max position long", {"limits": Limits(max_position=D(700)), "working_buy": D(100)},
     {"limits": Limits(max_position=D(700)), "working_buy": D(101)}, "max_position"),
    ("max position short", {"limits": Limits(max_position=D(100)), "side": "sell_short",
                            "short_selling_allowed": True, "position": D(0)},
     {"limits": Limits(max_position=D(99)), "side": "sell_short", "short_selling_allowed": True,
      "position": D(0)}, "max_position"),
    ("max daily value", {"limits": Limits(max_daily_value=D(5000)), "traded_today": D(4000)},
     {"limits": Limits(max_daily_value=D(5000)), "traded_today": D("4000.01")}, "max_daily_value"),
    ("rate limit", {"limits": Limits(max_orders_per_second=3), "orders_last_second": 2},
     {"limits": Limits(max_orders_per_second=3), "orders_last_second": 3}, "rate_limit"),
    ("duplicate order", {"limits": Limits(duplicate_window_seconds=5)},
     {"limits": Limits(duplicate_window_seconds=5), "duplicates_in_window": 1}, "duplicate_order"),
]


@pytest.mark.parametrize("name, passing, denied, code", CASES, ids=[c[0] for c in CASES])
def test_each_risk_check_both_ways(name, passing, denied, code):
    assert risk_evaluate(replace(BASE, **passing)) is None
    denial = risk_evaluate(replace(BASE, **denied))
    assert denial is not None and denial.code == code and denial.message


def _order(run, cl, *, account="ALICE", side="buy", qty="100", price="10.00", instrument="ACME", **kw):
    return _fresh(run(order_receive, new=NewOrder(account=account, cl_ord_id=cl, instrument=instrument, side=side,
                                           order_type="limit" if price else "market", quantity=D(qty),
                                           price=D(price) if price else None, **kw)))


def _fresh(order):
    order.refresh_from_db()
    return order


@pytest.mark.django_db
class TestRiskWithTheDatabase:
    def test_denied_order_is_recorded_with_its_code_and_announced(self, market):
        risk_limit_set(account="ALICE", max_order_quantity=D(50))
        order = _order(market.run, "c1")
        assert (order.status, order.reject_code, order.leaves_qty) == ("denied", "max_order_quantity", 0)
        assert [u.exec_type for u in market.updates] == ["pending_new", "rejected"]
        assert market.updates[-1].reject_code == "max_order_quantity" and market.updates[-1].ord_status == "denied"
        assert list(OrderEvent.objects.filter(order=order).values_list("event", flat=True)) == ["received", "denied"]
        assert AuditRecord.objects.filter(object_type="trading.order", action="trading_order.denied").exists()
        assert market.sim.sent == []  # never routed

    def test_firm_limits_apply_to_accounts_without_their_own(self, market):
        risk_limit_set(max_order_value=D(500))
        risk_limit_set(account="BOB", max_order_value=D(5000))
        assert _order(market.run, "a1").reject_code == "max_order_value"
        assert _order(market.run, "b1", account="BOB", side="buy").status == "new"

    def test_collar_moves_with_the_reference_price(self, market):
        risk_limit_set(price_collar_percent=D(10))
        assert _order(market.run, "c1", price="11.50").reject_code == "price_collar"
        instrument_update(instrument=market.acme, reference_price=D("11.00"))
        assert _order(market.run, "c2", price="11.50").status == "new"

    def test_restricted_per_account_and_firm_wide(self, market):
        restriction_add(instrument="ACME", account="ALICE", reason="insider")
        assert _order(market.run, "c1").reject_code == "restricted_instrument"
        assert _order(market.run, "b1", account="BOB").status == "new"
        restriction_add(instrument="US0378331005", reason="firm-wide list")
        assert _order(market.run, "b2", account="BOB").reject_code == "restricted_instrument"

    def test_selling_what_is_not_held_needs_the_short_flag(self, market):
        market.sim.price_set("ACME", D("10.00"))
        assert _order(market.run, "b1", account="BOB").status == "filled"
        assert _order(market.run, "b2", account="BOB", side="sell", qty="101").reject_code == "short_sell_not_flagged"
        assert _order(market.run, "b3", account="BOB", side="sell_short", qty="101").reject_code == \
            "short_sell_not_allowed"
        assert _order(market.run, "b4", account="BOB", side="sell", qty="100").status == "filled"
        assert _order(market.run, "a1", side="sell_short", qty="100").status == "filled"

    def test_max_position_counts_working_orders(self, market):
        risk_limit_set(account="ALICE", max_position=D(150))
        assert _order(market.run, "c1", qty="100", price="9.00").status == "new"  # rests: no price yet
        assert _order(market.run, "c2", qty="60", price="9.00").reject_code == "max_position"
        assert _order(market.run, "c3", qty="50", price="9.00").status == "new"

    def test_max_daily_value_counts_todays_fills(self, market):
        risk_limit_set(account="ALICE", max_daily_value=D(1500))
        market.sim.price_set("ACME", D("10.00"))
        assert _order(market.run, "c1", qty="100").status == "filled"
        assert _order(market.run, "c2", qty="51").reject_code == "max_daily_value"
        assert _order(market.run, "c3", qty="50").status == "filled"

    def test_rate_limit_per_account_per_second(self, market):
        risk_limit_set(account="ALICE", max_orders_per_second=2)
        codes = [_order(market.run, f"c{i}", price=f"9.0{i}").reject_code for i in range(3)]
        assert codes == ["", "", "rate_limit"]
        assert _order(market.run, "b1", account="BOB").reject_code == ""

    def test_duplicate_order_detection(self, market):
        risk_limit_set(account="ALICE", duplicate_window_seconds=10)
        assert _order(market.run, "c1", price="9.00").reject_code == ""
        assert _order(market.run, "c2", price="9.00").reject_code == "duplicate_order"
        assert _order(market.run, "c3", price="9.01").reject_code == ""

    def test_replace_that_adds_risk_is_checked(self, market):
        risk_limit_set(account="ALICE", max_order_quantity=D(150))
        _order(market.run, "c1", price="9.00")
        with pytest.raises(CancelRejected) as exc:
            market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="c2",
                                                                     orig_cl_ord_id="c1", quantity=D(200),
                                                                     price=D("9.00")))
        assert exc.value.code == "max_order_quantity" and exc.value.ord_status == "new"
        done = _fresh(market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="c3",
                                                                        orig_cl_ord_id="c1", quantity=D(150),
                                                                        price=D("9.00"))))
        assert (done.status, done.quantity, done.cl_ord_id) == ("new", D(150), "c3")


@pytest.mark.django_db
class TestKillSwitch:
    def test_account_kill_switch_refuses_new_orders_and_cancels_every_working_order(self, market):
        for i in range(3):
            _order(market.run, f"a{i}", price="9.00")
        _order(market.run, "b1", account="BOB", price="9.00")
        market.sim.fill(TradingOrder.objects.get(cl_ord_id="a0").routed_cl_ord_id, D(40), D("9.00"))
        assert market.run(kill_switch_engage, account="ALICE", reason="runaway algo") == 3
        statuses = dict(TradingOrder.objects.values_list("cl_ord_id", "status"))
        assert statuses == {"a0": "canceled", "a1": "canceled", "a2": "canceled", "b1": "new"}
        assert TradingOrder.objects.get(cl_ord_id="a0").cum_qty == 40
        assert _order(market.run, "a9").reject_code == "kill_switch"
        assert _order(market.run, "b2", account="BOB", price="9.01").status == "new"
        kill_switch_release(account="ALICE", reason="fixed")
        assert _order(market.run, "a10", price="9.02").status == "new"

    def test_firm_kill_switch_stops_everyone(self, market):
        _order(market.run, "a1", price="9.00")
        _order(market.run, "b1", account="BOB", price="9.00")
        assert market.run(kill_switch_engage, reason="market turmoil") == 2
        assert set(TradingOrder.objects.values_list("status", flat=True)) == {"canceled"}
        assert _order(market.run, "b2", account="BOB").reject_code == "kill_switch"
        assert not market.sim.orders

    def test_kill_switch_without_a_connected_venue_asks_it_later(self, market):
        _order(market.run, "a1", price="9.00")
        gateway_unregister(venue="SIM")
        assert market.run(kill_switch_engage, account="ALICE") == 1
        assert TradingOrder.objects.get(cl_ord_id="a1").status == "pending_cancel"  # live at the venue

    def test_halted_instrument_rejects_new_orders(self, market):
        instrument_update(instrument=market.acme, halted=True)
        assert _order(market.run, "a1").reject_code == "trading_halted"
