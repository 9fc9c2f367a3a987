"""Orders from clients: new, cancel, replace. Validated, risk-checked, recorded, then routed after commit.

A new order that breaks a rule is still recorded, as ``rejected`` (its terms: unknown instrument,
off tick size...) or ``denied`` (a pre-trade risk check), with ``reject_code`` and ``reject_text``,
and announced like any other order; ``order_receive`` returns it and raises nothing. Only an order
that cannot be recorded at all raises ``OrderRejected``: an unknown account, or a ClOrdID the
account already used. A cancel or replace that cannot go ahead raises ``CancelRejected``.

Locks: the account row first (serialises an account's new orders, so its risk checks and its
ClOrdIDs cannot race), then the order row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from oms.core.money import to_decimal
from oms.core.services.numbering import number_allocate
from oms.core.sqlbatch import select_related_where
from oms.trading.gateway import CancelRequest, NewOrder, ReplaceRequest
from oms.trading.models import (
    Execution, Instrument, OrderRequest, RiskLimit, TradingAccount, TradingOrder, Venue,
)
from oms.trading.risk import Denial, Limits, RiskFacts, risk_evaluate
from oms.trading.selectors import standing_facts
from oms.trading.services.common import CancelRejected, Journal, OrderRejected, account_get, order_lock, utc_now
from oms.trading.services.reference import LIMIT_FIELDS, instrument_get
from oms.trading.services.routing import routing_dispatch
from oms.trading.states import CANCELABLE, DONE, PENDING_REQUEST, REPLACEABLE, WORKING, OrdStatus, transition_check
from oms.trading.validation import InstrumentRules, Reject, order_check, quantity_check, terms_check

S = OrdStatus
DOC_TYPE = "trading.order"
DEFAULT_FORMAT = "TO-{YYYY}-{seq:07d}"
ZERO = Decimal(0)


def rules_of(instrument: Instrument | None) -> InstrumentRules | None:
    if instrument is None:
        return None
    return InstrumentRules(tick_size=instrument.tick_size, lot_size=instrument.lot_size,
                           price_decimals=instrument.price_decimals, quantity_decimals=instrument.quantity_decimals,
                           active=instrument.active, halted=instrument.halted)


def _decimal(value, field: str, *, places: int = 8, error: type = OrderRejected) -> Decimal | None:
    """A number that fits its column; beyond that nothing can be recorded, so it is refused outright."""
    if value is None:
        return None
    number = to_decimal(value, field=field)
    exponent = number.normalize().as_tuple().exponent
    if number <= 0 or abs(number) >= Decimal(10) ** (19 - places):
        raise error(f"{field} must be greater than zero and less than 10^{19 - places}", field=field,
                    code=f"invalid_{'quantity' if field == 'quantity' else 'price'}")
    if isinstance(exponent, int) and -exponent > places:
        raise error(f"{field} has more than {places} decimals", field=field, code="too_many_decimals")
    return number


def limits_for(account: TradingAccount) -> Limits:
    """The account's own limits, else the firm-wide ones (one query)."""
    rows = sorted(select_related_where(RiskLimit, [], "t0.account_id = %s OR t0.account_id IS NULL", [account.pk]),
                  key=lambda r: r.account_id is None)
    if not rows:
        return Limits()
    return Limits(**{name: getattr(rows[0], name) for name in LIMIT_FIELDS})


def _scope(firm: bool, own: bool) -> str | None:
    """"firm" when a firm-wide row applies, "account" when only the account's own does, else None."""
    return "firm" if firm else ("account" if own else None)


def _amount(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value))


