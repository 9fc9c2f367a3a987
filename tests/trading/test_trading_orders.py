"""Orders through the services and the simulated venue: bad input, fills, positions, IOC/FOK, duplicates, blocks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from oms.core.models import AuditRecord, OutboxEvent
from oms.core.services.audit import audit_verify
from oms.trading.allocation import AllocationInvalid
from oms.trading.fills import FillRejected
from oms.trading.gateway import (
    CancelRequest, ExecutionReport, NewOrder, ReplaceRequest, gateway_register, gateway_unregister,
)
from oms.trading.positions import PositionState
from oms.trading.models import Allocation, Execution, OrderEvent, OrderRequest, Position, TradingOrder
from oms.trading.services import (
    CancelRejected, OrderRejected, UnknownOrder, allocation_create, execution_report_apply, order_cancel_receive,
    order_receive, order_replace_receive, positions_check, trading_day_end, venue_create,
)
from oms.trading.services.common import utc_now
from oms.trading.simulator import SimulatedVenue

pytestmark = pytest.mark.django_db


def new(cl, *, account="ALICE", side="buy", qty="100", price="10.00", instrument="ACME", order_type=None, **kw):
    return NewOrder(account=account, cl_ord_id=cl, instrument=instrument, side=side,
                    order_type=order_type or ("limit" if price else "market"), quantity=D(qty),
                    price=D(price) if price else None, **kw)


def place(market, cl, **kw):
    order = market.run(order_receive, new=new(cl, **kw))
    order.refresh_from_db()
    return order


BAD_INPUT = [
    ({"instrument": "NOPE"}, "unknown_instrument"),
    ({"price": "10.005"}, "too_many_decimals"),
    ({"instrument": "BND", "price": "10.002"}, "off_tick_size"),
    ({"instrument": "BND", "qty": "15", "price": "10.005"}, "off_lot_size"),
    ({"qty": "1.5"}, "too_many_decimals"),
    ({"order_type": "market"}, "price_not_allowed"),
    ({"order_type": "limit", "price": None}, "price_required"),
    ({"time_in_force": "gtd"}, "expiry_required"),
    ({"time_in_force": "gtd", "expire_at": "past"}, "expiry_in_past"),
    ({"venue": "NASDAQ"}, "unknown_venue"),
    ({"side": "sideways"}, "invalid_side"),
]


@pytest.mark.parametrize("changes, code", BAD_INPUT, ids=[c for _, c in BAD_INPUT])
def test_bad_input_is_recorded_as_rejected_with_a_code(market, changes, code):
    if changes.get("expire_at") == "past":
        changes["expire_at"] = utc_now() - timedelta(minutes=1)
    order = place(market, "c1", **changes)
    assert (order.status, order.reject_code, order.leaves_qty, order.cum_qty) == ("rejected", code, 0, 0)
    assert order.reject_text
    assert market.updates[-1].exec_type == "rejected" and market.updates[-1].reject_code == code
    assert market.sim.sent == [] and Execution.objects.count() == 0 and Position.objects.count() == 0


def test_what_cannot_be_recorded_raises(market):
    with pytest.raises(OrderRejected) as exc:
        market.run(order_receive, new=new("c1", account="NOBODY"))
    assert exc.value.code == "unknown_account"
    place(market, "c1", price="9.00")
    with pytest.raises(OrderRejected) as exc:
        market.run(order_receive, new=new("c1", price="9.01"))
    assert exc.value.code == "duplicate_cl_ord_id" and exc.value.status == 409
    for qty, code in (("0", "invalid_quantity"), ("-5", "invalid_quantity"), ("1.00001", "too_many_decimals")):
        with pytest.raises(OrderRejected) as exc:
            market.run(order_receive, new=new("c9", qty=qty))
        assert exc.value.code == code
    assert TradingOrder.objects.count() == 1 and OrderRequest.objects.count() == 1


def test_partial_fills_position_and_pnl(market):
    market.sim.fill_size = D(40)
    market.sim.price_set("ACME", D("10.00"))
    order = place(market, "c1", qty="100")
    assert (order.status, order.cum_qty, order.leaves_qty) == ("partially_filled", 40, 60)
    market.sim.price_set("ACME", D("9.98"))
    market.sim.price_set("ACME", D("9.99"))
    order.refresh_from_db()
    assert (order.status, order.cum_qty, order.leaves_qty, order.avg_px) == ("filled", 100, 0, D("9.99"))
    # 40 @ 10.00 + 40 @ 9.98 + 20 @ 9.99 = 999.00
    sell = place(market, "c2", side="sell", qty="50", price="10.50", time_in_force="gtc")
    assert sell.status == "new"
    market.sim.price_set("ACME", D("10.50"))
    market.sim.price_set("ACME", D("10.51"))
    position = Position.objects.get(account=market.alice, instrument=market.acme)
    # FIFO: the 40 bought at 10.00 sold at 10.50, then 10 of the 9.98 lot at 10.51
    assert position.quantity == 50 and position.realised_pnl == D("20.00") + D("5.30")
    state = PositionState.from_json(position.state)
    assert state.lots == ((D(30), D("9.98")), (D(20), D("9.99")))
    assert state.unrealised(D("11")) == D(50) * 11 - (D(30) * D("9.98") + D(20) * D("9.99"))
    assert positions_check() == []


def test_average_cost_account(market):
    market.sim.price_set("ACME", D("10.00"))
    place(market, "b1", account="BOB", qty="100")
    market.sim.price_set("ACME", D("11.00"))
    place(market, "b2", account="BOB", qty="100", price="11.00")
    market.sim.price_set("ACME", D("12.00"))
    place(market, "b3", account="BOB", side="sell", qty="150", price="12.00")
    position = Position.objects.get(account=market.bob)
    assert (position.quantity, position.avg_cost, position.realised_pnl) == (50, D("10.5"), D("225"))
    assert positions_check() == []


def test_ioc_keeps_what_fills_at_once_fok_fills_all_or_nothing(market):
    market.sim.liquidity = D(30)
    market.sim.price_set("ACME", D("10.00"))
    ioc = place(market, "c1", qty="100", time_in_force="ioc")
    assert (ioc.status, ioc.cum_qty, ioc.leaves_qty) == ("canceled", 30, 0)
    fok = place(market, "c2", qty="100", time_in_force="fok")
    assert (fok.status, fok.cum_qty) == ("canceled", 0)
    market.sim.liquidity = None
    fok = place(market, "c3", qty="100", time_in_force="fok")
    assert (fok.status, fok.cum_qty) == ("filled", 100)
    nothing = place(market, "c4", qty="100", price="9.00", time_in_force="ioc")
    assert (nothing.status, nothing.cum_qty) == ("canceled", 0)


def test_duplicate_exec_id_is_ignored_and_overfills_refused(market):
    order = place(market, "c1", price="9.00")
    report = ExecutionReport(venue="SIM", exec_id="F1", exec_type="trade", ord_status="partially_filled",
                             cl_ord_id=order.routed_cl_ord_id, last_qty=D(60), last_px=D("9.00"))
    market.run(execution_report_apply, report=report)
    market.run(execution_report_apply, report=report)
    order.refresh_from_db()
    assert order.cum_qty == 60 and Execution.objects.filter(exec_id="F1").count() == 1
    assert Position.objects.get().quantity == 60
    counts = (OrderEvent.objects.count(), AuditRecord.objects.count(), OutboxEvent.objects.count())
    with pytest.raises(FillRejected) as exc:
        market.run(execution_report_apply, report=ExecutionReport(
            venue="SIM", exec_id="F2", exec_type="trade", ord_status="filled", cl_ord_id=order.routed_cl_ord_id,
            last_qty=D(41), last_px=D("9.00")))
    assert exc.value.code == "fill_exceeds_order"
    with pytest.raises(UnknownOrder):
        market.run(execution_report_apply, report=ExecutionReport(
            venue="SIM", exec_id="F3", exec_type="trade", ord_status="filled", cl_ord_id="NOT-OURS",
            last_qty=D(1), last_px=D("9.00")))
    with pytest.raises(UnknownOrder):  # the right ClOrdID from the wrong venue
        market.run(execution_report_apply, report=ExecutionReport(
            venue="OTHER", exec_id="F4", exec_type="trade", ord_status="filled", cl_ord_id=order.routed_cl_ord_id,
            last_qty=D(1), last_px=D("9.00")))
    assert (OrderEvent.objects.count(), AuditRecord.objects.count(), OutboxEvent.objects.count()) == counts
    order.refresh_from_db()
    assert order.cum_qty == 60 and order.leaves_qty == 40


def test_cancel_and_replace_refusals(market):
    order = place(market, "c1", price="9.00")
    with pytest.raises(CancelRejected) as exc:
        market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="x1",
                                                               orig_cl_ord_id="unknown"))
    assert exc.value.code == "unknown_order" and exc.value.ord_status is None
    with pytest.raises(CancelRejected) as exc:
        market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="c1", orig_cl_ord_id="c1"))
    assert exc.value.code == "duplicate_cl_ord_id" and exc.value.ord_status == "new"
    with pytest.raises(CancelRejected) as exc:
        market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="r1",
                                                                 orig_cl_ord_id="c1", quantity=D(100),
                                                                 price=D("9.001")))
    assert exc.value.code == "too_many_decimals"
    market.sim.refuse_cancels = "closing auction"
    market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="x2", orig_cl_ord_id="c1"))
    order.refresh_from_db()
    assert order.status == "new" and market.rejects[-1].reason == "closing auction"
    market.sim.refuse_cancels = None
    market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="r2", orig_cl_ord_id="c1",
                                                             quantity=D(200), price=D("9.50")))
    order.refresh_from_db()
    assert (order.status, order.quantity, order.price, order.cl_ord_id, order.orig_cl_ord_id) == (
        "new", 200, D("9.50"), "r2", "c1")
    market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="x3", orig_cl_ord_id="r2"))
    order.refresh_from_db()
    assert order.status == "canceled"
    with pytest.raises(CancelRejected) as exc:
        market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="r3",
                                                                 orig_cl_ord_id="r2", quantity=D(100),
                                                                 price=D("9.00")))
    assert exc.value.code == "order_done" and exc.value.ord_status == "canceled"


def test_venue_reject_halt_and_resume(market):
    market.sim.reject_next = "instrument not tradable"
    rejected = place(market, "c1")
    assert (rejected.status, rejected.reject_code, rejected.reject_text) == (
        "rejected", "venue_reject", "instrument not tradable")
    order = place(market, "c2", price="9.00")
    market.sim.halt("ACME")
    order.refresh_from_db()
    assert order.status == "suspended"
    market.sim.price_set("ACME", D("9.00"))
    order.refresh_from_db()
    assert order.status == "suspended" and order.cum_qty == 0
    market.sim.resume("ACME")
    order.refresh_from_db()
    assert order.status == "filled"


def test_block_order_allocated_by_percent_and_reversed_by_a_bust(market):
    market.sim.fill_size = D(50)
    market.sim.price_set("ACME", D("10.00"))
    block = place(market, "blk1", account="BLOCK", qty="100", price="10.01", block_id="B-1")
    market.sim.price_set("ACME", D("10.01"))
    block.refresh_from_db()
    assert block.status == "filled" and block.avg_px == D("10.005")
    assert not Position.objects.exists()  # a block's fills wait for their allocation
    with pytest.raises(AllocationInvalid):
        allocation_create(order=block.number, method="percent", splits=[("ALICE", "50"), ("BOB", "40")])
    parts = allocation_create(order=block.number, method="percent",
                              splits=[("ALICE", "33.33"), ("BOB", "33.33"), ("BLOCK", "33.34")])
    assert [(a.account.code, a.quantity, a.gross) for a in parts] == [
        ("ALICE", 33, D("330.17")), ("BOB", 33, D("330.16")), ("BLOCK", 34, D("340.17"))]
    assert sum(a.gross for a in parts) == D("1000.50")
    assert {p.account.code: p.quantity for p in Position.objects.all()} == {"ALICE": 33, "BOB": 33, "BLOCK": 34}
    assert positions_check() == []
    with pytest.raises(Exception) as exc:
        allocation_create(order=block.number, method="quantity", splits=[("ALICE", "100")])
    assert exc.value.code == "already_allocated"
    first_fill = Execution.objects.filter(order=block, is_fill=True).order_by("id").first()
    market.sim.bust(first_fill.exec_id)
    block.refresh_from_db()
    assert (block.status, block.cum_qty, block.leaves_qty) == ("partially_filled", 50, 50)
    assert set(Allocation.objects.values_list("status", flat=True)) == {"reversed"}
    assert {p.account.code: p.quantity for p in Position.objects.all()} == {"ALICE": 0, "BOB": 0, "BLOCK": 0}
    assert positions_check() == []


def test_allocation_by_quantity(market):
    market.sim.price_set("ACME", D("10.00"))
    block = place(market, "blk1", account="BLOCK", qty="100", block_id="B-2")
    parts = allocation_create(order=block, method="quantity", splits=[("ALICE", "70"), ("BOB", "30")])
    assert [(a.account.code, a.quantity, a.avg_px) for a in parts] == [("ALICE", 70, D(10)), ("BOB", 30, D(10))]
    not_block = place(market, "c1", qty="10")
    with pytest.raises(Exception) as exc:
        allocation_create(order=not_block, method="quantity", splits=[("ALICE", "10")])
    assert exc.value.code == "not_a_block_order"


def test_events_are_in_the_audit_chain_with_microseconds(market):
    market.sim.price_set("ACME", D("10.00"))
    order = place(market, "c1")
    events = list(OrderEvent.objects.filter(order=order).values_list("event", "seq"))
    assert events == [("received", 1), ("routed", 2), ("acknowledged", 3), ("filled", 4)]
    records = AuditRecord.objects.filter(object_type="trading.order", object_id=str(order.pk)).order_by("id")
    assert [r.action for r in records] == ["trading_order.received", "trading_order.routed",
                                           "trading_order.acknowledged", "trading_order.filled"]
    assert all("." in r.changes["at"] for r in records)  # microseconds kept
    assert audit_verify().ok


def test_a_second_simulated_venue(market):
    venue_create(code="SIM2", name="Second")
    sim2 = SimulatedVenue(venue="SIM2")
    gateway_register(venue="SIM2", gateway=sim2)
    try:
        sim2.price_set("ACME", D("10.00"))
        order = place(market, "c1", venue="SIM2")
        assert order.status == "filled" and order.venue.code == "SIM2"
    finally:
        gateway_unregister(venue="SIM2")


def test_stop_orders_wait_for_their_stop_price(market):
    market.sim.price_set("ACME", D("10.00"))
    stop = place(market, "s1", order_type="stop", price=None, stop_price=D("10.50"))
    stop_limit = place(market, "s2", side="sell_short", order_type="stop_limit", price=D("9.40"),
                       stop_price=D("9.50"))
    assert (stop.status, stop_limit.status) == ("new", "new")
    market.sim.price_set("ACME", D("10.60"))
    stop.refresh_from_db()
    assert stop.status == "filled" and stop.avg_px == D("10.60")
    market.sim.price_set("ACME", D("9.45"))
    stop_limit.refresh_from_db()
    assert stop_limit.status == "filled" and stop_limit.avg_px == D("9.45")


def test_gtd_orders_expire_with_the_day_their_expiry_falls_in(market):
    now = utc_now()
    today = place(market, "g1", price="9.00", time_in_force="gtd", expire_at=now + timedelta(minutes=5))
    later = place(market, "g2", price="9.00", time_in_force="gtd", expire_at=now + timedelta(days=3))
    assert market.run(trading_day_end, day=now.date()) == {"expired": 1, "kept_working": 1}
    today.refresh_from_db()
    later.refresh_from_db()
    assert (today.status, later.status) == ("expired", "new")


def test_a_block_sell_is_not_held_to_the_block_accounts_holdings(market):
    order = place(market, "bs1", account="BLOCK", side="sell", block_id="B-S", price="9.00")
    assert order.status == "new"


def test_a_gateway_that_fails_rejects_the_order(market):
    class Broken:
        def send_new(self, order):
            raise ConnectionError("link down")

    gateway_register(venue="SIM", gateway=Broken())
    order = place(market, "x", price="9.00")
    assert (order.status, order.reject_code) == ("rejected", "route_failed")
