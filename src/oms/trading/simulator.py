"""A simulated venue: a ``VenueGateway`` that fills orders against a price you feed it.

It answers synchronously through the trading services, the way a real gateway's session thread
would: ``send_new`` acknowledges (or rejects) an order and fills it at once if the price crosses;
``price_set`` fills resting orders when the price moves through them. Fills are partial when
``fill_size`` (the most filled per match) or ``liquidity`` (the most available per match) is
smaller than what is open; IOC orders lose what is not filled at once, FOK orders fill completely
or not at all. ``reject_next`` rejects the next new order; ``bust`` and ``correct`` amend a fill it
made; ``halt`` and ``resume`` suspend and reinstate an instrument's orders; ``day_end`` expires
its day orders.

    sim = SimulatedVenue(venue="SIM")
    gateway_register(venue="SIM", gateway=sim)
    sim.price_set("ACME", Decimal("10.00"))
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from oms.trading.gateway import CancelReject, CancelRequest, ExecutionReport, NewOrder, ReplaceRequest
from oms.trading.services import cancel_reject_apply, execution_report_apply

ZERO = Decimal(0)


@dataclass
class _Resting:
    cl_ord_id: str                 # the ClOrdID the venue knows the order by now
    venue_order_id: str
    symbol: str
    side: str
    order_type: str
    tif: str
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None = None
    triggered: bool = False        # a stop order once the market reached its stop price
    cum: Decimal = ZERO
    suspended: bool = False
    state: str = "open"            # open | filled | canceled | expired
    fills: list[str] = field(default_factory=list)

    @property
    def leaves(self) -> Decimal:
        return self.quantity - self.cum


class SimulatedVenue:
    def __init__(self, *, venue: str = "SIM", fill_size: Decimal | None = None,
                 liquidity: Decimal | None = None, auto_ack: bool = True) -> None:
        self.venue = venue
        self.fill_size = fill_size
        self.liquidity = liquidity
        self.auto_ack = auto_ack
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[str, _Resting] = {}        # on the book, by current ClOrdID
        self.every_order: dict[str, _Resting] = {}   # every order it accepted, by venue order id
        self.reject_next: str | None = None
        self.refuse_cancels: str | None = None
        self.sent: list[object] = []   # every report and reject the venue sent, in order
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    # -- what the venue sends back ----------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def _report(self, order: _Resting, exec_type: str, ord_status: str, **kw) -> ExecutionReport:
        report = ExecutionReport(venue=self.venue, exec_id=self._next("X"), exec_type=exec_type, ord_status=ord_status,
                                 cl_ord_id=order.cl_ord_id, venue_order_id=order.venue_order_id,
                                 cum_qty=order.cum, leaves_qty=order.leaves, **kw)
        self.sent.append(report)
        execution_report_apply(report=report)
        return report

    def _status(self, order: _Resting) -> str:
        if order.leaves <= 0:
            return "filled"
        return "partially_filled" if order.cum > 0 else "new"

    # -- VenueGateway ---------------------------------------------------------------------------------

    def send_new(self, order: NewOrder) -> None:
        with self._lock:
            resting = _Resting(cl_ord_id=order.cl_ord_id, venue_order_id=self._next("V"), symbol=order.instrument,
                               side=order.side, order_type=order.order_type, tif=order.time_in_force,
                               quantity=order.quantity, price=order.price, stop_price=order.stop_price)
            if self.reject_next is not None:
                reason, self.reject_next = self.reject_next, None
                self._report(resting, "rejected", "rejected", text=reason)
                return
            self.orders[order.cl_ord_id] = resting
            self.every_order[resting.venue_order_id] = resting
            if self.auto_ack:
                self._report(resting, "new", "new")
            self._match(resting, immediate=True)

    def send_cancel(self, request: CancelRequest) -> None:
        with self._lock:
            resting = self.orders.get(request.orig_cl_ord_id)
            if resting is None or self.refuse_cancels is not None:
                reason = self.refuse_cancels or "unknown order (too late to cancel)"
                self._cancel_reject(request.cl_ord_id, request.orig_cl_ord_id, reason, "cancel")
                return
            del self.orders[request.orig_cl_ord_id]
            resting.cl_ord_id, resting.state = request.cl_ord_id, "canceled"
            self._report(resting, "canceled", "canceled", orig_cl_ord_id=request.orig_cl_ord_id)

    def send_replace(self, request: ReplaceRequest) -> None:
        with self._lock:
            resting = self.orders.get(request.orig_cl_ord_id)
            if resting is None or self.refuse_cancels is not None:
                reason = self.refuse_cancels or "unknown order (too late to replace)"
                self._cancel_reject(request.cl_ord_id, request.orig_cl_ord_id, reason, "replace")
                return
            del self.orders[request.orig_cl_ord_id]
            resting.cl_ord_id = request.cl_ord_id
            resting.quantity = max(request.quantity, resting.cum)
            resting.price = request.price
            resting.tif = request.time_in_force or resting.tif
            status = self._status(resting)
            if resting.leaves > 0:
                self.orders[resting.cl_ord_id] = resting
            else:
                resting.state = "filled"
            self._report(resting, "replaced", status, orig_cl_ord_id=request.orig_cl_ord_id)
            if resting.leaves > 0:
                self._match(resting, immediate=False)

    def _cancel_reject(self, cl_ord_id: str, orig: str, reason: str, response_to: str) -> None:
        reject = CancelReject(venue=self.venue, cl_ord_id=cl_ord_id, orig_cl_ord_id=orig, ord_status="rejected",
                              reason=reason, response_to=response_to)
        self.sent.append(reject)
        cancel_reject_apply(reject=reject)

    # -- the market -----------------------------------------------------------------------------------

    def price_set(self, symbol: str, price: Decimal) -> None:
        """A new market price: resting orders it crosses fill."""
        with self._lock:
            self.prices[symbol] = price
            for resting in list(self.orders.values()):
                if resting.symbol == symbol and resting.cl_ord_id in self.orders:
                    self._match(resting, immediate=False)

    def _crosses(self, order: _Resting, price: Decimal) -> bool:
        if order.order_type in ("stop", "stop_limit") and not order.triggered:
            stop = order.stop_price or ZERO
            order.triggered = price >= stop if order.side == "buy" else price <= stop
            if not order.triggered:
                return False
        if order.order_type in ("market", "stop") or order.price is None:
            return True
        return price <= order.price if order.side == "buy" else price >= order.price

    def _match(self, order: _Resting, *, immediate: bool) -> None:
        price = self.prices.get(order.symbol)
        crosses = price is not None and not order.suspended and self._crosses(order, price)
        available = self.liquidity if self.liquidity is not None else order.leaves
        if order.tif == "fok" and (not crosses or available < order.leaves):
            self._kill(order, "fill or kill: not enough at the price")
            return
        if crosses:
            qty = min(order.leaves, available, self.fill_size or order.leaves)
            if qty > 0:
                order.cum += qty
                if order.leaves <= 0:
                    self.orders.pop(order.cl_ord_id, None)
                    order.state = "filled"
                report = self._report(order, "trade", self._status(order), last_qty=qty, last_px=price,
                                      liquidity="removed" if immediate else "added")
                order.fills.append(report.exec_id)
        if order.tif == "ioc" and order.leaves > 0 and order.cl_ord_id in self.orders:
            self._kill(order, "immediate or cancel: the rest is canceled")

    def _kill(self, order: _Resting, reason: str) -> None:
        self.orders.pop(order.cl_ord_id, None)
        order.state = "canceled"
        self._report(order, "canceled", "canceled", text=reason)

    def fill(self, cl_ord_id: str, qty: Decimal, price: Decimal) -> ExecutionReport:
        """Fill a resting order by hand (whatever the market price)."""
        with self._lock:
            order = self.orders[cl_ord_id]
            order.cum += qty
            if order.leaves <= 0:
                self.orders.pop(cl_ord_id, None)
                order.state = "filled"
            report = self._report(order, "trade", self._status(order), last_qty=qty, last_px=price)
            order.fills.append(report.exec_id)
            return report

    def bust(self, exec_id: str) -> None:
        """Cancel one of the venue's fills (a trade bust); a filled order it reopens goes back on the book."""
        with self._lock:
            fill = next(r for r in self.sent if isinstance(r, ExecutionReport) and r.exec_id == exec_id)
            resting = self.every_order[fill.venue_order_id]
            self._amend(resting, -fill.last_qty)
            self._report(resting, "trade_cancel", self._status(resting), ref_exec_id=exec_id,
                         last_qty=fill.last_qty, last_px=fill.last_px)

    def correct(self, exec_id: str, qty: Decimal, price: Decimal) -> None:
        """Amend one of the venue's fills to a new quantity and price (a trade correction)."""
        with self._lock:
            fill = next(r for r in self.sent if isinstance(r, ExecutionReport) and r.exec_id == exec_id)
            resting = self.every_order[fill.venue_order_id]
            self._amend(resting, qty - fill.last_qty)
            self._report(resting, "trade_correct", self._status(resting), ref_exec_id=exec_id, last_qty=qty,
                         last_px=price)

    def _amend(self, resting: _Resting, change: Decimal) -> None:
        resting.cum += change
        if resting.state == "filled" and resting.leaves > 0:
            resting.state = "open"
            self.orders[resting.cl_ord_id] = resting
        elif resting.state == "open" and resting.leaves <= 0:
            resting.state = "filled"
            self.orders.pop(resting.cl_ord_id, None)

    def halt(self, symbol: str) -> None:
        """A trading halt: the instrument's resting orders are suspended."""
        with self._lock:
            for order in self.orders.values():
                if order.symbol == symbol and not order.suspended:
                    order.suspended = True
                    self._report(order, "suspended", "suspended", text="trading halt")

    def resume(self, symbol: str) -> None:
        with self._lock:
            for order in list(self.orders.values()):
                if order.symbol == symbol and order.suspended:
                    order.suspended = False
                    self._report(order, "restated", self._status(order), text="trading resumed")
                    self._match(order, immediate=False)

    def day_end(self) -> None:
        """The venue's close: its day orders expire; good-till orders rest into the next day."""
        with self._lock:
            for order in list(self.orders.values()):
                if order.tif in ("day", "at_the_open", "at_the_close"):
                    self.orders.pop(order.cl_ord_id, None)
                    order.state = "expired"
                    self._report(order, "expired", "expired", text="end of day")
