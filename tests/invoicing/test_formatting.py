"""Amounts, quantities, percentages and dates as English and Indonesian readers write them.
Plain Python: no database."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.errors import DomainError
from oms.core.money import UnknownCurrency
from oms.invoicing.formatting import (
    currency_label,
    display_places,
    format_amount,
    format_date,
    format_decimal,
    format_money,
    format_percent,
    format_quantity,
    format_unit_price,
    language_code,
)


@pytest.mark.parametrize("amount, currency, language, expected", [
    ("1250000", "IDR", "id", "Rp 1.250.000"),
    ("1250000", "IDR", "en", "IDR 1,250,000"),
    ("1250000.00", "IDR", "id", "Rp 1.250.000"),
    ("1234.5", "EUR", "en", "EUR 1,234.50"),
    ("1234.5", "EUR", "id", "EUR 1.234,50"),
    ("1234.50", "USD", "en", "USD 1,234.50"),
    ("1234.50", "USD", "id", "USD 1.234,50"),
    ("0", "USD", "en", "USD 0.00"),
    ("0.005", "USD", "en", "USD 0.01"),  # half up
    ("-0.004", "USD", "en", "USD 0.00"),  # no "-0.00"
    ("-25000", "IDR", "id", "-Rp 25.000"),
    ("-12", "USD", "en", "-USD 12.00"),
    ("999", "EUR", "en", "EUR 999.00"),
    ("1000", "EUR", "en", "EUR 1,000.00"),
    ("1234567890.12", "USD", "en", "USD 1,234,567,890.12"),
    ("1500", "JPY", "en", "JPY 1,500"),  # ISO minor unit 0
    ("1.2345", "KWD", "en", "KWD 1.235"),  # ISO minor unit 3
    ("12.5", "EUR", "fr", "EUR 12.50"),  # a language without a style: English
])
def test_format_money(amount, currency, language, expected):
    assert format_money(D(amount), currency, language) == expected


def test_rupiah_with_a_real_fraction_keeps_its_iso_decimals():
    """Whole rupiah are written without decimals; a fraction is never hidden by rounding."""
    assert format_money(D("1250000.50"), "IDR", "id") == "Rp 1.250.000,50"
    assert format_amount(D("1250000.5"), "IDR", "en") == "1,250,000.50"
    assert display_places(D("10"), "IDR") == 0
    assert display_places(D("10.25"), "IDR") == 2
    assert display_places(D("10"), "USD") == 2


def test_format_amount_is_the_number_alone():
    assert format_amount(D("1234.5"), "USD", "en") == "1,234.50"
    assert format_amount(D("1234.5"), "USD", "id") == "1.234,50"
    assert format_amount(D("1250000"), "IDR", "id") == "1.250.000"
    assert format_amount("617.25", "USD") == "617.25"  # strings are fine, English by default


def test_floats_and_unknown_currencies_are_refused():
    with pytest.raises(DomainError):
        format_money(1.5, "USD", "en")
    with pytest.raises(UnknownCurrency):
        format_money(D(1), "XYZ", "en")


def test_currency_label():
    assert currency_label("IDR", "id") == "Rp"
    assert currency_label("IDR", "en") == "IDR"
    assert currency_label("USD", "id") == "USD"


@pytest.mark.parametrize("value, language, expected", [
    ("2.0000", "en", "2"), ("1.5", "en", "1.5"), ("1.5", "id", "1,5"), ("1000", "en", "1,000"),
    ("1000", "id", "1.000"), ("0.125", "id", "0,125"), ("0", "en", "0"), ("100", "en", "100"),
])
def test_format_quantity(value, language, expected):
    assert format_quantity(D(value), language) == expected


@pytest.mark.parametrize("value, language, expected", [
    ("11.0000", "en", "11%"), ("10.0000", "id", "10%"), ("12.5", "en", "12.5%"), ("12.5", "id", "12,5%"),
    ("0", "id", "0%"),
])
def test_format_percent(value, language, expected):
    assert format_percent(D(value), language) == expected


@pytest.mark.parametrize("value, currency, language, expected", [
    ("617.25", "USD", "en", "617.25"), ("10", "USD", "en", "10.00"), ("0.4567", "USD", "en", "0.4567"),
    ("0.4567", "USD", "id", "0,4567"), ("250000", "IDR", "id", "250.000"), ("12.3456789", "EUR", "en", "12.3457"),
])
def test_format_unit_price_keeps_the_decimals_a_price_has(value, currency, language, expected):
    assert format_unit_price(D(value), currency, language) == expected


@pytest.mark.parametrize("value, language, style, expected", [
    (dt.date(2026, 11, 25), "en", None, "25 Nov 2026"),
    (dt.date(2026, 11, 25), "id", None, "25 November 2026"),
    (dt.date(2026, 12, 25), "id", None, "25 Desember 2026"),
    (dt.date(2026, 8, 17), "id", "short", "17 Agu 2026"),
    (dt.date(2026, 5, 1), "id", None, "1 Mei 2026"),
    (dt.date(2026, 5, 1), "en", "long", "1 May 2026"),
    (dt.date(2026, 1, 5), "en", None, "5 Jan 2026"),
    (dt.datetime(2026, 2, 3, 23, 59), "id", None, "3 Februari 2026"),
    (None, "en", None, ""),
])
def test_format_date(value, language, style, expected):
    assert format_date(value, language, style=style) == expected


def test_language_code():
    assert language_code("id") == "id"
    assert language_code("id-ID") == "id"
    assert language_code("ID_id") == "id"
    assert language_code("en-us") == "en"
    assert language_code("") == "en"
    assert language_code(None) == "en"
    assert language_code("de") == "en"


@settings(max_examples=200, derandomize=True)
@given(st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["en", "id"]))
def test_grouped_amounts_read_back_to_the_same_number(value, language):
    text = format_decimal(value, 2, language)
    group, decimal = (",", ".") if language == "en" else (".", ",")
    whole, _, fraction = text.lstrip("-").partition(decimal)
    assert all(len(part) == 3 for part in whole.split(group)[1:])
    assert 1 <= len(whole.split(group)[0]) <= 3
    read = D(text.replace(group, "").replace(decimal, "."))
    assert read == value
