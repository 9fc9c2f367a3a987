"""FIX 4.4 field values <-> the gateway's lower-case names, and the FIX data formats we use.

Pure Python (no quickfix): the tables are the FIX 4.4 enumerations of the data dictionary; the tests
check every code here against ``FIX44.xml`` so that a typo cannot reach a counterparty.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

# Tags used by the codec (FIX 4.4 numbers; names as in the data dictionary).
ACCOUNT, AVG_PX, CL_ORD_ID, COMMISSION, COMM_TYPE, CUM_QTY = 1, 6, 11, 12, 13, 14
EXEC_ID, EXEC_REF_ID, LAST_PX, LAST_QTY, MSG_SEQ_NUM, MSG_TYPE = 17, 19, 31, 32, 34, 35
ORDER_ID, ORDER_QTY, ORD_STATUS, ORD_TYPE, ORIG_CL_ORD_ID, PRICE = 37, 38, 39, 40, 41, 44
REF_SEQ_NUM, SIDE, SYMBOL, TEXT, TIME_IN_FORCE, TRANSACT_TIME = 45, 54, 55, 58, 59, 60
HANDL_INST, STOP_PX, SECURITY_ID, SECURITY_ID_SOURCE, EX_DESTINATION = 21, 99, 48, 22, 100
CXL_REJ_REASON, ORD_REJ_REASON, EXPIRE_TIME, MISC_FEE_AMT, NO_MISC_FEES = 102, 103, 126, 137, 136
MISC_FEE_TYPE, EXEC_TYPE, LEAVES_QTY, REF_TAG_ID, REF_MSG_TYPE = 139, 150, 151, 371, 372
SESSION_REJECT_REASON, BUSINESS_REJECT_REF_ID, BUSINESS_REJECT_REASON = 373, 379, 380
CXL_REJ_RESPONSE_TO, EXPIRE_DATE, LAST_LIQUIDITY_IND = 434, 432, 851

SIDE_CODES = {"buy": "1", "sell": "2", "sell_short": "5"}
ORDER_TYPE_CODES = {"market": "1", "limit": "2", "stop": "3", "stop_limit": "4"}
TIME_IN_FORCE_CODES = {"day": "0", "gtc": "1", "at_the_open": "2", "ioc": "3", "fok": "4", "gtd": "6",
                       "at_the_close": "7"}
EXEC_TYPE_CODES = {"new": "0", "done_for_day": "3", "canceled": "4", "replaced": "5", "pending_cancel": "6",
                   "stopped": "7", "rejected": "8", "suspended": "9", "pending_new": "A", "expired": "C",
                   "restated": "D", "pending_replace": "E", "trade": "F", "trade_correct": "G",
                   "trade_cancel": "H", "order_status": "I"}
# "denied" is our own state (stopped by pre-trade checks); a FIX client sees it as Rejected.
ORD_STATUS_CODES = {"new": "0", "partially_filled": "1", "filled": "2", "done_for_day": "3", "canceled": "4",
                    "pending_cancel": "6", "stopped": "7", "rejected": "8", "suspended": "9",
                    "pending_new": "A", "expired": "C", "pending_replace": "E"}
ORD_STATUS_OUT = {**ORD_STATUS_CODES, "denied": "8"}
LIQUIDITY_CODES = {"added": "1", "removed": "2"}
RESPONSE_TO_CODES = {"cancel": "1", "replace": "2"}

# OrdRejReason (103) and CxlRejReason (102) codes we answer with.
ORD_REJ_BROKER_OPTION, ORD_REJ_UNKNOWN_SYMBOL, ORD_REJ_EXCHANGE_CLOSED, ORD_REJ_EXCEEDS_LIMIT = "0", "1", "2", "3"
ORD_REJ_UNKNOWN_ORDER, ORD_REJ_DUPLICATE, ORD_REJ_UNSUPPORTED = "5", "6", "11"
ORD_REJ_INCORRECT_QUANTITY, ORD_REJ_UNKNOWN_ACCOUNT, ORD_REJ_OTHER = "13", "15", "99"
CXL_REJ_TOO_LATE, CXL_REJ_UNKNOWN_ORDER, CXL_REJ_BROKER_OPTION = "0", "1", "2"
CXL_REJ_ALREADY_PENDING, CXL_REJ_DUPLICATE_CL_ORD_ID, CXL_REJ_OTHER = "3", "6", "99"
# SessionRejectReason (373) and BusinessRejectReason (380).
SESSION_REJ_REQUIRED_TAG_MISSING, SESSION_REJ_VALUE_INCORRECT, SESSION_REJ_DATA_FORMAT = "1", "5", "6"
BUSINESS_REJ_OTHER, BUSINESS_REJ_UNKNOWN_ID, BUSINESS_REJ_UNSUPPORTED_MSG_TYPE = "0", "1", "3"
BUSINESS_REJ_NOT_AUTHORIZED, BUSINESS_REJ_REQUIRED_FIELD_MISSING = "6", "5"
COMM_TYPE_ABSOLUTE = "3"
MISC_FEE_EXCHANGE = "4"

_DECIMAL = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
_TIMESTAMP = re.compile(r"^(\d{8})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")
_DATE = re.compile(r"^\d{8}$")


class FieldError(ValueError):
    """A field is missing or its value is malformed: answered with a session Reject (35=3)."""

    def __init__(self, tag: int, reason: str, text: str) -> None:
        super().__init__(text)
        self.tag = tag
        self.reason = reason  # a SessionRejectReason code
        self.text = text


def code_of(table: dict[str, str], name: str, tag: int) -> str:
    try:
        return table[name]
    except KeyError:
        raise FieldError(tag, SESSION_REJ_VALUE_INCORRECT, f"{name!r} has no FIX code for tag {tag}") from None


def name_of(table: dict[str, str], code: str, tag: int) -> str:
    for name, value in table.items():
        if value == code:
            return name
    raise FieldError(tag, SESSION_REJ_VALUE_INCORRECT, f"value {code!r} of tag {tag} is not supported")


def format_decimal(value: Decimal | int) -> str:
    """Exact, never in exponent form (FIX floats have none): Decimal('1E+2') -> '100'. Never a float."""
    if isinstance(value, int) and not isinstance(value, bool):  # a model default such as 0
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{value} cannot be sent over FIX")
    text = format(value, "f")
    return text


def is_decimal(text: str | None) -> bool:
    return text is not None and bool(_DECIMAL.match(text))


def parse_decimal(text: str, tag: int) -> Decimal:
    if not _DECIMAL.match(text):
        raise FieldError(tag, SESSION_REJ_DATA_FORMAT, f"tag {tag}: {text!r} is not a FIX decimal")
    return Decimal(text)


def format_timestamp(moment: datetime) -> str:
    """UTCTimestamp with microseconds: 20261125-15:10:43.123456."""
    if moment.tzinfo is None:
        raise ValueError("a FIX UTCTimestamp needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S.%f")


def parse_timestamp(text: str, tag: int) -> datetime:
    """Accepts seconds, milliseconds, microseconds or nanoseconds (the last truncated to microseconds)."""
    match = _TIMESTAMP.match(text)
    if not match:
        raise FieldError(tag, SESSION_REJ_DATA_FORMAT, f"tag {tag}: {text!r} is not a UTCTimestamp")
    day, hour, minute, second, fraction = match.groups()
    micros = int((fraction or "").ljust(6, "0")[:6])
    try:
        return datetime(int(day[:4]), int(day[4:6]), int(day[6:]), int(hour), int(minute), int(second), micros,
                        tzinfo=UTC)
    except ValueError:
        raise FieldError(tag, SESSION_REJ_DATA_FORMAT, f"tag {tag}: {text!r} is not a valid time") from None


def parse_local_date_end(text: str, tag: int) -> datetime:
    """ExpireDate (LocalMktDate) taken as the end of that day in UTC: the order lives through it."""
    if not _DATE.match(text):
        raise FieldError(tag, SESSION_REJ_DATA_FORMAT, f"tag {tag}: {text!r} is not a date")
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise FieldError(tag, SESSION_REJ_DATA_FORMAT, f"tag {tag}: {text!r} is not a valid date") from None
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1)
