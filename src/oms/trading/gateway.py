"""The boundary between the trading services and the outside world, in FIX terms.

Clients send us ``NewOrder``, ``CancelRequest`` and ``ReplaceRequest`` (over the API or a FIX
acceptor); we route orders to venues through a ``VenueGateway`` (the built-in simulated venue, or a
FIX initiator); venues answer with ``ExecutionReport`` and ``CancelReject``. Every client-facing
change of an order is announced as an ``OrderUpdate`` to the listeners registered here, after the
transaction that recorded it has committed (the FIX acceptor turns them into ExecutionReports).

These are plain frozen dataclasses so that the FIX layer, the simulated venue and the services
speak one language and can each be tested without the others. Enumerated values use the lower-case
names of the FIX enums (``side="sell_short"``, ``exec_type="trade"``, ``ord_status="partially_filled"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

SIDES = ("buy", "sell", "sell_short")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
TIMES_IN_FORCE = ("day", "gtc", "ioc", "fok", "gtd", "at_the_open", "at_the_close")
EXEC_TYPES = ("new", "trade", "canceled", "replaced", "pending_new", "pending_cancel", "pending_replace",
              "rejected", "expired", "done_for_day", "stopped", "suspended", "restated", "trade_cancel",
              "trade_correct", "order_status")
ORD_STATUSES = ("pending_new", "new", "partially_filled", "filled", "done_for_day", "pending_cancel", "canceled",
                "pending_replace", "rejected", "stopped", "suspended", "expired", "denied")


@dataclass(frozen=True)
class NewOrder:
    account: str                 # trading account code
    cl_ord_id: str               # unique per account
    instrument: str              # symbol or ISIN
    side: str
    order_type: str
    quantity: Decimal
    time_in_force: str = "day"
    price: Decimal | None = None
    stop_price: Decimal | None = None
    expire_at: datetime | None = None
    venue: str | None = None     # where to route; None: the account's default venue
    block_id: str | None = None  # set for a block order to be allocated later


@dataclass(frozen=True)
class CancelRequest:
    account: str
    cl_ord_id: str
    orig_cl_ord_id: str


@dataclass(frozen=True)
class ReplaceRequest:
    account: str
    cl_ord_id: str
    orig_cl_ord_id: str
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: str | None = None
    expire_at: datetime | None = None


@dataclass(frozen=True)
class ExecutionReport:
    """What a venue tells us about an order we routed (FIX 35=8)."""

    venue: str
    exec_id: str                 # unique per venue; a repeat is ignored
    exec_type: str
    ord_status: str
    cl_ord_id: str               # our routed ClOrdID
    orig_cl_ord_id: str | None = None
    venue_order_id: str | None = None
    last_qty: Decimal = Decimal("0")
    last_px: Decimal = Decimal("0")
    cum_qty: Decimal | None = None
    leaves_qty: Decimal | None = None
    liquidity: str | None = None  # "added" | "removed"
    commission: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    ref_exec_id: str | None = None  # the fill a trade_cancel (bust) or trade_correct refers to
    transact_time: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class CancelReject:
    """A venue refused a cancel or replace (FIX 35=9)."""

    venue: str
    cl_ord_id: str
    orig_cl_ord_id: str
    ord_status: str
    reason: str = ""
    response_to: str = "cancel"  # "cancel" | "replace"


@dataclass(frozen=True)
class OrderUpdate:
    """A client-facing change of one of our orders, announced after commit."""

    account: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_id: str                # our order number
    exec_id: str                 # our own execution id for this report
    exec_type: str
    ord_status: str
    instrument: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    last_qty: Decimal = Decimal("0")
    last_px: Decimal = Decimal("0")
    reject_code: str | None = None
    text: str = ""
    transact_time: datetime | None = None

    def __post_init__(self) -> None:
        # Every amount is a Decimal, whatever the caller passed (a model default can be the int 0): the FIX
        # codec and JSON encoders format Decimals, and ``0 == Decimal(0)`` would hide the difference in tests.
        for name in ("quantity", "price", "cum_qty", "leaves_qty", "avg_px", "last_qty", "last_px"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                object.__setattr__(self, name, Decimal(str(value)))


class VenueGateway(Protocol):
    """Sends our orders to one venue; the venue's answers come back through the services."""

    def send_new(self, order: NewOrder) -> None: ...

    def send_cancel(self, request: CancelRequest) -> None: ...

    def send_replace(self, request: ReplaceRequest) -> None: ...


# Explicit registries (no dynamic loading): venue code -> gateway, and order-update listeners.
_GATEWAYS: dict[str, VenueGateway] = {}
_LISTENERS: list[Callable[[OrderUpdate], None]] = []


def gateway_register(*, venue: str, gateway: VenueGateway) -> None:
    _GATEWAYS[venue] = gateway


def gateway_unregister(*, venue: str) -> None:
    _GATEWAYS.pop(venue, None)


def gateway_for(venue: str) -> VenueGateway | None:
    return _GATEWAYS.get(venue)


def gateway_venues() -> tuple[str, ...]:
    """The venues whose gateway this process hosts (the routing dispatcher sends their pending requests)."""
    return tuple(sorted(_GATEWAYS))


def order_updates_subscribe(listener: Callable[[OrderUpdate], None]) -> None:
    _LISTENERS.append(listener)


def order_updates_unsubscribe(listener: Callable[[OrderUpdate], None]) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def order_updates_listeners() -> tuple[Callable[[OrderUpdate], None], ...]:
    return tuple(_LISTENERS)


# -- Added by the trading services (additive): cancel/replace rejects a venue sent us, for the client. --------

@dataclass(frozen=True)
class CancelRejectUpdate:
    """A venue refused a client's cancel or replace: the FIX acceptor answers OrderCancelReject (35=9).

    Announced after commit to the ``cancel_rejects_*`` listeners (a refusal the services decide at once,
    e.g. an unknown or finished order, is raised as ``CancelRejected`` to the caller instead).
    """

    account: str
    cl_ord_id: str               # the client's ClOrdID of the refused cancel or replace
    orig_cl_ord_id: str          # the client's ClOrdID of the order it referred to
    order_id: str                # our order number
    ord_status: str              # the order's status now
    response_to: str             # "cancel" | "replace"
    reason: str = ""
    transact_time: datetime | None = None


_CANCEL_REJECT_LISTENERS: list[Callable[[CancelRejectUpdate], None]] = []


def cancel_rejects_subscribe(listener: Callable[[CancelRejectUpdate], None]) -> None:
    _CANCEL_REJECT_LISTENERS.append(listener)


def cancel_rejects_unsubscribe(listener: Callable[[CancelRejectUpdate], None]) -> None:
    if listener in _CANCEL_REJECT_LISTENERS:
        _CANCEL_REJECT_LISTENERS.remove(listener)


def cancel_rejects_listeners() -> tuple[Callable[[CancelRejectUpdate], None], ...]:
    return tuple(_CANCEL_REJECT_LISTENERS)
