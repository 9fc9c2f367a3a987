"""The FIX 4.4 Appendix D order state scenarios, table-driven, through the services and a venue we script.

Each scenario is a list of steps: what happens (a client request or a venue report) and the order's
(status, quantity, cum, leaves) afterwards. A ``ScriptedVenue`` records what we route and the test
plays the venue's part, so each report is exactly the one the scenario names.
"""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest

from oms.core.errors import InvalidTransition
from oms.trading.gateway import (
    CancelReject, CancelRequest, ExecutionReport, NewOrder, ReplaceRequest, gateway_register,
)
from oms.trading.models import Execution, TradingOrder
from oms.trading.services import (
    CancelRejected, cancel_reject_apply, execution_report_apply, order_cancel_receive, order_receive,
    order_replace_receive, positions_check, trading_day_end,
)
from oms.trading.states import DONE, TRANSITIONS

pytestmark = pytest.mark.django_db


class ScriptedVenue:
    """Records what we send; the test answers for the venue."""

    def __init__(self):
        self.sent = []

    def send_new(self, order):
        self.sent.append(order)

    def send_cancel(self, request):
        self.sent.append(request)

    def send_replace(self, request):
        self.sent.append(request)


class Player:
    def __init__(self, market, tif="day", order_type="limit", quantity="10000", price="10.00"):
        self.market = market
        self.venue = ScriptedVenue()
        gateway_register(venue="SIM", gateway=self.venue)
        self.ids = itertools.count(1)
        self.fills: list[str] = []
        self.tif, self.order_type, self.quantity, self.price = tif, order_type, quantity, price
        self.order = None
        self.client_ids = itertools.count(2)

    def last_sent(self, kind):
        return [m for m in self.venue.sent if isinstance(m, kind)][-1]

    def report(self, exec_type, ord_status, *, cl=None, orig=None, **kw):
        report = ExecutionReport(venue="SIM", exec_id=f"V{next(self.ids)}", exec_type=exec_type,
                                 ord_status=ord_status, cl_ord_id=cl or self.order.routed_cl_ord_id,
                                 orig_cl_ord_id=orig, **kw)
        self.market.run(execution_report_apply, report=report)
        return report

    def step(self, action, arg):
        m = self.market
        if action == "new":
            price = None if self.order_type == "market" else D(self.price)
            self.order = m.run(order_receive, new=NewOrder(
                account="ALICE", cl_ord_id="C1", instrument="ACME", side="buy", order_type=self.order_type,
                quantity=D(self.quantity), price=price, time_in_force=self.tif))
        elif action == "ack":
            self.report("new", "new")
        elif action == "reject":
            self.report("rejected", "rejected", text="unknown symbol at venue")
        elif action == "fill":
            qty, px = arg
            # Fills while a cancel or replace is pending carry the original order's ClOrdID.
            self.fills.append(self.report("trade", "partially_filled", last_qty=D(qty), last_px=D(px)).exec_id)
        elif action == "cancel":
            m.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id=f"C{next(self.client_ids)}",
                                                              orig_cl_ord_id=self._client_cl()))
        elif action == "canceled":
            sent = self.last_sent(CancelRequest)
            self.report("canceled", "canceled", cl=sent.cl_ord_id, orig=sent.orig_cl_ord_id)
        elif action == "replace":
            qty, px = arg
            m.run(order_replace_receive, request=ReplaceRequest(
                account="ALICE", cl_ord_id=f"C{next(self.client_ids)}", orig_cl_ord_id=self._client_cl(),
                quantity=D(qty), price=D(px)))
        elif action == "replaced":
            sent = self.last_sent(ReplaceRequest)
            self.report("replaced", "new", cl=sent.cl_ord_id, orig=sent.orig_cl_ord_id)
        elif action == "cancel_reject":
            sent = self.venue.sent[-1]
            m.run(cancel_reject_apply, reject=CancelReject(venue="SIM", cl_ord_id=sent.cl_ord_id,
                                                          orig_cl_ord_id=sent.orig_cl_ord_id, ord_status="filled",
                                                          reason="too late to cancel"))
        elif action == "unsolicited_cancel":
            self.report("canceled", "canceled", text="venue canceled the order")
        elif action == "bust":
            self.report("trade_cancel", "new", ref_exec_id=self.fills[arg], last_qty=D(0))
        elif action == "correct":
            index, qty, px = arg
            self.fills.append(self.report("trade_correct", "new", ref_exec_id=self.fills[index],
                                          last_qty=D(qty), last_px=D(px)).exec_id)
        elif action in ("done_for_day", "expired", "suspended"):
            self.report(action, action)
        elif action == "restated":
            self.report("restated", "new", text="trading resumed")
        elif action == "day_end":
            m.run(trading_day_end)
        elif action == "cancel_refused":
            with pytest.raises(CancelRejected) as refused:
                m.run(order_cancel_receive, request=CancelRequest(
                    account="ALICE", cl_ord_id=f"C{next(self.client_ids)}", orig_cl_ord_id=self._client_cl()))
            assert refused.value.code == arg
        elif action == "replace_refused":
            code, qty, px = arg
            with pytest.raises(CancelRejected) as refused:
                m.run(order_replace_receive, request=ReplaceRequest(
                    account="ALICE", cl_ord_id=f"C{next(self.client_ids)}", orig_cl_ord_id=self._client_cl(),
                    quantity=D(qty), price=D(px)))
            assert refused.value.code == code
        else:
            raise AssertionError(action)
        self.order = TradingOrder.objects.get(pk=self.order.pk)

    def _client_cl(self):
        return TradingOrder.objects.get(pk=self.order.pk).cl_ord_id