def risk_facts(*, account: TradingAccount, instrument: Instrument, side: str, order_type: str, quantity: Decimal,
               price: Decimal | None, now: datetime, exclude_order: TradingOrder | None = None,
               new_order: bool = True, block: bool = False) -> RiskFacts:
    """Load what the risk checks need, and only that (an unset limit costs no query)."""
    limits = limits_for(account)
    needs_position = side == "sell" or limits.max_position is not None
    standing = standing_facts(account_id=account.pk, instrument_id=instrument.pk, needs_position=needs_position,
                              exclude_order_id=exclude_order.pk if exclude_order is not None else None)
    traded = ZERO
    if limits.max_daily_value is not None:
        traded = Execution.objects.filter(account=account, is_fill=True, status=Execution.Status.ACTIVE,
                                          trade_date=now.date()).aggregate(
            v=Sum(F("last_qty") * F("last_px")))["v"] or ZERO
    recent = duplicates = 0
    if new_order and limits.max_orders_per_second is not None:
        recent = OrderRequest.objects.filter(account=account, kind=OrderRequest.Kind.NEW,
                                             created_at__gt=now - timedelta(seconds=1)).count()
    if new_order and limits.duplicate_window_seconds is not None:
        duplicates = TradingOrder.objects.filter(
            account=account, instrument=instrument, side=side, order_type=order_type, quantity=quantity, price=price,
            received_at__gt=now - timedelta(seconds=limits.duplicate_window_seconds),
        ).exclude(status__in=[S.REJECTED, S.DENIED]).count()
    return RiskFacts(side=side, order_type=order_type, quantity=quantity, price=price,
                     reference_price=instrument.reference_price, limits=limits,
                     kill_switch=_scope(standing["kill_firm"], standing["kill_own"]),
                     restricted=_scope(standing["restricted_firm"], standing["restricted_own"]),
                     short_selling_allowed=account.short_selling_allowed,
                     position=_amount(standing.get("position")), working_buy=_amount(standing.get("working_buy")),
                     working_sell=_amount(standing.get("working_sell")),
                     traded_today=Decimal(traded), orders_last_second=recent, duplicates_in_window=duplicates,
                     block=block)


def _venue(new: NewOrder, account: TradingAccount) -> tuple[Venue | None, Reject | None]:
    default = account.default_venue if account.default_venue_id else None
    code = new.venue or (default.code if default else None)
    if not code:
        return None, Reject("unknown_venue", "No venue given and the account has no default venue", "venue")
    venue = default if default is not None and default.code == code else Venue.objects.filter(code=code).first()
    if venue is None or not venue.active:
        return None, Reject("unknown_venue", f"No active venue {code!r}", "venue")
    return venue, None


def _routed_id(order: TradingOrder) -> str:
    order.request_count += 1
    return f"{order.number}.{order.request_count}"


def order_receive(*, new: NewOrder, source: str = "api") -> TradingOrder:
    """Record a client's new order; route it to its venue after commit when it passes every check.

    Returns the order: ``pending_new`` when accepted, ``rejected`` or ``denied`` (with
    ``reject_code``) otherwise. Raises ``OrderRejected`` only for an unknown account or a reused ClOrdID.
    """
    now = utc_now()
    quantity = _decimal(new.quantity, "quantity", places=4)
    price = _decimal(new.price, "price")
    stop_price = _decimal(new.stop_price, "stop_price")
    cl_ord_id = (new.cl_ord_id or "").strip()
    if not cl_ord_id or len(cl_ord_id) > 64:
        raise OrderRejected("cl_ord_id must be 1 to 64 characters", field="cl_ord_id", code="invalid_cl_ord_id")
    with transaction.atomic():
        account = account_get(new.account, lock=True)
        instrument = instrument_get(new.instrument)
        problem: Reject | Denial | None = order_check(
            side=new.side, order_type=new.order_type, time_in_force=new.time_in_force, quantity=quantity,
            price=price, stop_price=stop_price, expire_at=new.expire_at, now=now, rules=rules_of(instrument))
        venue, venue_problem = _venue(new, account)
        problem = problem or venue_problem
        status = S.REJECTED if problem else S.PENDING_NEW
        if problem is None:
            problem = risk_evaluate(risk_facts(account=account, instrument=instrument, side=new.side,
                                               order_type=new.order_type, quantity=quantity, price=price, now=now,
                                               block=bool(new.block_id)))
            status = S.DENIED if problem else S.PENDING_NEW
        order = TradingOrder(
            number=number_allocate(doc_type=DOC_TYPE, default_format=DEFAULT_FORMAT), account=account,
            instrument=instrument, instrument_ref=(new.instrument or "")[:40], venue=venue, cl_ord_id=cl_ord_id,
            side=new.side[:10], order_type=new.order_type[:10], time_in_force=new.time_in_force[:12],
            quantity=quantity, price=price, stop_price=stop_price, expire_at=new.expire_at, status=status,
            block_id=(new.block_id or "")[:64], source=source[:20], received_at=now, trade_date=now.date(),
            cum_qty=ZERO, leaves_qty=ZERO if problem else quantity)
        if problem is not None:
            transition_check(S.PENDING_NEW, status)
            order.reject_code, order.reject_text = problem.code, problem.message[:300]
        routed_id = _routed_id(order)
        order.routed_cl_ord_id = routed_id
        # Inserted with the number of events it is about to get (received, and rejected if it is): the
        # journal counts them again below, and the order needs no second write.
        order.event_count = 1 if problem is None else 2
        try:
            # No pre-check and no savepoint: a reused ClOrdID fails the request's unique constraint, and the
            # refusal rolls the whole transaction back (its number too), with no statement in between.
            order.save()
            OrderRequest.objects.create(account=account, order=order, kind=OrderRequest.Kind.NEW,
                                        cl_ord_id=cl_ord_id, routed_id=routed_id, quantity=order.quantity,
                                        price=price, stop_price=stop_price, time_in_force=order.time_in_force,
                                        expire_at=new.expire_at, created_at=now, route_pending=problem is None)
        except IntegrityError:
            raise OrderRejected(f"ClOrdID {cl_ord_id!r} was already used by account {account.code}",
                                field="cl_ord_id", code="duplicate_cl_ord_id", status=409) from None
        order.event_count = 0
        journal = Journal()
        order.status = S.PENDING_NEW  # the first event is the receipt, whatever came of it
        journal.add(order, "received", "pending_new", at=now, details={
            "source": source, "side": order.side, "order_type": order.order_type, "tif": order.time_in_force,
            "quantity": str(quantity), "price": None if price is None else str(price),
            "instrument": order.instrument_ref, "block_id": order.block_id})
        order.status = status
        if problem is not None:
            journal.add(order, status, "rejected", reject_code=problem.code, text=problem.message,
                        details={"field": problem.field})
        else:
            # The "routed" event is written by the dispatcher when it hands the order to the gateway.
            journal.then(lambda: routing_dispatch(venue=venue.code, wait=True), key=("route", venue.code))
        journal.flush()
    return order


