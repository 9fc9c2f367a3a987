"""Trading API: orders (new, cancel, replace, list, get, events), executions, positions, allocations."""

from __future__ import annotations

from datetime import date, datetime, timezone

from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.money import to_decimal
from oms.trading.api.schemas import (
    AllocationIn, AllocationOut, CancelIn, ExecutionPage, OrderEventOut, OrderIn, OrderOut, OrderPage, PositionOut,
    ReplaceIn,
)
from oms.trading.gateway import CancelRequest, NewOrder, ReplaceRequest
from oms.trading.selectors import (
    OrderFilter, allocations_list, executions_list, order_events, order_get, orders_list, position_unrealised,
    positions_list,
)
from oms.trading.services import allocation_create, order_cancel_receive, order_receive, order_replace_receive

router = Router(tags=["trading"])


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _dec(value, field: str):
    return None if value is None else to_decimal(value, field=field)


def _out(order) -> dict:
    return OrderOut.from_orm(order_get(ref=order.number)).model_dump(mode="json")


@router.post("/trading/orders", response={201: OrderOut, 422: dict})
def orders_new(request, payload: OrderIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """A new order. Accepted: 201 with the order (pending_new, routed after commit). Rejected by its
    terms or denied by a risk check: 422 with the reject code; the order is recorded all the same."""
    require_perm(request, "trading.add_tradingorder")

    def action():
        new = NewOrder(account=payload.account, cl_ord_id=payload.cl_ord_id, instrument=payload.instrument,
                       side=payload.side, order_type=payload.order_type,
                       quantity=to_decimal(payload.quantity, field="quantity"), time_in_force=payload.time_in_force,
                       price=_dec(payload.price, "price"), stop_price=_dec(payload.stop_price, "stop_price"),
                       expire_at=_utc(payload.expire_at), venue=payload.venue, block_id=payload.block_id)
        order = order_receive(new=new, source="api")
        body = _out(order)
        if order.reject_code:
            event = order.events.filter(event__in=["rejected", "denied"]).first()
            field = event.details.get("field") if event else None
            return 422, {"error": {"code": order.reject_code, "message": order.reject_text, "field": field,
                                   "order": body}}
        return 201, body

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


class OrderListQuery(Schema):
    account: str | None = None
    instrument: str | None = None
    status: str | None = Field(None, description="One status or several separated by commas")
    working: bool | None = Field(None, description="true: only orders still working")
    block_id: str | None = None
    cursor: str | None = None
    limit: int | None = None


@router.get("/trading/orders", response=OrderPage)
def orders_index(request, query: Query[OrderListQuery]):
    require_perm(request, "trading.view_tradingorder")
    filters = OrderFilter(**query.dict(exclude={"cursor", "limit"}))
    return page_of(orders_list(filters=filters), cursor=query.cursor, limit=query.limit)


@router.get("/trading/orders/{number}", response=OrderOut)
def orders_get(request, number: str):
    require_perm(request, "trading.view_tradingorder")
    return order_get(ref=number)


@router.get("/trading/orders/{number}/events", response=list[OrderEventOut])
def orders_events(request, number: str):
    """Every event of the order, in order, with UTC microsecond timestamps (append-only)."""
    require_perm(request, "trading.view_tradingorder")
    return list(order_events(order=order_get(ref=number)))


@router.post("/trading/orders/{number}/cancel", response=OrderOut)
def orders_cancel(request, number: str, payload: CancelIn,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Ask the venue to cancel: the order goes pending_cancel (canceled once the venue confirms)."""
    require_perm(request, "trading.change_tradingorder")

    def action():
        order = order_get(ref=number)
        order = order_cancel_receive(request=CancelRequest(account=order.account.code, cl_ord_id=payload.cl_ord_id,
                                                           orig_cl_ord_id=order.cl_ord_id))
        return 200, _out(order)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/trading/orders/{number}/replace", response=OrderOut)
def orders_replace(request, number: str, payload: ReplaceIn,
                   idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Ask the venue to change quantity, price or time in force: pending_replace until it confirms."""
    require_perm(request, "trading.change_tradingorder")

    def action():
        order = order_get(ref=number)
        order = order_replace_receive(request=ReplaceRequest(
            account=order.account.code, cl_ord_id=payload.cl_ord_id, orig_cl_ord_id=order.cl_ord_id,
            quantity=to_decimal(payload.quantity, field="quantity"), price=_dec(payload.price, "price"),
            stop_price=_dec(payload.stop_price, "stop_price"), time_in_force=payload.time_in_force,
            expire_at=_utc(payload.expire_at)))
        return 200, _out(order)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


class ExecutionQuery(Schema):
    account: str | None = None
    order: str | None = None
    trade_date: date | None = None
    all_reports: bool = Field(False, description="true: every venue report, not only fills, busts, corrections")
    cursor: str | None = None
    limit: int | None = None


@router.get("/trading/executions", response=ExecutionPage)
def executions_index(request, query: Query[ExecutionQuery]):
    require_perm(request, "trading.view_execution")
    qs = executions_list(account=query.account, order=query.order, trade_date=query.trade_date,
                         fills_only=not query.all_reports)
    return page_of(qs, cursor=query.cursor, limit=query.limit)


class PositionQuery(Schema):
    account: str | None = None
    instrument: str | None = None
    price: str | None = Field(None, description="Mark price for the unrealised P&L (one instrument); "
                                                "default: each instrument's reference price")


@router.get("/trading/positions", response=list[PositionOut])
def positions_index(request, query: Query[PositionQuery]):
    require_perm(request, "trading.view_position")
    price = _dec(query.price, "price")
    rows = []
    for position in positions_list(account=query.account, instrument=query.instrument):
        mark = price if price is not None else position.instrument.reference_price
        rows.append({"account": position.account.code, "instrument": position.instrument.symbol,
                     "currency": position.instrument.currency, "quantity": position.quantity,
                     "avg_cost": position.avg_cost, "realised_pnl": position.realised_pnl,
                     "unrealised_pnl": position_unrealised(position, price), "mark_price": mark})
    return rows


@router.post("/trading/allocations", response={201: list[AllocationOut]})
def allocations_new(request, payload: AllocationIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Allocate a done block order's fills to accounts by percent or quantity, at its average price."""
    require_perm(request, "trading.add_allocation")

    def action():
        rows = allocation_create(order=payload.order, method=payload.method,
                                 splits=[(s.account, s.value) for s in payload.splits])
        return 201, [AllocationOut.from_orm(r).model_dump(mode="json") for r in rows]

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/trading/allocations", response=list[AllocationOut])
def allocations_index(request, order: str | None = None, account: str | None = None):
    require_perm(request, "trading.view_allocation")
    return list(allocations_list(order=order, account=account)[:1000])