# (action, argument, (status, quantity, cum, leaves))
SCENARIOS = {
    "D1 vanilla: filled in parts": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("2000", "10.00"), ("partially_filled", 10000, 2000, 8000)),
        ("fill", ("1000", "10.01"), ("partially_filled", 10000, 3000, 7000)),
        ("fill", ("7000", "10.00"), ("filled", 10000, 10000, 0)),
    ],
    "D2 part-filled day order, done for day": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("2000", "10.00"), ("partially_filled", 10000, 2000, 8000)),
        ("done_for_day", None, ("done_for_day", 10000, 2000, 8000)),
    ],
    "D3 cancel a zero-filled order after ack": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("cancel", None, ("pending_cancel", 10000, 0, 10000)),
        ("canceled", None, ("canceled", 10000, 0, 0)),
        ("cancel_refused", "order_done", ("canceled", 10000, 0, 0)),
    ],
    "D4 cancel before the venue acknowledged the order": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("cancel", None, ("pending_cancel", 10000, 0, 10000)),
        ("canceled", None, ("canceled", 10000, 0, 0)),
    ],
    "D5 cancel a part-filled order; a fill arrives while the cancel is pending": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
        ("cancel", None, ("pending_cancel", 10000, 1000, 9000)),
        ("fill", ("1000", "10.00"), ("pending_cancel", 10000, 2000, 8000)),
        ("canceled", None, ("canceled", 10000, 2000, 0)),
    ],
    "D6 cancel rejected: the order filled while the cancel was pending": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("cancel", None, ("pending_cancel", 10000, 0, 10000)),
        ("fill", ("10000", "10.00"), ("filled", 10000, 10000, 0)),
        ("cancel_reject", None, ("filled", 10000, 10000, 0)),
    ],
    "D7 cancel rejected: the order goes back to working": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("3000", "10.00"), ("partially_filled", 10000, 3000, 7000)),
        ("cancel", None, ("pending_cancel", 10000, 3000, 7000)),
        ("cancel_reject", None, ("partially_filled", 10000, 3000, 7000)),
    ],
    "D8 replace up; fills while pending carry the original terms": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
        ("replace", ("12000", "10.00"), ("pending_replace", 10000, 1000, 9000)),
        ("fill", ("9000", "10.00"), ("filled", 10000, 10000, 0)),
        ("replaced", None, ("partially_filled", 12000, 10000, 2000)),
        ("fill", ("2000", "10.00"), ("filled", 12000, 12000, 0)),
    ],
    "D9 replace down, above the filled quantity": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
        ("replace", ("8000", "10.00"), ("pending_replace", 10000, 1000, 9000)),
        ("replaced", None, ("partially_filled", 8000, 1000, 7000)),
    ],
    "D10 replace down to or below the filled quantity leaves the order filled": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("3000", "10.00"), ("partially_filled", 10000, 3000, 7000)),
        ("replace", ("2000", "10.00"), ("pending_replace", 10000, 3000, 7000)),
        ("replaced", None, ("filled", 3000, 3000, 0)),
        ("replace_refused", ("order_done", "5000", "10.00"), ("filled", 3000, 3000, 0)),
    ],
    "D11 replace rejected by the venue": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("replace", ("11000", "10.01"), ("pending_replace", 10000, 0, 10000)),
        ("cancel_reject", None, ("new", 10000, 0, 10000)),
    ],
    "D12 unsolicited cancel by the venue": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("4000", "10.00"), ("partially_filled", 10000, 4000, 6000)),
        ("unsolicited_cancel", None, ("canceled", 10000, 4000, 0)),
    ],
    "D13 order rejected by the venue": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("reject", None, ("rejected", 10000, 0, 0)),
        ("cancel_refused", "order_done", ("rejected", 10000, 0, 0)),
    ],
    "D14 trade bust reopens a filled order; trade correct amends a fill": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("4000", "10.00"), ("partially_filled", 10000, 4000, 6000)),
        ("fill", ("6000", "10.02"), ("filled", 10000, 10000, 0)),
        ("bust", 1, ("partially_filled", 10000, 4000, 6000)),
        ("correct", (0, "3000", "9.99"), ("partially_filled", 10000, 3000, 7000)),
        ("fill", ("7000", "10.00"), ("filled", 10000, 10000, 0)),
    ],
    "D15 bust on a canceled order reduces what was filled, the order stays canceled": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("4000", "10.00"), ("partially_filled", 10000, 4000, 6000)),
        ("unsolicited_cancel", None, ("canceled", 10000, 4000, 0)),
        ("bust", 0, ("canceled", 10000, 0, 0)),
    ],
    "D16 trading halt and reinstatement": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
        ("suspended", None, ("suspended", 10000, 1000, 9000)),
        ("restated", None, ("partially_filled", 10000, 1000, 9000)),
        ("fill", ("9000", "10.00"), ("filled", 10000, 10000, 0)),
    ],
    "D17 venue expires an order": [
        ("new", None, ("pending_new", 10000, 0, 10000)),
        ("ack", None, ("new", 10000, 0, 10000)),
        ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
        ("expired", None, ("expired", 10000, 1000, 0)),
    ],
}