def _order_of_request(account: TradingAccount, orig_cl_ord_id: str) -> TradingOrder:
    request = (OrderRequest.objects.filter(account=account, cl_ord_id=orig_cl_ord_id)
               .exclude(kind=OrderRequest.Kind.CANCEL).first())
    if request is None:
        raise CancelRejected(f"No order with ClOrdID {orig_cl_ord_id!r} for account {account.code}",
                             code="unknown_order", field="orig_cl_ord_id", status=404)
    return order_lock(request.order_id)


def _refuse_if_not(order: TradingOrder, allowed: frozenset, what: str) -> None:
    if order.status in allowed:
        return
    if order.status in DONE:
        code, message = "order_done", f"Order {order.number} is {order.status}: too late to {what}"
    elif order.status in PENDING_REQUEST:
        code, message = "pending_request", f"Order {order.number} already has a {order.status.replace('_', ' ')}"
    else:
        code, message = "invalid_state", f"Order {order.number} cannot be {what}ed while {order.status}"
    raise CancelRejected(message, code=code, field="orig_cl_ord_id", ord_status=order.status, order_id=order.number)


def _request_record(order: TradingOrder, kind: str, cl_ord_id: str, now: datetime, **terms) -> OrderRequest:
    cl_ord_id = (cl_ord_id or "").strip()
    if not cl_ord_id or len(cl_ord_id) > 64:
        raise CancelRejected("cl_ord_id must be 1 to 64 characters", code="invalid_cl_ord_id", field="cl_ord_id",
                             ord_status=order.status, order_id=order.number)
    try:  # a reused ClOrdID fails the unique constraint; the refusal rolls the transaction back
        return OrderRequest.objects.create(account=order.account, order=order, kind=kind, cl_ord_id=cl_ord_id,
                                           orig_cl_ord_id=order.cl_ord_id, routed_id=_routed_id(order),
                                           created_at=now, **terms)
    except IntegrityError:
        raise CancelRejected(f"ClOrdID {cl_ord_id!r} was already used by account {order.account.code}",
                             code="duplicate_cl_ord_id", field="cl_ord_id", ord_status=order.status,
                             order_id=order.number) from None


