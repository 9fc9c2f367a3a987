"""The FIX layer wired to the trading services and records (the production handlers)."""

from __future__ import annotations

from oms.trading import services
from oms.trading.fix.acceptor import ClientHandlers
from oms.trading.fix.initiator import VenueHandlers
from oms.trading.gateway import NewOrder
from oms.trading.models import OrderRequest


def client_handlers() -> ClientHandlers:
    return ClientHandlers(order_receive=services.order_receive, order_cancel_receive=services.order_cancel_receive,
                          order_replace_receive=services.order_replace_receive)


def venue_handlers() -> VenueHandlers:
    return VenueHandlers(execution_report_apply=services.execution_report_apply,
                         cancel_reject_apply=services.cancel_reject_apply)


def routed_terms(routed_id: str) -> NewOrder | None:
    """The terms a venue knows an order by, for a ClOrdID we routed (used after a restart of the gateway)."""
    request = (OrderRequest.objects.select_related("order__account", "order__instrument", "order__venue")
               .filter(routed_id=routed_id).first())
    if request is None:
        return None
    order = request.order
    replaced = request.kind == OrderRequest.Kind.REPLACE
    return NewOrder(
        account=order.account.code, cl_ord_id=routed_id,
        instrument=order.instrument.symbol if order.instrument_id else order.instrument_ref,
        side=order.side, order_type=order.order_type,
        quantity=request.quantity if replaced and request.quantity is not None else order.quantity,
        time_in_force=(request.time_in_force if replaced and request.time_in_force else order.time_in_force),
        price=request.price if replaced else order.price,
        stop_price=request.stop_price if replaced else order.stop_price,
        expire_at=request.expire_at if replaced else order.expire_at,
        venue=order.venue.code if order.venue_id else None)