GTC_SCENARIO = [  # GT orders across days: the day's end expires DAY orders and keeps GTC ones working
    ("new", None, ("pending_new", 10000, 0, 10000)),
    ("ack", None, ("new", 10000, 0, 10000)),
    ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
    ("day_end", None, ("partially_filled", 10000, 1000, 9000)),
    ("fill", ("9000", "10.00"), ("filled", 10000, 10000, 0)),
]

DAY_SCENARIO = [
    ("new", None, ("pending_new", 10000, 0, 10000)),
    ("ack", None, ("new", 10000, 0, 10000)),
    ("fill", ("1000", "10.00"), ("partially_filled", 10000, 1000, 9000)),
    ("day_end", None, ("expired", 10000, 1000, 0)),
]


def _play(market, steps, **order_kw):
    player = Player(market, **order_kw)
    for i, (action, arg, (status, quantity, cum, leaves)) in enumerate(steps):
        player.step(action, arg)
        order = player.order
        got = (order.status, order.quantity, order.cum_qty, order.leaves_qty)
        assert got == (status, D(quantity), D(cum), D(leaves)), f"step {i} {action}: {got}"
        if order.status in DONE:
            assert order.leaves_qty == 0
        else:
            assert order.quantity == order.cum_qty + order.leaves_qty
    fills = Execution.objects.filter(order=player.order, is_fill=True, status="active")
    notional = sum((e.last_qty * e.last_px for e in fills), D(0))
    cum = sum((e.last_qty for e in fills), D(0))
    assert player.order.cum_qty == cum
    if cum:
        assert player.order.avg_px == (notional / cum).quantize(D("1e-8"))
    assert positions_check() == []
    return player


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_appendix_d_scenario(market, name):
    _play(market, SCENARIOS[name])


def test_gtc_order_survives_the_day_end(market):
    _play(market, GTC_SCENARIO, tif="gtc")


def test_day_order_expires_at_the_day_end(market):
    _play(market, DAY_SCENARIO, tif="day")


def test_every_event_announced_with_the_clients_ids(market):
    player = _play(market, SCENARIOS["D8 replace up; fills while pending carry the original terms"])
    updates = [(u.exec_type, u.ord_status, u.cl_ord_id, u.orig_cl_ord_id) for u in market.updates]
    assert updates == [
        ("pending_new", "pending_new", "C1", None), ("new", "new", "C1", None),
        ("trade", "partially_filled", "C1", None), ("pending_replace", "pending_replace", "C2", "C1"),
        ("trade", "filled", "C1", None), ("replaced", "partially_filled", "C2", "C1"),
        ("trade", "filled", "C2", "C1"),
    ]
    assert all(u.order_id == player.order.number for u in market.updates)


def test_cancel_reject_is_announced_for_an_order_cancel_reject(market):
    _play(market, SCENARIOS["D7 cancel rejected: the order goes back to working"])
    [reject] = market.rejects
    assert (reject.cl_ord_id, reject.orig_cl_ord_id, reject.response_to, reject.ord_status) == (
        "C2", "C1", "cancel", "partially_filled")


def test_transition_table_refuses_what_fix_does_not_allow(market):
    player = Player(market)
    player.step("new", None)
    with pytest.raises(InvalidTransition):
        player.report("done_for_day", "done_for_day")  # not before the venue acknowledged it
    player.step("reject", None)
    with pytest.raises(InvalidTransition):
        player.report("new", "new")
    assert TRANSITIONS["rejected"] == frozenset() and TRANSITIONS["denied"] == frozenset()
