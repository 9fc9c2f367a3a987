"""Checks of an order's terms against its instrument's rules. Plain Python.

A failed check is a ``Reject`` (code, message, field): the order is recorded as rejected with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from oms.trading.gateway import ORDER_TYPES, SIDES, TIMES_IN_FORCE


@dataclass(frozen=True)
class InstrumentRules:
    tick_size: Decimal
    lot_size: Decimal
    price_decimals: int
    quantity_decimals: int
    active: bool = True
    halted: bool = False


@dataclass(frozen=True)
class Reject:
    code: str
    message: str
    field: str | None = None


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def price_check(price: Decimal, rules: InstrumentRules, field: str) -> Reject | None:
    if not price.is_finite() or price <= 0:
        return Reject("invalid_price", f"{field} must be greater than zero", field)
    if _decimals(price) > rules.price_decimals:
        return Reject("too_many_decimals", f"{field} {price} has more than {rules.price_decimals} decimals", field)
    if price % rules.tick_size != 0:
        return Reject("off_tick_size", f"{field} {price} is not a multiple of the tick size {rules.tick_size}", field)
    return None


def quantity_check(quantity: Decimal, rules: InstrumentRules) -> Reject | None:
    if not quantity.is_finite() or quantity <= 0:
        return Reject("invalid_quantity", "quantity must be greater than zero", "quantity")
    if _decimals(quantity) > rules.quantity_decimals:
        return Reject("too_many_decimals", f"quantity {quantity} has more than {rules.quantity_decimals} decimals",
                      "quantity")
    if quantity % rules.lot_size != 0:
        return Reject("off_lot_size", f"quantity {quantity} is not a multiple of the lot size {rules.lot_size}",
                      "quantity")
    return None


def terms_check(*, order_type: str, time_in_force: str, price: Decimal | None, stop_price: Decimal | None,
                expire_at: datetime | None, now: datetime, rules: InstrumentRules) -> Reject | None:
    """Price, stop price and expiry against the order type and time in force."""
    if order_type not in ORDER_TYPES:
        return Reject("invalid_order_type", f"order_type must be one of {list(ORDER_TYPES)}", "order_type")
    if time_in_force not in TIMES_IN_FORCE:
        return Reject("invalid_time_in_force", f"time_in_force must be one of {list(TIMES_IN_FORCE)}",
                      "time_in_force")
    needs_price = order_type in ("limit", "stop_limit")
    if needs_price and price is None:
        return Reject("price_required", f"A {order_type} order needs a price", "price")
    if not needs_price and price is not None:
        return Reject("price_not_allowed", f"A {order_type} order has no limit price", "price")
    needs_stop = order_type in ("stop", "stop_limit")
    if needs_stop and stop_price is None:
        return Reject("stop_price_required", f"A {order_type} order needs a stop price", "stop_price")
    if not needs_stop and stop_price is not None:
        return Reject("stop_price_not_allowed", f"A {order_type} order has no stop price", "stop_price")
    for value, field in ((price, "price"), (stop_price, "stop_price")):
        if value is not None:
            problem = price_check(value, rules, field)
            if problem:
                return problem
    if time_in_force == "gtd":
        if expire_at is None:
            return Reject("expiry_required", "A good-till-date order needs expire_at", "expire_at")
        if expire_at <= now:
            return Reject("expiry_in_past", f"expire_at {expire_at.isoformat()} is not in the future", "expire_at")
    elif expire_at is not None:
        return Reject("expiry_not_allowed", "Only a good-till-date (gtd) order has an expiry", "expire_at")
    return None


def order_check(*, side: str, order_type: str, time_in_force: str, quantity: Decimal, price: Decimal | None,
                stop_price: Decimal | None, expire_at: datetime | None, now: datetime,
                rules: InstrumentRules | None) -> Reject | None:
    """Every check of a new order; None when it may go on to the risk checks."""
    if rules is None:
        return Reject("unknown_instrument", "No such instrument", "instrument")
    if not rules.active:
        return Reject("instrument_inactive", "The instrument is not active for trading", "instrument")
    if rules.halted:
        return Reject("trading_halted", "Trading in this instrument is halted", "instrument")
    if side not in SIDES:
        return Reject("invalid_side", f"side must be one of {list(SIDES)}", "side")
    return quantity_check(quantity, rules) or terms_check(
        order_type=order_type, time_in_force=time_in_force, price=price, stop_price=stop_price,
        expire_at=expire_at, now=now, rules=rules)