def cancel_request_open(*, order: TradingOrder, cl_ord_id: str, journal: Journal, now: datetime,
                        reason: str = "") -> OrderRequest:
    """Put a locked order in pending cancel; the cancel is routed after commit (the kill switch uses it too).

    An order that never left (its new order still waits to be routed) is canceled here and now instead.
    """
    _refuse_if_not(order, CANCELABLE | {S.PENDING_REPLACE}, "cancel")
    # Only an order the venue has not answered yet can still be waiting to be routed.
    may_be_unrouted = order.status in (S.PENDING_NEW, S.PENDING_REPLACE) and not order.acknowledged
    request = _request_record(order, OrderRequest.Kind.CANCEL, cl_ord_id, now, reason=reason[:300],
                              orig_routed_id=order.routed_cl_ord_id, route_pending=True)
    transition_check(order.status, S.PENDING_CANCEL)
    order.status = S.PENDING_CANCEL
    journal.add(order, "cancel_requested", "pending_cancel", at=now, cl_ord_id=request.cl_ord_id,
                orig_cl_ord_id=order.cl_ord_id, details={"routed_id": request.routed_id, "reason": reason})
    never_left = may_be_unrouted and OrderRequest.objects.filter(order=order, kind=OrderRequest.Kind.NEW,
                                             route_pending=True).update(route_pending=False)
    if not never_left:
        code = order.venue.code
        journal.then(lambda: routing_dispatch(venue=code, wait=True), key=("route", code))
        return request
    # Nothing to ask the venue: cancel here, with whatever else waited to be routed for the order.
    OrderRequest.objects.filter(order=order, route_pending=True).exclude(pk=request.pk).update(
        route_pending=False, status=OrderRequest.Status.REJECTED, resolved_at=now,
        reason="the order was canceled before it was routed")
    transition_check(order.status, S.CANCELED)
    order.status, order.leaves_qty = S.CANCELED, ZERO
    request.status, request.resolved_at, request.route_pending = OrderRequest.Status.ACCEPTED, now, False
    request.save(update_fields=["status", "resolved_at", "route_pending"])
    journal.add(order, "canceled", "canceled", at=now, cl_ord_id=request.cl_ord_id,
                orig_cl_ord_id=order.cl_ord_id, text="canceled before it was routed to the venue")
    return request


def order_cancel_receive(*, request: CancelRequest) -> TradingOrder:
    """A client asks to cancel: the order goes pending cancel; the venue's answer completes it."""
    now = utc_now()
    with transaction.atomic():
        account = account_get(request.account, error=CancelRejected)
        order = _order_of_request(account, request.orig_cl_ord_id)
        journal = Journal()
        cancel_request_open(order=order, cl_ord_id=request.cl_ord_id, journal=journal, now=now)
        order.save()
        journal.flush()
    return order


def order_replace_receive(*, request: ReplaceRequest) -> TradingOrder:
    """A client asks to change quantity, price or time in force; fills go on at the old terms until
    the venue confirms the replace."""
    now = utc_now()
    with transaction.atomic():
        account = account_get(request.account, error=CancelRejected)
        order = _order_of_request(account, request.orig_cl_ord_id)
        _refuse_if_not(order, REPLACEABLE, "replace")

        def refuse(code: str, message: str, field: str | None):
            raise CancelRejected(message, code=code, field=field, ord_status=order.status, order_id=order.number)

        quantity = _decimal(request.quantity, "quantity", places=4, error=CancelRejected)
        price = _decimal(request.price, "price", error=CancelRejected)
        stop_price = _decimal(request.stop_price, "stop_price", error=CancelRejected)
        tif = request.time_in_force or order.time_in_force
        expire_at = request.expire_at if request.time_in_force or request.expire_at else order.expire_at
        rules = rules_of(order.instrument)
        problem = quantity_check(quantity, rules) or terms_check(
            order_type=order.order_type, time_in_force=tif, price=price, stop_price=stop_price,
            expire_at=expire_at, now=now, rules=rules)
        if problem:
            refuse(problem.code, problem.message, problem.field)
        if quantity > order.quantity or price != order.price:
            # A replace that adds risk is checked on what it leaves open; reducing one never is.
            denial = risk_evaluate(risk_facts(
                account=account, instrument=order.instrument, side=order.side, order_type=order.order_type,
                quantity=max(quantity - order.cum_qty, ZERO), price=price, now=now, exclude_order=order,
                new_order=False, block=bool(order.block_id)))
            if denial:
                refuse(denial.code, denial.message, denial.field)
        replace = _request_record(order, OrderRequest.Kind.REPLACE, request.cl_ord_id, now, quantity=quantity,
                                  price=price, stop_price=stop_price, time_in_force=tif, expire_at=expire_at,
                                  orig_routed_id=order.routed_cl_ord_id, route_pending=True)
        transition_check(order.status, S.PENDING_REPLACE)
        order.status = S.PENDING_REPLACE
        journal = Journal()
        journal.add(order, "replace_requested", "pending_replace", at=now, cl_ord_id=replace.cl_ord_id,
                    orig_cl_ord_id=order.cl_ord_id,
                    details={"routed_id": replace.routed_id, "quantity": str(quantity),
                             "price": None if price is None else str(price), "time_in_force": tif})
        code = order.venue.code
        journal.then(lambda: routing_dispatch(venue=code, wait=True), key=("route", code))
        order.save()
        journal.flush()
    return order
