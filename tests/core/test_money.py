"""Money: exact decimal amounts in one ISO 4217 currency, never a float."""

import dataclasses
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oms
from oms.core.errors import DomainError
from oms.core.money import (
    CurrencyMismatch, Money, UnknownCurrency, amount_rounded, minor_unit_places, money_sum,
)

CURRENCIES = ["USD", "EUR", "JPY", "KWD", "IDR", "BHD", "CLF"]
amounts = st.decimals(min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=4,
                      allow_nan=False, allow_infinity=False)
money = st.builds(Money, amounts, st.sampled_from(CURRENCIES))
PROPERTY = settings(max_examples=100, derandomize=True)  # the same examples every run


# -- minor units and rounding ------------------------------------------------------------------

@pytest.mark.parametrize("code, places", [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3),
                                          ("IDR", 2), ("CLF", 4)])
def test_minor_unit_places_follow_iso_4217(code, places):
    assert minor_unit_places(code) == places
    assert Money("1", code).places == places


@pytest.mark.parametrize("amount, code, expected", [
    ("12.345", "USD", "12.35"),
    ("12.344", "USD", "12.34"),
    ("1234.5", "JPY", "1235"),
    ("1234.4", "JPY", "1234"),
    ("1.2345", "KWD", "1.235"),
    ("15000.255", "IDR", "15000.26"),
    ("-0.005", "USD", "-0.01"),
])
def test_rounded_to_the_currency_minor_unit(amount, code, expected):
    result = Money(amount, code).rounded()
    assert result.amount == Decimal(expected)
    assert result.amount.as_tuple().exponent == -minor_unit_places(code)
    assert result.currency == code


@pytest.mark.parametrize("amount, code, half_up, half_even", [
    ("0.005", "USD", "0.01", "0.00"),
    ("0.015", "USD", "0.02", "0.02"),
    ("0.025", "USD", "0.03", "0.02"),
    ("2.5", "JPY", "3", "2"),
    ("3.5", "JPY", "4", "4"),
    ("0.0005", "KWD", "0.001", "0.000"),
])
def test_explicit_rounding_modes(amount, code, half_up, half_even):
    m = Money(amount, code)
    assert m.rounded(ROUND_HALF_UP).amount == Decimal(half_up)
    assert m.rounded(ROUND_HALF_EVEN).amount == Decimal(half_even)


def test_default_rounding_is_half_up():
    assert Money("0.005", "USD").rounded() == Money("0.01", "USD")


@PROPERTY
@given(money)
def test_rounding_is_within_half_a_minor_unit_and_idempotent(m):
    r = m.rounded()
    unit = Decimal(1).scaleb(-m.places)
    assert abs(r.amount - m.amount) <= unit / 2
    assert r.is_rounded()
    assert r.rounded() == r


@PROPERTY
@given(amounts, st.sampled_from(CURRENCIES))
def test_amount_rounded_is_the_rounded_money_amount(amount, code):
    """The shortcut every API answer uses for its amounts rounds exactly as Money does."""
    expected = Money(amount, code).rounded().amount
    got = amount_rounded(amount, code)
    assert got == expected and str(got) == str(expected)


def test_amount_rounded_refuses_what_money_refuses():
    with pytest.raises(UnknownCurrency):
        amount_rounded(Decimal("1.005"), "ZZZ")
    with pytest.raises(DomainError):
        amount_rounded(Decimal("NaN"), "USD")
    assert amount_rounded(Decimal("1.005"), "USD") == Decimal("1.01")  # half up
    assert str(amount_rounded(Decimal("2.5"), "JPY")) == "3"


# -- currencies must match ---------------------------------------------------------------------

@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a < b,
    lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b,
])
def test_combining_two_currencies_raises_currency_mismatch(op):
    with pytest.raises(CurrencyMismatch) as exc:
        op(Money("1.00", "USD"), Money("1.00", "EUR"))
    assert exc.value.code == "currency_mismatch"
    assert exc.value.status == 422


def test_money_sum_refuses_a_foreign_item():
    with pytest.raises(CurrencyMismatch):
        money_sum([Money("1", "USD"), Money("2", "JPY")], "USD")
    assert money_sum([Money("1.10", "USD"), Money("2.20", "USD")], "USD") == Money("3.30", "USD")


def test_money_does_not_combine_with_plain_numbers():
    with pytest.raises(TypeError):
        Money("1", "USD") + Decimal("1")  # noqa: B018
    with pytest.raises(TypeError):
        Money("1", "USD") * Money("2", "USD")  # noqa: B018


