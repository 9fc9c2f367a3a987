"""Amounts, quantities, percentages and dates written the way a reader of one language expects.

Plain Python over ``Decimal`` and ``date``: no database, no Django locale machinery, no floats.

English (``en``) groups thousands with ``,`` and writes decimals after ``.``; Indonesian (``id``)
the other way round (``1.234,50``). Amounts carry their currency: the ISO code in front
(``USD 1,234.50``), or the local symbol where the language has one (``Rp 1.250.000`` in Indonesian).

How many decimals: the currency's minor unit (ISO 4217, from ``oms.core.money``), except where
``DISPLAY_PLACES`` says people write fewer. The rupiah's ISO minor unit is 2, but invoices show
whole rupiah; an amount that really has a fraction (``1250000.50``) keeps its ISO decimals rather
than being shown rounded, so a printed figure never differs from the stored one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from oms.core.money import minor_unit_places, to_decimal


@dataclass(frozen=True)
class NumberStyle:
    group: str  # thousands separator
    decimal: str  # decimal mark
    symbols: dict[str, str]  # currency code -> symbol written instead of the code
    date_style: str  # "short" (25 Nov 2026) or "long" (25 November 2026)
    months_short: tuple[str, ...]
    months_long: tuple[str, ...]


NUMBER_STYLES: dict[str, NumberStyle] = {
    "en": NumberStyle(
        group=",", decimal=".", symbols={}, date_style="short",
        months_short=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        months_long=("January", "February", "March", "April", "May", "June", "July", "August",
                     "September", "October", "November", "December"),
    ),
    "id": NumberStyle(
        group=".", decimal=",", symbols={"IDR": "Rp"}, date_style="long",
        months_short=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
        months_long=("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                     "September", "Oktober", "November", "Desember"),
    ),
}
DEFAULT_LANGUAGE = "en"

# Currencies written with fewer decimals than their ISO 4217 minor unit (when the amount allows it).
DISPLAY_PLACES: dict[str, int] = {"IDR": 0}


def language_code(language: str | None) -> str:
    """``id-ID``, ``ID`` or ``id_ID`` -> ``id``; anything we have no style for -> ``en``."""
    code = (language or "").replace("_", "-").split("-")[0].lower()
    return code if code in NUMBER_STYLES else DEFAULT_LANGUAGE


def style_for(language: str | None) -> NumberStyle:
    return NUMBER_STYLES[language_code(language)]


def display_places(amount: Decimal, currency: str) -> int:
    """Decimals to show for this amount in this currency (see the module docstring)."""
    iso = minor_unit_places(currency)
    fewer = DISPLAY_PLACES.get(currency)
    if fewer is not None and fewer < iso:
        if amount == amount.quantize(Decimal(1).scaleb(-fewer), rounding=ROUND_HALF_UP):
            return fewer
    return iso


def format_decimal(value: object, places: int, language: str | None = None, *, grouping: bool = True) -> str:
    """``Decimal('1234.5'), 2`` -> ``1,234.50`` (en) / ``1.234,50`` (id). Rounds half up."""
    style = style_for(language)
    number = to_decimal(value, field="value")
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places >= 0 else number
    negative = number < 0 and number != 0
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    if grouping:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        whole = style.group.join(groups)
    result = whole + (style.decimal + fraction if fraction else "")
    return "-" + result if negative else result


def format_amount(amount: object, currency: str, language: str | None = None) -> str:
    """The number alone, with the currency's decimals: ``1,234.50``; IDR ``1.250.000`` (id)."""
    value = to_decimal(amount)
    return format_decimal(value, display_places(value, currency), language)


def format_unit_price(amount: object, currency: str, language: str | None = None, *, max_places: int = 4) -> str:
    """A unit price: the currency's decimals, more when the price has them (``0.4567`` stays
    ``0.4567``, not ``0.46``), up to ``max_places``."""
    value = to_decimal(amount)
    places = display_places(value, currency)
    normalized = value.normalize()
    needed = -normalized.as_tuple().exponent if normalized != 0 else 0
    return format_decimal(value, min(max(places, needed), max(places, max_places)), language)


def currency_label(currency: str, language: str | None = None) -> str:
    """What stands before an amount: ``Rp`` for IDR in Indonesian, otherwise the ISO code."""
    return style_for(language).symbols.get(currency, currency)


def format_money(amount: object, currency: str, language: str | None = None) -> str:
    """An amount with its currency: ``USD 1,234.50``, ``IDR 1,250,000`` (en), ``Rp 1.250.000`` (id).

    A negative amount puts the sign first: ``-USD 12.00``, ``-Rp 5.000``.
    """
    value = to_decimal(amount)
    number = format_amount(value, currency, language)
    sign = ""
    if number.startswith("-"):
        sign, number = "-", number[1:]
    return f"{sign}{currency_label(currency, language)} {number}"


def format_quantity(quantity: object, language: str | None = None) -> str:
    """A quantity without trailing zeros: ``2``, ``1.5`` (en) / ``1,5`` (id), ``1,000`` / ``1.000``."""
    value = to_decimal(quantity, field="quantity")
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent) if normalized != 0 else 0
    return format_decimal(value, places, language)


def format_percent(percent: object, language: str | None = None) -> str:
    """``Decimal('11.0000')`` -> ``11%``; ``12.5`` -> ``12.5%`` (en) / ``12,5%`` (id)."""
    return format_quantity(percent, language) + "%"


def format_date(value: dt.date | dt.datetime | None, language: str | None = None, *, style: str | None = None) -> str:
    """``25 Nov 2026`` (en), ``25 November 2026`` (id); ``style`` "short" or "long" overrides the
    language's usual one. ``None`` gives an empty string."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    lang = style_for(language)
    months = lang.months_long if (style or lang.date_style) == "long" else lang.months_short
    return f"{value.day} {months[value.month - 1]} {value.year}"
