"""Our reject and denial codes -> FIX OrdRejReason (103) and CxlRejReason (102).

A code not listed goes out as "Other" (99); the code itself always leads the Text field.
"""

from __future__ import annotations

from oms.trading import risk
from oms.trading.fix import values as v

ORD_REJ_REASONS = {
    "unknown_instrument": v.ORD_REJ_UNKNOWN_SYMBOL,
    "instrument_inactive": v.ORD_REJ_UNKNOWN_SYMBOL,
    "trading_halted": v.ORD_REJ_EXCHANGE_CLOSED,
    "unknown_account": v.ORD_REJ_UNKNOWN_ACCOUNT,
    "account_inactive": v.ORD_REJ_UNKNOWN_ACCOUNT,
    "duplicate_cl_ord_id": v.ORD_REJ_DUPLICATE,
    "duplicate": v.ORD_REJ_DUPLICATE,
    "invalid_quantity": v.ORD_REJ_INCORRECT_QUANTITY,
    "off_lot_size": v.ORD_REJ_INCORRECT_QUANTITY,
    "invalid_side": v.ORD_REJ_UNSUPPORTED,
    "invalid_order_type": v.ORD_REJ_UNSUPPORTED,
    "invalid_time_in_force": v.ORD_REJ_UNSUPPORTED,
    "price_required": v.ORD_REJ_UNSUPPORTED,
    "price_not_allowed": v.ORD_REJ_UNSUPPORTED,
    "stop_price_required": v.ORD_REJ_UNSUPPORTED,
    "stop_price_not_allowed": v.ORD_REJ_UNSUPPORTED,
    "expiry_required": v.ORD_REJ_UNSUPPORTED,
    "expiry_not_allowed": v.ORD_REJ_UNSUPPORTED,
    # pre-trade risk (oms.trading.risk)
    risk.MAX_ORDER_QTY: v.ORD_REJ_EXCEEDS_LIMIT,
    risk.MAX_ORDER_VALUE: v.ORD_REJ_EXCEEDS_LIMIT,
    risk.MAX_POSITION: v.ORD_REJ_EXCEEDS_LIMIT,
    risk.MAX_DAILY_VALUE: v.ORD_REJ_EXCEEDS_LIMIT,
    risk.PRICE_COLLAR: v.ORD_REJ_EXCEEDS_LIMIT,
    risk.KILL_SWITCH: v.ORD_REJ_BROKER_OPTION,
    risk.RESTRICTED: v.ORD_REJ_BROKER_OPTION,
    risk.SHORT_NOT_ALLOWED: v.ORD_REJ_BROKER_OPTION,
    risk.SHORT_NOT_FLAGGED: v.ORD_REJ_BROKER_OPTION,
    risk.RATE_LIMIT: v.ORD_REJ_BROKER_OPTION,
    risk.DUPLICATE_ORDER: v.ORD_REJ_DUPLICATE,
    "unsupported": v.ORD_REJ_UNSUPPORTED,
}
CXL_REJ_REASONS = {
    "unknown_order": v.CXL_REJ_UNKNOWN_ORDER,
    "not_found": v.CXL_REJ_UNKNOWN_ORDER,
    "order_done": v.CXL_REJ_TOO_LATE,
    "too_late": v.CXL_REJ_TOO_LATE,
    "pending_request": v.CXL_REJ_ALREADY_PENDING,
    "duplicate_cl_ord_id": v.CXL_REJ_DUPLICATE_CL_ORD_ID,
}


def ord_rej_reason(code: str | None) -> str:
    return ORD_REJ_REASONS.get(code or "", v.ORD_REJ_OTHER)


def cxl_rej_reason(code: str | None) -> str:
    return CXL_REJ_REASONS.get(code or "", v.CXL_REJ_OTHER)