def test_same_currency_arithmetic_is_exact():
    assert Money("0.10", "USD") + Money("0.20", "USD") == Money("0.30", "USD")
    assert Money("1.00", "USD") - Money("0.99", "USD") == Money("0.01", "USD")
    assert Money("19.99", "USD") * 3 == Money("59.97", "USD")
    assert Money("1.00", "USD") < Money("1.01", "USD")
    assert Money("1", "USD") == Money("1.00", "USD")


@PROPERTY
@given(amounts, amounts, st.sampled_from(CURRENCIES))
def test_add_then_subtract_gives_back_the_same_amount(a, b, code):
    assert (Money(a, code) + Money(b, code)) - Money(b, code) == Money(a, code)


# -- no floats, no NaN, no unknown currencies ---------------------------------------------------

@pytest.mark.parametrize("bad", [0.1, 1.0, float("nan"), True])
def test_floats_and_bools_are_refused(bad):
    with pytest.raises(DomainError) as exc:
        Money(bad, "USD")
    assert exc.value.code == "invalid_amount"


def test_multiplying_by_a_float_is_refused():
    with pytest.raises(DomainError):
        Money("10.00", "USD") * 1.1  # noqa: B018


@pytest.mark.parametrize("bad", ["NaN", "sNaN", "Infinity", "-inf", Decimal("NaN"), Decimal("-Infinity"),
                                 "abc", "", "1,5"])
def test_nan_infinity_and_garbage_are_refused(bad):
    with pytest.raises(DomainError) as exc:
        Money(bad, "USD")
    assert exc.value.field == "amount"


@pytest.mark.parametrize("code", ["ABC", "usd", "XXX", "", "US", None])
def test_unknown_currency_is_refused(code):
    with pytest.raises(UnknownCurrency) as exc:
        Money("1", code)
    assert exc.value.field == "currency"


def test_amount_from_string_and_int_is_exact():
    assert Money("0.1", "USD").amount == Decimal("0.1")
    assert Money(7, "JPY").amount == Decimal(7)
    assert Money("12345678901234.5678", "USD").amount == Decimal("12345678901234.5678")


# -- immutability ------------------------------------------------------------------------------

def test_money_is_immutable():
    m = Money("5.00", "USD")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.amount = Decimal("6.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.currency = "EUR"
    with pytest.raises((AttributeError, TypeError)):
        m.extra = 1
    total = m + Money("1.00", "USD")
    assert m == Money("5.00", "USD") and total == Money("6.00", "USD")
    assert hash(Money("1.0", "USD")) == hash(Money("1.00", "USD"))


# -- allocation --------------------------------------------------------------------------------

def test_allocate_a_cent_that_does_not_divide():
    parts = Money("0.10", "USD").allocate([1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("0.04"), Decimal("0.03"), Decimal("0.03")]
    assert Money("100", "JPY").allocate([1, 2]) == [Money("34", "JPY"), Money("66", "JPY")]


def test_allocate_gives_nothing_to_a_zero_ratio():
    parts = Money("0.03", "USD").allocate([0, 1, 1])
    assert parts[0].amount == 0
    assert sum(p.amount for p in parts) == Decimal("0.03")


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocate_refuses_bad_ratios(ratios):
    with pytest.raises(DomainError):
        Money("1.00", "USD").allocate(ratios)


@PROPERTY
@given(money, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12)
       .filter(lambda r: sum(r) > 0))
def test_allocate_parts_sum_to_the_rounded_whole(m, ratios):
    parts = m.allocate(ratios)
    whole = m.rounded().amount
    unit = Decimal(1).scaleb(-m.places)
    total_ratio = sum(ratios)
    assert len(parts) == len(ratios)
    assert sum(p.amount for p in parts) == whole
    for part, ratio in zip(parts, ratios, strict=True):
        assert part.currency == m.currency
        assert part.is_rounded()
        # Each part is its exact share rounded down, plus at most one minor unit of the remainder.
        assert abs(part.amount - whole * ratio / total_ratio) <= unit
        if ratio == 0:
            assert part.amount == 0


@PROPERTY
@given(money, st.integers(min_value=1, max_value=50))
def test_allocate_equal_ratios_differ_by_at_most_one_minor_unit(m, n):
    parts = m.allocate([1] * n)
    unit = Decimal(1).scaleb(-m.places)
    assert sum(p.amount for p in parts) == m.rounded().amount
    assert max(p.amount for p in parts) - min(p.amount for p in parts) <= unit


# -- money is never a float anywhere in the code -----------------------------------------------

def test_no_float_in_source_code():
    """A float anywhere near money loses cents: the source has no float() calls and no FloatField."""
    root = Path(oms.__file__).resolve().parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.relative_to(root).parts or path.name.startswith("test_"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bfloat\s*\(", line) or "FloatField" in line:
                offenders.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    assert not offenders, "float used in source:\n" + "\n".join(offenders)
