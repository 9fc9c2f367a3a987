"""What every trading service shares: errors, the order event journal, announcements, lookups and locks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from django.db import transaction

from oms.core.errors import DomainError, NotFound
from oms.core.services.audit import AuditEntry, audit_record_many
from oms.core.sqlbatch import select_related_where
from oms.trading.gateway import CancelRejectUpdate, OrderUpdate, cancel_rejects_listeners, order_updates_listeners
from oms.trading.models import OrderEvent, TradingAccount, TradingOrder

log = logging.getLogger(__name__)
ZERO = Decimal(0)


class OrderRejected(DomainError):
    """A new order that cannot even be recorded (unknown account, a ClOrdID the account already used)."""

    code = "order_rejected"
    status = 422


class CancelRejected(DomainError):
    """A cancel or replace refused at once; the FIX acceptor answers OrderCancelReject with ``code``.

    ``ord_status`` and ``order_id`` describe the order it referred to (None when it is unknown).
    """

    code = "cancel_rejected"
    status = 409

    def __init__(self, message: str, *, code: str, field: str | None = None, ord_status: str | None = None,
                 order_id: str | None = None, status: int | None = None) -> None:
        super().__init__(message, code=code, field=field, status=status,
                         extra={"ord_status": ord_status, "order_id": order_id})
        self.ord_status = ord_status
        self.order_id = order_id


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def account_get(code: str, *, lock: bool = False, error: type[DomainError] = OrderRejected) -> TradingAccount:
    """The active account with its default venue (one plain query: every order runs it); with ``lock``,
    the account's row only is locked: the default venue's row is the routing dispatcher's lock."""
    found = select_related_where(TradingAccount, ["default_venue"], "t0.code = %s AND t0.active ORDER BY t0.id LIMIT 1",
                                 [code], lock=lock)
    account = found[0] if found else None
    if account is None:
        raise error(f"No active trading account {code!r}", field="account", code="unknown_account")
    return account


def order_lock(order_id: int) -> TradingOrder:
    """The order with its account, instrument and venue, its row (only) locked. One plain query:
    every acknowledgement, fill and cancel runs it."""
    found = select_related_where(TradingOrder, ["account", "instrument", "venue"], "t0.id = %s", [order_id], lock=True)
    if not found:
        raise TradingOrder.DoesNotExist(f"TradingOrder {order_id} does not exist")
    return found[0]


# Events that the client sees as an execution report; the others (routed, allocated...) are internal.
ANNOUNCED = frozenset({"received", "rejected", "denied", "acknowledged", "cancel_requested", "replace_requested",
                       "canceled", "replaced", "filled", "busted", "corrected", "expired", "done_for_day",
                       "suspended", "restated", "stopped"})


@dataclass
class Journal:
    """The events of one transaction: written together (with their audit records), announced after commit."""

    events: list[OrderEvent] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    cancel_rejects: list[CancelRejectUpdate] = field(default_factory=list)
    after: list[Callable[[], None]] = field(default_factory=list)
    after_keys: set = field(default_factory=set)

    def add(self, order: TradingOrder, event: str, exec_type: str, *, at: datetime | None = None,
            cl_ord_id: str | None = None, orig_cl_ord_id: str | None = None, last_qty: Decimal = ZERO,
            last_px: Decimal = ZERO, reject_code: str = "", text: str = "", details: dict | None = None) -> OrderEvent:
        order.event_count += 1
        at = at or utc_now()
        row = OrderEvent(
            order=order, seq=order.event_count, event=event, exec_id=f"{order.number}-{order.event_count}",
            exec_type=exec_type, ord_status=order.status, at=at,
            cl_ord_id=cl_ord_id if cl_ord_id is not None else order.cl_ord_id,
            orig_cl_ord_id=(orig_cl_ord_id if orig_cl_ord_id is not None else order.orig_cl_ord_id) or "",
            quantity=order.quantity, price=order.price, last_qty=last_qty, last_px=last_px, cum_qty=order.cum_qty,
            leaves_qty=order.leaves_qty, avg_px=order.avg_px, venue=order.venue.code if order.venue_id else "",
            reject_code=reject_code, text=text[:300], details=details or {})
        self.events.append(row)
        changes = {"event": event, "at": at.isoformat(), "exec_id": row.exec_id, "status": order.status,
                   "cl_ord_id": row.cl_ord_id, "cum_qty": str(order.cum_qty), "leaves_qty": str(order.leaves_qty),
                   "avg_px": str(order.avg_px)}
        if last_qty:
            changes.update(last_qty=str(last_qty), last_px=str(last_px))
        if reject_code:
            changes["reject_code"] = reject_code
        changes.update(details or {})
        self.audit.append(AuditEntry(f"trading_order.{event}", "trading.order", order.pk, changes))
        return row

    def cancel_reject(self, update: CancelRejectUpdate) -> None:
        self.cancel_rejects.append(update)

    def then(self, func: Callable[[], None], *, key: object = None) -> None:
        """Run after commit, after the announcements (e.g. send to the venue); once per ``key`` when given
        (the kill switch cancels many orders of a venue: one routing pass sends them all)."""
        if key is not None:
            if key in self.after_keys:
                return
            self.after_keys.add(key)
        self.after.append(func)

    def flush(self) -> None:
        """Write the events and audit records; schedule the announcements and the after-commit work."""
        if self.events:
            OrderEvent.objects.bulk_create(self.events)
        if self.audit:
            audit_record_many(entries=self.audit)
        updates = [update_of(e) for e in self.events if e.event in ANNOUNCED]
        rejects = list(self.cancel_rejects)
        if updates or rejects:
            transaction.on_commit(lambda: announce(updates, rejects))
        for func in self.after:
            # robust: a venue that cannot be reached is logged; it never turns the committed request into an error
            transaction.on_commit(func, robust=True)


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def update_of(event: OrderEvent) -> OrderUpdate:
    order = event.order
    price = None if event.price is None else _d(event.price)
    return OrderUpdate(
        account=order.account.code, cl_ord_id=event.cl_ord_id, orig_cl_ord_id=event.orig_cl_ord_id or None,
        order_id=order.number, exec_id=event.exec_id, exec_type=event.exec_type, ord_status=event.ord_status,
        instrument=order.instrument.symbol if order.instrument_id else order.instrument_ref, side=order.side,
        order_type=order.order_type, quantity=_d(event.quantity), price=price, cum_qty=_d(event.cum_qty),
        leaves_qty=_d(event.leaves_qty), avg_px=_d(event.avg_px), last_qty=_d(event.last_qty),
        last_px=_d(event.last_px),
        reject_code=event.reject_code or None, text=event.text, transact_time=event.at)


def announce(updates: list[OrderUpdate], rejects: list[CancelRejectUpdate]) -> None:
    """After commit: a listener that fails is logged, never undoes what was recorded."""
    for update in updates:
        for listener in order_updates_listeners():
            try:
                listener(update)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop the others
                log.exception("order update listener failed for %s", update.exec_id)
    for reject in rejects:
        for listener in cancel_rejects_listeners():
            try:
                listener(reject)
            except Exception:  # noqa: BLE001
                log.exception("cancel reject listener failed for %s", reject.cl_ord_id)


def not_found(what: str, ref: str, field: str) -> NotFound:
    return NotFound(f"No {what} {ref!r}", field=field, code=f"unknown_{field}")
