"""What venues tell us: execution reports and cancel rejects, each applied in one transaction.

The order row is locked first, then its position (and, for a block order, the allocated accounts'
positions in account order). A report whose (venue, ExecID) was already applied is ignored, so a
venue's resend never counts a fill twice; the unique (venue, exec_id) index backs that up.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from oms.core.errors import DomainError, NotFound
from oms.core.models import OutboxEvent
from oms.core.services.events import event_build
from oms.trading.fills import FillRejected, OrderFigures, close, figures_from_fills, fill_apply, replace_apply
from oms.trading.gateway import CancelReject, CancelRejectUpdate, ExecutionReport
from oms.trading.models import Allocation, Execution, OrderRequest, TradingOrder
from oms.trading.services.common import Journal, order_lock, utc_now
from oms.trading.services.positions import position_rebuild, position_trade
from oms.trading.states import (
    DONE, WORKING, OrdStatus, status_after_bust, status_after_fill, transition_check, working_status,
)

S = OrdStatus
ZERO = Decimal(0)


class UnknownOrder(NotFound):
    code = "unknown_order"


def _request_of(report_cl_ord_id: str, orig: str | None) -> OrderRequest:
    for ref in (report_cl_ord_id, orig):
        if ref:
            request = OrderRequest.objects.filter(routed_id=ref).first()
            if request is not None:
                return request
    raise UnknownOrder(f"No order routed as {report_cl_ord_id!r}", field="cl_ord_id")


def order_figures(order: TradingOrder) -> OrderFigures:
    fills = Execution.objects.filter(order=order, is_fill=True, status=Execution.Status.ACTIVE)
    notional = sum((q * p for q, p in fills.values_list("last_qty", "last_px")), ZERO)
    return OrderFigures(quantity=order.quantity, cum=order.cum_qty, leaves=order.leaves_qty, notional=notional)


def _set(order: TradingOrder, figures: OrderFigures) -> None:
    order.quantity, order.cum_qty, order.leaves_qty = figures.quantity, figures.cum, figures.leaves
    order.avg_px = figures.avg_px


def _move(order: TradingOrder, to: str) -> None:
    transition_check(order.status, to)
    order.status = to


def pending_resolve(order: TradingOrder, now, *, accepted: OrderRequest | None = None, reason: str = "") -> None:
    """Close the order's pending cancel/replace requests: the one the venue answered is accepted, any
    other is overtaken (the order was cancelled, expired or filled meanwhile)."""
    pending = OrderRequest.objects.filter(order=order, status=OrderRequest.Status.PENDING).exclude(
        kind=OrderRequest.Kind.NEW)
    if accepted is not None:
        pending.filter(pk=accepted.pk).update(status=OrderRequest.Status.ACCEPTED, resolved_at=now)
        pending = pending.exclude(pk=accepted.pk)
    pending.update(status=OrderRequest.Status.REJECTED, resolved_at=now, reason=reason[:300])


def _positions_after_change(order: TradingOrder, journal: Journal, now) -> None:
    """A bust or correction: rebuild what derives from the order's fills."""
    if not order.block_id:
        position_rebuild(account=order.account, instrument=order.instrument)
        return
    allocations = list(Allocation.objects.filter(order=order, status=Allocation.Status.ACTIVE)
                       .select_related("account").order_by("account_id"))
    if not allocations:
        return
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(status=Allocation.Status.REVERSED)
    for allocation in allocations:
        position_rebuild(account=allocation.account, instrument=order.instrument)
    journal.add(order, "allocation_reversed", "restated", at=now,
                details={"accounts": [a.account.code for a in allocations],
                         "reason": "a fill of the block changed; allocate again"})


def _fill(order: TradingOrder, report: ExecutionReport, row: Execution, journal: Journal, now) -> None:
    if order.status not in WORKING:
        raise FillRejected(f"Order {order.number} is {order.status}: it cannot take a fill", field="cl_ord_id",
                           code="order_not_working")
    figures = fill_apply(order_figures(order), qty=report.last_qty, px=report.last_px)
    _set(order, figures)
    _move(order, status_after_fill(order.status, cum=figures.cum, leaves=figures.leaves))
    # A pending cancel or replace stays pending: the venue still answers it (a replace up may reopen it).
    row.is_fill = True
    if not order.block_id:
        row.position_seq = position_trade(account=order.account, instrument=order.instrument, side=order.side,
                                          quantity=report.last_qty, price=report.last_px)
    journal.add(order, "filled", "trade", at=now, last_qty=report.last_qty, last_px=report.last_px,
                details={"venue_exec_id": report.exec_id, "liquidity": report.liquidity,
                         "commission": str(report.commission), "fees": str(report.fees)})


