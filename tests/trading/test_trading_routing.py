"""The routing outbox: requests accepted where the venue's gateway is not hosted wait, durably, for the
process that hosts it; each is sent once, in the order accepted; a restart sends nothing again."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from racing import race

from oms.trading.gateway import (
    CancelRequest, NewOrder, OrderUpdate, ReplaceRequest, gateway_register, gateway_unregister,
)
from oms.trading.models import OrderRequest, TradingOrder
from oms.trading.services import (
    kill_switch_engage, order_cancel_receive, order_receive, order_replace_receive,
)
from oms.trading.services.routing import routing_dispatch, routing_pending_count

pytestmark = pytest.mark.django_db


class Recorder:
    """A venue that records what it was sent and answers nothing."""

    def __init__(self):
        self.sent = []

    def send_new(self, order):
        self.sent.append(("new", order.cl_ord_id))

    def send_cancel(self, request):
        self.sent.append(("cancel", request.cl_ord_id, request.orig_cl_ord_id))

    def send_replace(self, request):
        self.sent.append(("replace", request.cl_ord_id, request.orig_cl_ord_id, request.quantity))


def new(cl, *, qty="100", price="10.00", account="ALICE"):
    return NewOrder(account=account, cl_ord_id=cl, instrument="ACME", side="buy", order_type="limit",
                    quantity=D(qty), price=D(price))


def fresh(order) -> TradingOrder:
    order.refresh_from_db()
    return order


def test_an_order_entered_without_the_venue_gateway_waits_then_is_routed_once(market):
    gateway_unregister(venue="SIM")  # this process does not host SIM (the API process, say)
    order = market.run(order_receive, new=new("r1"))
    assert fresh(order).status == "pending_new" and not order.reject_code
    assert routing_pending_count(venue="SIM") == 1
    assert market.run(routing_dispatch) == 0  # nothing here can send it: it stays pending

    market.sim.price_set("ACME", D("10.00"))
    gateway_register(venue="SIM", gateway=market.sim)  # the process hosting SIM
    assert market.run(routing_dispatch) == 1
    assert (fresh(order).status, order.cum_qty) == ("filled", D("100"))
    request = OrderRequest.objects.get(order=order)
    assert request.route_pending is False and request.routed_at is not None
    assert [u.ord_status for u in market.updates if u.cl_ord_id == "r1"][-2:] == ["new", "filled"]

    restarted = Recorder()  # the hosting process restarts: a new gateway, nothing is sent again
    gateway_register(venue="SIM", gateway=restarted)
    assert market.run(routing_dispatch) == 0 and restarted.sent == []


def test_requests_are_sent_in_the_order_they_were_accepted(market):
    gateway_unregister(venue="SIM")
    first = market.run(order_receive, new=new("o1"))
    market.run(order_receive, new=new("o2", account="BOB"))
    market.run(order_replace_receive, request=ReplaceRequest(account="ALICE", cl_ord_id="o1-r", orig_cl_ord_id="o1",
                                                             quantity=D("60"), price=D("10.00")))
    assert fresh(first).status == "pending_replace"
    venue = Recorder()
    gateway_register(venue="SIM", gateway=venue)
    assert market.run(routing_dispatch, venue="SIM") == 3
    routed = first.routed_cl_ord_id
    replace = OrderRequest.objects.get(cl_ord_id="o1-r")
    assert venue.sent[0] == ("new", routed) and venue.sent[1][0] == "new"
    assert venue.sent[2] == ("replace", replace.routed_id, routed, D("60"))
    assert routing_pending_count() == 0


def test_a_cancel_waits_for_the_venue_and_is_sent_when_it_is_hosted(market):
    order = market.run(order_receive, new=new("c1", price="9.00"))  # rests at the venue
    assert fresh(order).status == "new"
    gateway_unregister(venue="SIM")
    market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="c1-x", orig_cl_ord_id="c1"))
    assert fresh(order).status == "pending_cancel"  # it is live at the venue: only the venue can cancel it
    gateway_register(venue="SIM", gateway=market.sim)
    assert market.run(routing_dispatch) == 1
    assert fresh(order).status == "canceled" and not market.sim.orders


def test_a_cancel_of_an_order_that_never_left_cancels_it_here(market):
    gateway_unregister(venue="SIM")
    order = market.run(order_receive, new=new("u1"))
    market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="u1-x", orig_cl_ord_id="u1"))
    assert (fresh(order).status, order.leaves_qty) == ("canceled", D("0"))
    venue = Recorder()
    gateway_register(venue="SIM", gateway=venue)
    assert market.run(routing_dispatch) == 0 and venue.sent == []
    assert [u.ord_status for u in market.updates if u.order_id == order.number] == [
        "pending_new", "pending_cancel", "canceled"]


def test_the_kill_switch_cancels_through_the_venue_when_it_comes_back(market):
    resting = market.run(order_receive, new=new("k1", price="9.00"))
    gateway_unregister(venue="SIM")
    waiting = market.run(order_receive, new=new("k2", account="BOB", price="9.00"))
    assert market.run(kill_switch_engage, reason="test") == 2
    assert (fresh(resting).status, fresh(waiting).status) == ("pending_cancel", "canceled")
    gateway_register(venue="SIM", gateway=market.sim)
    assert market.run(routing_dispatch) == 1
    assert fresh(resting).status == "canceled" and not market.sim.orders


def test_a_cancel_the_gateway_cannot_send_is_answered_with_a_cancel_reject(market):
    order = market.run(order_receive, new=new("g1", price="9.00"))

    class Broken(Recorder):
        def send_cancel(self, request):
            raise ConnectionError("link down")

    gateway_register(venue="SIM", gateway=Broken())
    market.run(order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="g1-x", orig_cl_ord_id="g1"))
    assert fresh(order).status == "new"
    [reject] = market.rejects
    assert (reject.cl_ord_id, reject.response_to, reject.ord_status) == ("g1-x", "cancel", "new")
    assert reject.reason.startswith("route_failed")
    assert routing_pending_count() == 0


def test_order_updates_carry_decimals_whatever_they_were_given():
    update = OrderUpdate(account="A", cl_ord_id="c", orig_cl_ord_id=None, order_id="TO-1", exec_id="TO-1-1",
                         exec_type="new", ord_status="new", instrument="ACME", side="buy", order_type="limit",
                         quantity=100, price=None, cum_qty=0, leaves_qty=100, avg_px=0, last_qty=0, last_px=0)
    for name in ("quantity", "cum_qty", "leaves_qty", "avg_px", "last_qty", "last_px"):
        assert type(getattr(update, name)) is D, name
    assert update.price is None and update.avg_px == D("0")


def test_the_announced_average_price_of_a_new_order_is_a_decimal(market):
    market.run(order_receive, new=new("d1", price="9.00"))
    assert market.updates and all(type(u.avg_px) is D and type(u.cum_qty) is D for u in market.updates)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dispatchers_racing_send_each_request_once_in_order(silent_market):
    gateway_unregister(venue="SIM")
    for i in range(30):
        order_receive(new=new(f"p{i}", account="ALICE" if i % 2 else "BOB"))
    venue = Recorder()
    gateway_register(venue="SIM", gateway=venue)
    sent = race(6, lambda i: routing_dispatch(venue="SIM", limit=7, wait=bool(i % 2)))
    while routing_dispatch(venue="SIM", limit=7):
        pass
    assert all(isinstance(n, int) for n in sent), sent
    routed = list(OrderRequest.objects.order_by("id").values_list("routed_id", flat=True))
    assert [cl for _, cl in venue.sent] == routed  # each once, oldest first
    assert routing_pending_count() == 0
