"""Columns of an export and how each value is written: as text in CSV, as a typed cell in XLSX.

Values are exact: an amount keeps every stored digit that matters (``19.0000`` USD is ``19.00``,
``0.1234`` USD stays ``0.1234``), quantities lose only trailing zeros (``12.5000`` is ``12.5``),
timestamps are ISO 8601 in UTC with their microseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from oms.core.money import is_known_currency, minor_unit_places


@dataclass(frozen=True)
class Column:
    name: str
    get: Callable[[object], object]


@dataclass(frozen=True)
class ExportRequest:
    """The filters an export was asked for; each export says which ones it understands."""

    status: str | None = None
    customer: str | None = None
    channel: str | None = None
    kind: str | None = None
    active: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    price_list: str | None = None

    def given(self) -> set[str]:
        return {name for name, value in self.__dict__.items() if value is not None}


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def money(amount: Decimal | None, currency: str) -> Decimal | None:
    """An amount with at least its currency's decimals and no trailing zeros beyond them."""
    if amount is None:
        return None
    amount = Decimal(amount)
    minimum = minor_unit_places(currency) if is_known_currency(currency) else 2
    places = max(minimum, _places(amount))
    return amount.quantize(Decimal(1).scaleb(-places))


def number(value: Decimal | None) -> Decimal | None:
    """A quantity or rate without trailing zeros (and never in exponent form)."""
    if value is None:
        return None
    value = Decimal(value)
    return value.quantize(Decimal(1).scaleb(-_places(value)))


def csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
    return str(value)


def xlsx_value(value: object) -> object:
    """Numbers, dates and booleans as real cells; Excel has no time zones, so timestamps are UTC."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, (dict, list)):
        return csv_text(value)
    return value


def address_columns(prefix: str, get: Callable[[object], dict | None]) -> list[Column]:
    """Seven columns ``{prefix}_name`` ... ``{prefix}_country`` from an address dict."""
    parts = ("name", "line1", "line2", "city", "region", "postal_code", "country")
    return [Column(f"{prefix}_{part}", lambda row, part=part: (get(row) or {}).get(part, "")) for part in parts]


def custom_columns(definitions: list, get: Callable[[object], dict]) -> list[Column]:
    """One ``custom.<key>`` column per active custom field definition of the record type."""
    return [Column(f"custom.{d.key}", lambda row, key=d.key: (get(row) or {}).get(key)) for d in definitions]