def _bust_or_correct(order: TradingOrder, report: ExecutionReport, row: Execution, journal: Journal, now) -> None:
    original = (Execution.objects.select_for_update().filter(venue=row.venue, exec_id=report.ref_exec_id or "",
                                                             order=order, is_fill=True).first())
    if original is None or original.status != Execution.Status.ACTIVE:
        raise DomainError(f"No live fill {report.ref_exec_id!r} of order {order.number} to "
                          f"{'bust' if report.exec_type == 'trade_cancel' else 'correct'}",
                          field="ref_exec_id", code="unknown_execution", status=404)
    correcting = report.exec_type == "trade_correct"
    original.status = Execution.Status.CORRECTED if correcting else Execution.Status.BUSTED
    original.save(update_fields=["status"])
    if correcting:
        if report.last_qty <= 0 or report.last_px <= 0:
            raise FillRejected("A correction needs a positive quantity and price", field="last_qty",
                               code="invalid_fill")
        row.is_fill, row.position_seq = True, original.position_seq
    else:
        row.last_qty, row.last_px = original.last_qty, original.last_px
    live = list(Execution.objects.filter(order=order, is_fill=True, status=Execution.Status.ACTIVE)
                .values_list("last_qty", "last_px"))
    if correcting:
        live.append((report.last_qty, report.last_px))
    done = order.status in DONE and order.status != S.FILLED
    figures = figures_from_fills(quantity=order.quantity, fills=live, done=done)
    _set(order, figures)
    _move(order, status_after_bust(order.status, cum=figures.cum, leaves=figures.leaves))
    journal.add(order, "corrected" if correcting else "busted", report.exec_type, at=now,
                last_qty=row.last_qty, last_px=row.last_px,
                details={"venue_exec_id": report.exec_id, "ref_exec_id": report.ref_exec_id,
                         "was": [str(original.last_qty), str(original.last_px)]})
    row.save()  # before the rebuild, which reads the live fills
    _positions_after_change(order, journal, now)


def _apply(order: TradingOrder, request: OrderRequest, report: ExecutionReport, row: Execution, journal: Journal,
           now) -> None:
    kind = report.exec_type
    if kind == "trade":
        _fill(order, report, row, journal, now)
    elif kind in ("trade_cancel", "trade_correct"):
        _bust_or_correct(order, report, row, journal, now)
    elif kind == "new":
        order.acknowledged = True
        if order.status in (S.PENDING_NEW, S.REJECTED, S.DENIED):  # the last two raise: never acked
            _move(order, S.NEW)
        journal.add(order, "acknowledged", "new", at=now)
    elif kind == "canceled":
        cancel = request if request.kind == OrderRequest.Kind.CANCEL else None
        _move(order, S.CANCELED)
        _set(order, close(order_figures(order)))
        pending_resolve(order, now, accepted=cancel, reason="the order was canceled")
        journal.add(order, "canceled", "canceled", at=now, text=report.text,
                    cl_ord_id=cancel.cl_ord_id if cancel else None,
                    orig_cl_ord_id=order.cl_ord_id if cancel else None,
                    details={"unsolicited": cancel is None})
    elif kind == "replaced":
        if request.kind != OrderRequest.Kind.REPLACE or request.status != OrderRequest.Status.PENDING:
            raise DomainError(f"{report.cl_ord_id!r} is not a pending replace of order {order.number}",
                              field="cl_ord_id", code="unknown_replace", status=404)
        previous = order.cl_ord_id
        _set(order, replace_apply(order_figures(order), quantity=request.quantity))
        order.price, order.stop_price = request.price, request.stop_price
        order.time_in_force, order.expire_at = request.time_in_force or order.time_in_force, request.expire_at
        order.cl_ord_id, order.orig_cl_ord_id, order.routed_cl_ord_id = request.cl_ord_id, previous, request.routed_id
        _move(order, working_status(cum=order.cum_qty, leaves=order.leaves_qty))
        pending_resolve(order, now, accepted=request, reason="overtaken by the replace")
        journal.add(order, "replaced", "replaced", at=now, details={"quantity": str(order.quantity),
                                                                     "price": None if order.price is None
                                                                     else str(order.price)})
    elif kind in ("rejected", "expired"):
        to = S.REJECTED if kind == "rejected" else S.EXPIRED
        _move(order, to)
        _set(order, close(order_figures(order)))
        if kind == "rejected":
            order.reject_code, order.reject_text = "venue_reject", report.text[:300]
        pending_resolve(order, now, reason=f"the order was {to}")
        journal.add(order, to, kind, at=now, text=report.text, reject_code=order.reject_code if to == S.REJECTED
                    else "")
    elif kind in ("done_for_day", "suspended", "stopped"):
        _move(order, kind)
        journal.add(order, kind, kind, at=now, text=report.text)
    elif kind == "restated":
        if order.status == S.SUSPENDED:
            _move(order, working_status(cum=order.cum_qty, leaves=order.leaves_qty))
        journal.add(order, "restated", "restated", at=now, text=report.text)
    else:  # pending_new, pending_cancel, pending_replace, order_status: recorded, nothing changes
        journal.add(order, f"venue_{kind}", kind, at=now, text=report.text)


