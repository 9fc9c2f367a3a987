"""The routing outbox: what we accepted for a venue is sent by whichever process hosts its gateway.

A venue's gateway lives in one process only (the simulated venue where it was registered, a FIX venue
in the ``oms fix acceptor`` process), while orders, cancels and replaces arrive in any process (the
API, the FIX acceptor, the kill switch). So the transaction that accepts a request only marks it
``route_pending``; ``routing_dispatch`` sends a venue's pending requests, oldest first, and clears the
mark in its own transaction. It runs

- right after the accepting transaction commits, in the same process, when that process hosts the
  venue's gateway (``wait=True``: it queues behind a dispatcher already at work on the venue);
- in the process that hosts the gateway, for requests accepted elsewhere: ``oms fix acceptor`` calls it
  every second for each gateway it hosts (``wait=False``: a venue another dispatcher holds is skipped).

Locks: the venue row first (``SELECT ... FOR UPDATE``, ``SKIP LOCKED`` for the periodic dispatcher):
one dispatcher per venue at a time, so a venue gets the requests in the order they were accepted; then
the orders of the batch. A cancel of an order whose new order was never sent cancels it here and now
(``orders.cancel_request_open``) under the order's lock, so a dispatcher that was waiting for that lock
finds the order canceled and sends nothing. SQLite has no row locks: its writing transaction locks the
whole database, which serialises dispatchers just as well (``FOR UPDATE`` is left out there).

Delivery: the mark is cleared in the transaction that sends, so a process that dies before the send
(or before its commit) leaves the request pending and the next dispatcher sends it; a dispatcher never
sends a request another one has sent. The one window is a crash after the gateway took the message
and before the commit (the FIX initiator stores it in its session store first): the request is sent
again under the same routed ClOrdID, which a venue refuses as a duplicate ClOrdID.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from oms.trading.gateway import (
    CancelReject, CancelRequest, NewOrder, ReplaceRequest, VenueGateway, gateway_for, gateway_venues,
)
from oms.trading.models import OrderRequest, TradingOrder, Venue
from oms.trading.services.common import Journal, order_lock, utc_now
from oms.trading.services.reports import cancel_reject_apply
from oms.trading.states import DONE, OrdStatus, transition_check

log = logging.getLogger(__name__)
S = OrdStatus
BATCH = 200


def routing_dispatch(*, venue: str | None = None, wait: bool = False, limit: int = BATCH) -> int:
    """Send the pending requests of ``venue`` (default: every venue whose gateway this process hosts).

    Returns how many requests were handed to a gateway. A venue without a gateway here is left alone.
    """
    sent = 0
    for code in (venue,) if venue else gateway_venues():
        gateway = gateway_for(code)
        if gateway is not None:
            sent += _venue_dispatch(code, gateway, wait=wait, limit=limit)
    return sent


def routing_pending_count(*, venue: str | None = None) -> int:
    """How many requests wait for their venue (for monitoring and tests)."""
    pending = OrderRequest.objects.filter(route_pending=True)
    return (pending.filter(order__venue__code=venue) if venue else pending).count()


def _venue_dispatch(code: str, gateway: VenueGateway, *, wait: bool, limit: int) -> int:
    now = utc_now()
    with transaction.atomic():
        venue = Venue.objects.select_for_update(skip_locked=not wait).filter(code=code).first()
        if venue is None:  # another dispatcher holds the venue (or it does not exist)
            return 0
        requests = list(OrderRequest.objects.select_for_update(of=("order",))
                        .select_related("order", "order__account", "order__instrument", "order__venue")
                        .filter(route_pending=True, order__venue=venue).order_by("id")[:limit])
        if not requests:
            return 0
        OrderRequest.objects.filter(pk__in=[r.pk for r in requests]).update(route_pending=False, routed_at=now)
        return sum(_send(gateway, venue, request) for request in requests)


def _send(gateway: VenueGateway, venue: Venue, request: OrderRequest) -> int:
    order = request.order
    try:
        if request.kind == OrderRequest.Kind.NEW:
            if order.status in DONE:  # canceled before it left (read under the order's lock)
                return 0
            # Recorded before the send (the simulated venue answers within it): the regulator's "routed" time.
            journal = Journal()
            journal.add(order, "routed", "pending_new", details={"venue": venue.code, "routed_id": request.routed_id})
            order.save(update_fields=["event_count", "updated_at"])
            journal.flush()
            gateway.send_new(NewOrder(
                account=order.account.code, cl_ord_id=request.routed_id, instrument=order.instrument.symbol,
                side=order.side, order_type=order.order_type, quantity=order.quantity,
                time_in_force=order.time_in_force, price=order.price, stop_price=order.stop_price,
                expire_at=order.expire_at, venue=venue.code, block_id=order.block_id or None))
            return 1
        if not OrderRequest.objects.filter(pk=request.pk, status=OrderRequest.Status.PENDING).exists():
            return 0  # overtaken meanwhile (the order was filled, canceled or expired)
        if request.kind == OrderRequest.Kind.CANCEL:
            gateway.send_cancel(CancelRequest(account=order.account.code, cl_ord_id=request.routed_id,
                                              orig_cl_ord_id=request.orig_routed_id))
        else:
            gateway.send_replace(ReplaceRequest(
                account=order.account.code, cl_ord_id=request.routed_id, orig_cl_ord_id=request.orig_routed_id,
                quantity=request.quantity, price=request.price, stop_price=request.stop_price,
                time_in_force=request.time_in_force or None, expire_at=request.expire_at))
        return 1
    except Exception as exc:  # noqa: BLE001 - whatever the gateway raised, the request must not stay pending
        log.exception("routing %s %s to %s failed", request.kind, request.routed_id, venue.code)
        if request.kind == OrderRequest.Kind.NEW:
            order_local_reject(order_id=order.pk, code="route_failed", text=f"Routing failed: {exc}")
        else:  # answered as the venue would: the client gets an OrderCancelReject
            cancel_reject_apply(reject=CancelReject(
                venue=venue.code, cl_ord_id=request.routed_id, orig_cl_ord_id=request.orig_routed_id,
                ord_status=order.status, reason=f"route_failed: {exc}"[:300], response_to=request.kind))
        return 0


def order_local_reject(*, order_id: int, code: str, text: str) -> TradingOrder:
    """Reject a pending-new order ourselves (its venue cannot be reached)."""
    with transaction.atomic():
        order = order_lock(order_id)
        if order.status != S.PENDING_NEW:
            return order
        transition_check(order.status, S.REJECTED)
        order.status, order.leaves_qty, order.reject_code, order.reject_text = S.REJECTED, Decimal(0), code, text[:300]
        journal = Journal()
        journal.add(order, "rejected", "rejected", reject_code=code, text=text)
        order.save()
        journal.flush()
    return order
