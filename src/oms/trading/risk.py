"""Pre-trade risk and compliance checks. Plain Python: the services load the facts, this decides.

Each check that fails gives a ``Denial`` with a stable code; the first failing check (in the order
of ``CHECKS``) denies the order. A limit left empty (None) is not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Denial codes, documented in docs/trading.md.
KILL_SWITCH = "kill_switch"
RESTRICTED = "restricted_instrument"
SHORT_NOT_ALLOWED = "short_sell_not_allowed"
SHORT_NOT_FLAGGED = "short_sell_not_flagged"
NO_REFERENCE_PRICE = "no_reference_price"
PRICE_COLLAR = "price_collar"
MAX_ORDER_QTY = "max_order_quantity"
MAX_ORDER_VALUE = "max_order_value"
MAX_POSITION = "max_position"
MAX_DAILY_VALUE = "max_daily_value"
RATE_LIMIT = "rate_limit"
DUPLICATE_ORDER = "duplicate_order"


@dataclass(frozen=True)
class Limits:
    max_order_quantity: Decimal | None = None
    max_order_value: Decimal | None = None
    max_position: Decimal | None = None        # absolute position, in shares, either way
    max_daily_value: Decimal | None = None     # traded today + this order, in the instrument's currency
    price_collar_percent: Decimal | None = None
    max_orders_per_second: int | None = None
    duplicate_window_seconds: int | None = None


@dataclass(frozen=True)
class RiskFacts:
    """What the services know when an order arrives."""

    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    reference_price: Decimal | None
    limits: Limits
    kill_switch: str | None = None          # "firm" or "account" when engaged
    restricted: str | None = None           # "firm" or "account" when the instrument is restricted
    short_selling_allowed: bool = False
    position: Decimal = ZERO                 # current signed position
    working_buy: Decimal = ZERO              # leaves of working buy orders
    working_sell: Decimal = ZERO             # leaves of working sell and sell-short orders
    traded_today: Decimal = ZERO             # value filled today
    orders_last_second: int = 0              # new orders received in the last second (this one excluded)
    duplicates_in_window: int = 0            # same instrument, side, quantity, price within the window
    block: bool = False                      # a block order: its accounts' holdings are known at allocation


@dataclass(frozen=True)
class Denial:
    code: str
    message: str
    field: str | None = None


def _value_price(f: RiskFacts) -> Decimal | None:
    return f.price if f.price is not None else f.reference_price


def _kill_switch(f: RiskFacts) -> Denial | None:
    if f.kill_switch:
        return Denial(KILL_SWITCH, f"The {f.kill_switch} kill switch is engaged: no new orders", "account")
    return None


def _restricted(f: RiskFacts) -> Denial | None:
    if f.restricted:
        scope = "firm-wide" if f.restricted == "firm" else "for this account"
        return Denial(RESTRICTED, f"The instrument is restricted {scope}", "instrument")
    return None


def _short(f: RiskFacts) -> Denial | None:
    if f.side == "sell_short" and not f.short_selling_allowed:
        return Denial(SHORT_NOT_ALLOWED, "This account may not sell short", "side")
    if f.side == "sell" and not f.block and f.quantity > max(f.position - f.working_sell, ZERO):
        return Denial(SHORT_NOT_FLAGGED, f"Selling {f.quantity} exceeds the {max(f.position - f.working_sell, ZERO)} "
                      "held and not already offered; mark the order sell_short", "side")
    return None


def _collar(f: RiskFacts) -> Denial | None:
    collar = f.limits.price_collar_percent
    if collar is None or f.price is None:
        return None
    if f.reference_price is None:
        return Denial(NO_REFERENCE_PRICE, "No reference price to check the price collar against", "price")
    low = f.reference_price * (HUNDRED - collar) / HUNDRED
    high = f.reference_price * (HUNDRED + collar) / HUNDRED
    if not low <= f.price <= high:
        return Denial(PRICE_COLLAR, f"Price {f.price} is outside the collar {low}..{high} "
                      f"({collar}% around {f.reference_price})", "price")
    return None


def _order_size(f: RiskFacts) -> Denial | None:
    lim = f.limits
    if lim.max_order_quantity is not None and f.quantity > lim.max_order_quantity:
        return Denial(MAX_ORDER_QTY, f"Quantity {f.quantity} exceeds the maximum {lim.max_order_quantity}", "quantity")
    if lim.max_order_value is not None:
        px = _value_price(f)
        if px is None:
            return Denial(NO_REFERENCE_PRICE, "No price to value this order against its maximum value", "price")
        if f.quantity * px > lim.max_order_value:
            return Denial(MAX_ORDER_VALUE, f"Order value {f.quantity * px} exceeds the maximum "
                          f"{lim.max_order_value}", "quantity")
    return None


def _position(f: RiskFacts) -> Denial | None:
    limit = f.limits.max_position
    if limit is None:
        return None
    if f.side == "buy":
        projected = f.position + f.working_buy + f.quantity
    else:
        projected = f.position - f.working_sell - f.quantity
    if abs(projected) > limit:
        return Denial(MAX_POSITION, f"The position would reach {projected}, beyond the maximum {limit}", "quantity")
    return None


def _daily(f: RiskFacts) -> Denial | None:
    limit = f.limits.max_daily_value
    if limit is None:
        return None
    px = _value_price(f)
    if px is None:
        return Denial(NO_REFERENCE_PRICE, "No price to value this order against the daily limit", "price")
    if f.traded_today + f.quantity * px > limit:
        return Denial(MAX_DAILY_VALUE, f"Traded today {f.traded_today} plus this order {f.quantity * px} exceeds "
                      f"the daily maximum {limit}", "quantity")
    return None


def _rate(f: RiskFacts) -> Denial | None:
    limit = f.limits.max_orders_per_second
    if limit is not None and f.orders_last_second >= limit:
        return Denial(RATE_LIMIT, f"More than {limit} new orders per second for this account", "account")
    return None


def _duplicate(f: RiskFacts) -> Denial | None:
    window = f.limits.duplicate_window_seconds
    if window is not None and f.duplicates_in_window:
        return Denial(DUPLICATE_ORDER, f"The same order (instrument, side, quantity, price) was received in the "
                      f"last {window} s", "cl_ord_id")
    return None


CHECKS: tuple[Callable[[RiskFacts], Denial | None], ...] = (
    _kill_switch, _restricted, _short, _rate, _duplicate, _collar, _order_size, _position, _daily,
)


def risk_evaluate(facts: RiskFacts) -> Denial | None:
    for check in CHECKS:
        denial = check(facts)
        if denial is not None:
            return denial
    return None