def execution_report_apply(*, report: ExecutionReport) -> TradingOrder:
    """Apply one execution report from a venue. A repeated (venue, ExecID) changes nothing.

    Raises ``UnknownOrder`` (404) for a ClOrdID we never routed, ``FillRejected`` for a fill
    beyond the order's quantity or on an order that is no longer working, ``InvalidTransition``
    for a report the order's status does not allow; nothing is written then.
    """
    now = utc_now()
    with transaction.atomic():
        request = _request_of(report.cl_ord_id, report.orig_cl_ord_id)
        order = order_lock(request.order_id)
        if order.venue is None or order.venue.code != report.venue:
            raise UnknownOrder(f"Order routed as {report.cl_ord_id!r} was not sent to {report.venue!r}",
                               field="venue")
        if Execution.objects.filter(venue=order.venue, exec_id=report.exec_id).exists():
            return order  # a duplicate ExecID: already applied
        if report.venue_order_id:
            order.venue_order_id = report.venue_order_id[:64]
        row = Execution(venue=order.venue, exec_id=report.exec_id[:64], order=order, account=order.account,
                        instrument=order.instrument, side=order.side, exec_type=report.exec_type,
                        ord_status=report.ord_status, last_qty=report.last_qty, last_px=report.last_px,
                        liquidity=report.liquidity or "", commission=report.commission, fees=report.fees,
                        ref_exec_id=report.ref_exec_id or "", transact_time=report.transact_time or now,
                        received_at=now, trade_date=now.date(), text=report.text[:300])
        journal = Journal()
        _apply(order, request, report, row, journal, now)
        if row.pk is None:
            try:  # no savepoint: a racing duplicate aborts the whole transaction, nothing else runs in it
                row.save()
            except IntegrityError:
                raise DomainError("This ExecID is being applied by another report", field="exec_id",
                                  code="duplicate_exec_id", status=409) from None
        order.save()
        if row.is_fill or report.exec_type == "trade_cancel":
            OutboxEvent.objects.bulk_create([event_build(
                event_type=f"trading.{report.exec_type}", aggregate_type="trading.order", aggregate_id=order.number,
                payload={"exec_id": row.exec_id, "venue": report.venue, "account": order.account.code,
                         "instrument": order.instrument.symbol, "side": order.side, "last_qty": row.last_qty,
                         "last_px": row.last_px, "cum_qty": order.cum_qty, "avg_px": order.avg_px})])
        journal.flush()
    return order


def cancel_reject_apply(*, reject: CancelReject) -> TradingOrder:
    """The venue refused a cancel or replace: the request is closed and the order goes back to working
    (unless it was filled meanwhile); the client is told through the cancel-reject listeners."""
    now = utc_now()
    with transaction.atomic():
        try:
            request = OrderRequest.objects.get(routed_id=reject.cl_ord_id)
        except OrderRequest.DoesNotExist:
            raise UnknownOrder(f"No cancel or replace routed as {reject.cl_ord_id!r}", field="cl_ord_id") from None
        order = order_lock(request.order_id)
        if order.venue is None or order.venue.code != reject.venue:
            raise UnknownOrder(f"Request {reject.cl_ord_id!r} was not sent to {reject.venue!r}", field="venue")
        if request.status != OrderRequest.Status.PENDING or request.kind == OrderRequest.Kind.NEW:
            return order  # answered already (a repeat), or not a cancel/replace
        request.status, request.resolved_at, request.reason = OrderRequest.Status.REJECTED, now, reject.reason[:300]
        request.save(update_fields=["status", "resolved_at", "reason"])
        pending = S.PENDING_CANCEL if request.kind == OrderRequest.Kind.CANCEL else S.PENDING_REPLACE
        if order.status == pending and not OrderRequest.objects.filter(
                order=order, status=OrderRequest.Status.PENDING).exclude(kind=OrderRequest.Kind.NEW).exists():
            _move(order, working_status(cum=order.cum_qty, leaves=order.leaves_qty))
        journal = Journal()
        journal.add(order, "cancel_rejected", "order_status", at=now, cl_ord_id=request.cl_ord_id,
                    orig_cl_ord_id=request.orig_cl_ord_id, text=reject.reason,
                    details={"response_to": request.kind, "routed_id": request.routed_id})
        journal.cancel_reject(CancelRejectUpdate(
            account=order.account.code, cl_ord_id=request.cl_ord_id, orig_cl_ord_id=request.orig_cl_ord_id,
            order_id=order.number, ord_status=order.status, response_to=request.kind, reason=reject.reason,
            transact_time=now))
        order.save()
        journal.flush()
    return order

