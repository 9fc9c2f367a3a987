"""Reading one cell: numbers written the many ways spreadsheets write them, dates in several
formats, money no finer than its currency allows, booleans. Plain Python, tested without a database.

Each parser raises ``CellError`` naming the column and a reason a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from oms.core.money import MAX_ABS_AMOUNT, is_known_currency, minor_unit_places


class CellError(Exception):
    def __init__(self, column: str, reason: str, code: str = "invalid_value") -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Issue:
    """One problem with one source row: ``severity`` error (not imported) or warning (value dropped)."""

    line: int
    column: str
    code: str
    reason: str
    key: str = ""
    severity: str = "error"


_SPACES = re.compile(r"[\s\u00a0\u202f']")  # 1 234,50 / 1'234.50 (Swiss) / narrow no-break space
_SIGN = r"(?:[A-Z]{3}|[$€£¥₹₽₩₺₴₦฿₫₱¢])"
_CURRENCY_SIGNS = re.compile(rf"^{_SIGN}|{_SIGN}$")  # "$ 12.50", "12,50 €", "EUR 9"
_THOUSANDS_ONLY = re.compile(r"^\d{1,3}(,\d{3})+$")


def parse_decimal(raw: str, column: str) -> Decimal | None:
    """A number from text: "1,234.56", "1.234,56", "1 234,56", "1234,5", "-3", "$12". Empty -> None.

    The last of "." and "," is the decimal separator when both appear. A lone comma followed by
    exactly three digits ("1,234") is read as a thousands separator, as shop exports write it.
    """
    text = (raw or "").strip()
    if not text:
        return None
    negative = text.startswith("(") and text.endswith(")")  # accounting style (12.00)
    text = _CURRENCY_SIGNS.sub("", _SPACES.sub("", text.strip("()")))
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if _THOUSANDS_ONLY.match(text.lstrip("-+")) else text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(column, f"{raw!r} is not a number", "invalid_number") from None
    if not value.is_finite():
        raise CellError(column, f"{raw!r} is not a number", "invalid_number")
    return -value if negative else value


def parse_quantity(raw: str, column: str, *, default: Decimal | None = None) -> Decimal:
    value = parse_decimal(raw, column)
    if value is None:
        if default is None:
            raise CellError(column, "a quantity is required", "required")
        return default
    if value <= 0 or value >= Decimal(10) ** 12 or -value.as_tuple().exponent > 4:
        raise CellError(column, f"quantity {raw!r} must be positive, below 10^12, with at most 4 decimals",
                        "invalid_quantity")
    return value


def currency_code(raw: str, column: str) -> str:
    code = (raw or "").strip().upper()
    if not is_known_currency(code):
        raise CellError(column, f"unknown currency {raw!r} (expected an ISO 4217 code such as EUR)",
                        "unknown_currency")
    return code


def parse_money(raw: str, column: str, currency: str, *, required: bool = False,
                allow_negative: bool = False) -> Decimal | None:
    """An amount with no more decimals than ``currency`` has (12.345 EUR is refused, not rounded:
    a silently rounded price would change what was sold)."""
    value = parse_decimal(raw, column)
    if value is None:
        if required:
            raise CellError(column, "an amount is required", "required")
        return None
    if value < 0 and not allow_negative:
        raise CellError(column, f"amount {raw!r} must not be negative", "invalid_amount")
    if abs(value) > MAX_ABS_AMOUNT:
        raise CellError(column, f"amount {raw!r} is too large", "invalid_amount")
    places = minor_unit_places(currency)
    quantum = Decimal(1).scaleb(-places)
    if value != value.quantize(quantum):
        raise CellError(column, f"{raw!r} has more decimals than {currency} allows ({places})", "too_many_decimals")
    return value.quantize(quantum)


_TRUE = {"1", "true", "yes", "y", "t", "published", "active", "visible", "on"}
_FALSE = {"0", "false", "no", "n", "f", "", "draft", "off", "-1", "hidden"}


def parse_bool(raw: str, column: str, *, default: bool = False) -> bool:
    text = (raw or "").strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(column, f"{raw!r} is not true or false", "invalid_boolean")


_TZ_OFFSET = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2})$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d, %Y %I:%M %p",
)
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")


def _offset(text: str) -> tuple[str, timezone | None]:
    match = _TZ_OFFSET.search(text)
    if not match:
        return text, None
    token = match.group(1)
    if token == "Z":
        return text[:match.start()], timezone.utc
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    # Only treat a trailing -0400 as an offset after a time, not the day of a plain date.
    if ":" not in text[:match.start()]:
        return text, None
    return text[:match.start()], timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _slashed(text: str, column: str, day_first: bool) -> datetime | None:
    match = _SLASHED.match(text)
    if not match:
        return None
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if first > 12 and second <= 12:
        day_first = True
    elif second > 12 and first <= 12:
        day_first = False
    day, month = (first, second) if day_first else (second, first)
    hour, minute, sec = int(match.group(4) or 0), int(match.group(5) or 0), int(match.group(6) or 0)
    if match.group(7):
        hour = hour % 12 + (12 if match.group(7).lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, sec)
    except ValueError:
        raise CellError(column, f"{text!r} is not a real date", "invalid_date") from None


def parse_datetime(raw: str, column: str, *, tz: str = "UTC", day_first: bool = False) -> datetime | None:
    try:
        return _parse_datetime(raw, tz, day_first)
    except CellError as exc:
        exc.column = column
        raise


@lru_cache(maxsize=8192)  # exports repeat their timestamps (created = paid = fulfilled)
def _parse_datetime(raw: str, tz: str, day_first: bool) -> datetime | None:
    column = ""
    """A moment from "2025-05-11 09:55:16 -0400", "2025-12-01 10:37:22", "2018-01-31", "01/31/2018",
    "31/01/2018", "31.01.2018", "May 11, 2025"... Without an offset it is read in ``tz``. Slashed
    dates are month first (as Shopify and Odoo's US exports write them) unless one part is above
    12 or ``day_first`` is set."""
    text = (raw or "").strip()
    if not text:
        return None
    body, offset = _offset(text)
    body = body.strip()
    value = _slashed(body, column, day_first)
    if value is None:
        for fmt in _DATE_FORMATS:
            try:
                value = datetime.strptime(body, fmt)
                break
            except ValueError:
                continue
    if value is None:
        raise CellError(column, f"{raw!r} is not a date this import understands "
                                "(e.g. 2025-05-11 09:55:16 -0400, 2025-05-11, 05/11/2025, 11.05.2025)", "invalid_date")
    if value.year < 1900:
        raise CellError(column, f"{raw!r} is not a plausible date", "invalid_date")
    return value.replace(tzinfo=offset or ZoneInfo(tz))


def parse_date(raw: str, column: str, *, day_first: bool = False) -> date | None:
    value = parse_datetime(raw, column, day_first=day_first)
    return None if value is None else value.date()


def midnight(value: date, tz: str = "UTC") -> datetime:
    return datetime.combine(value, time(0), tzinfo=ZoneInfo(tz))


def text(raw: str | None, column: str, *, max_length: int, required: bool = False) -> str:
    value = (raw or "").strip()
    if required and not value:
        raise CellError(column, f"{column} is required", "required")
    if len(value) > max_length:
        raise CellError(column, f"{column} is longer than {max_length} characters", "too_long")
    return value
