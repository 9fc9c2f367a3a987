"""Reading cells and files, without a database: numbers, money, dates, encodings, delimiters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.interop.importers.reading import detect_encoding, sniff_delimiter
from oms.interop.importers.values import (
    CellError, parse_bool, parse_datetime, parse_decimal, parse_money, parse_quantity,
)


@pytest.mark.parametrize("raw,expected", [
    ("12", D("12")), ("12.50", D("12.50")), ("12,50", D("12.50")), ("1,234.56", D("1234.56")),
    ("1.234,56", D("1234.56")), ("1 234,56", D("1234.56")), ("1\u00a0234,56", D("1234.56")),
    ("1'234.50", D("1234.50")), ("1,234", D("1234")), ("1.234.567", D("1234567")), ("1,234,567.8", D("1234567.8")),
    ("-3", D("-3")), ("$12.00", D("12.00")), ("12,00 €", D("12.00")), ("EUR 9", D("9")), ("(5.00)", D("-5.00")),
    ("", None), ("  ", None),
])
def test_numbers_as_spreadsheets_write_them(raw, expected):
    assert parse_decimal(raw, "Price") == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3,4,5", "12a", "NaN", "Infinity"])
def test_not_numbers(raw):
    with pytest.raises(CellError) as exc:
        parse_decimal(raw, "Price")
    assert exc.value.column == "Price" and exc.value.code == "invalid_number"


@given(st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2))
def test_any_amount_written_either_way_reads_back_the_same(amount):
    us = f"{amount:,.2f}"
    european = us.replace(",", " ").replace(".", ",")
    assert parse_money(us, "Price", "EUR") == amount
    assert parse_money(european, "Price", "EUR") == amount


def test_money_is_never_rounded_silently():
    assert parse_money("10.10", "Price", "EUR") == D("10.10")
    assert parse_money("100.00", "Price", "JPY") == D("100")  # zeros beyond the minor unit are harmless
    assert parse_money("1.234", "Price", "KWD") == D("1.234")
    for raw, currency in (("10.001", "EUR"), ("100.5", "JPY")):
        with pytest.raises(CellError) as exc:
            parse_money(raw, "Price", currency)
        assert exc.value.code == "too_many_decimals"
    with pytest.raises(CellError):
        parse_money("-1", "Price", "EUR")


def test_quantities():
    assert parse_quantity("2", "Qty") == D(2)
    assert parse_quantity("1,5", "Qty") == D("1.5")
    for raw in ("0", "-1", "1.23456", ""):
        with pytest.raises(CellError):
            parse_quantity(raw, "Qty")


@pytest.mark.parametrize("raw,expected", [
    ("2025-05-11 09:55:16 -0400", datetime(2025, 5, 11, 9, 55, 16, tzinfo=timezone(timedelta(hours=-4)))),
    ("2025-05-11T09:55:16Z", datetime(2025, 5, 11, 9, 55, 16, tzinfo=timezone.utc)),
    ("2025-05-11T09:55:16+02:00", datetime(2025, 5, 11, 7, 55, 16, tzinfo=timezone.utc)),
    ("2025-12-01 10:37:22", datetime(2025, 12, 1, 10, 37, 22, tzinfo=timezone.utc)),
    ("2025-05-11", datetime(2025, 5, 11, tzinfo=timezone.utc)),
    ("05/11/2025", datetime(2025, 5, 11, tzinfo=timezone.utc)),
    ("12/31/2018", datetime(2018, 12, 31, tzinfo=timezone.utc)),
    ("31/12/2018", datetime(2018, 12, 31, tzinfo=timezone.utc)),
    ("11.05.2025 14:30", datetime(2025, 5, 11, 14, 30, tzinfo=timezone.utc)),
    ("May 11, 2025", datetime(2025, 5, 11, tzinfo=timezone.utc)),
    ("5/11/2025 2:05 PM", datetime(2025, 5, 11, 14, 5, tzinfo=timezone.utc)),
])
def test_dates_in_several_formats(raw, expected):
    assert parse_datetime(raw, "Created at") == expected


def test_day_first_and_bad_dates():
    assert parse_datetime("05/11/2025", "d", day_first=True).month == 11
    for raw in ("31/31/2025", "yesterday", "2025-13-01", "02/30/2025"):
        with pytest.raises(CellError) as exc:
            parse_datetime(raw, "Created at")
        assert exc.value.code == "invalid_date"


def test_booleans():
    assert parse_bool("TRUE", "x") and parse_bool("yes", "x") and parse_bool("1", "x")
    assert not parse_bool("false", "x") and not parse_bool("", "x")
    with pytest.raises(CellError):
        parse_bool("maybe", "x")


def test_encodings_and_delimiters():
    assert detect_encoding("\ufeffa,b".encode()) == "utf-8-sig"
    assert detect_encoding("Crème,brûlée".encode()) == "utf-8"
    assert detect_encoding("Crème,brûlée – “quoted”".encode("cp1252")) == "cp1252"
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter('a,b,c\n1,"2;3",4\n') == ","
