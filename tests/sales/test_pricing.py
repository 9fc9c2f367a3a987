"""Line and order totals: exact, rounded per line, tax-inclusive and -exclusive (no database)."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.errors import DomainError
from oms.sales.pricing import LineInput, line_amounts, order_totals


def test_tax_exclusive_line_rounds_half_up_per_line():
    amounts = line_amounts(LineInput(quantity=D("3"), unit_price=D("3.335"), tax_rate=D("11")),
                           currency="USD", tax_inclusive=False)
    assert amounts.gross == D("10.01")  # 10.005 rounds up
    assert amounts.tax == D("1.10")  # 1.1011
    assert amounts.total == D("11.11")


def test_tax_inclusive_line_extracts_tax_from_the_price():
    amounts = line_amounts(LineInput(quantity=D("1"), unit_price=D("111000"), tax_rate=D("11")),
                           currency="IDR", tax_inclusive=True)
    assert amounts.total == D("111000")
    assert amounts.tax == D("11000")
    assert amounts.subtotal == D("100000")


def test_percent_and_amount_discounts_both_apply():
    amounts = line_amounts(LineInput(quantity=D("2"), unit_price=D("50"), discount_percent=D("10"),
                                     discount_amount=D("5"), tax_rate=D("0")), currency="EUR", tax_inclusive=False)
    assert (amounts.gross, amounts.discount, amounts.total) == (D("100.00"), D("15.00"), D("85.00"))


@pytest.mark.parametrize("line, field", [
    (LineInput(quantity=D(1), unit_price=D(10), discount_percent=D("100.01")), "lines.discount_percent"),
    (LineInput(quantity=D(1), unit_price=D(10), discount_amount=D("10.01")), "lines.discount_amount"),
    (LineInput(quantity=D(1), unit_price=D(-1)), "lines.unit_price"),
    (LineInput(quantity=D(1), unit_price=D(10), tax_rate=D(-1)), "lines.tax_rate"),
    (LineInput(quantity=D(10) ** 11, unit_price=D(10) ** 10), "lines.quantity"),
])
def test_bad_lines_are_refused_naming_the_field(line, field):
    with pytest.raises(DomainError) as err:
        line_amounts(line, currency="USD", tax_inclusive=False)
    assert err.value.field == field


prices = st.decimals(min_value=D("0"), max_value=D("100000"), places=4)
quantities = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3)
rates = st.sampled_from([D("0"), D("5"), D("10"), D("11"), D("12"), D("19.6")])
lines = st.builds(LineInput, quantity=quantities, unit_price=prices,
                  discount_percent=st.decimals(min_value=0, max_value=100, places=2), tax_rate=rates)


@settings(max_examples=150, deadline=None)
@given(st.lists(lines, min_size=1, max_size=8), st.sampled_from(["USD", "IDR", "KWD", "JPY"]), st.booleans())
def test_order_totals_are_exact_sums_of_rounded_lines(items, currency, inclusive):
    amounts = [line_amounts(x, currency=currency, tax_inclusive=inclusive) for x in items]
    totals = order_totals(amounts)
    places = {"USD": 2, "IDR": 2, "KWD": 3, "JPY": 0}[currency]
    quantum = D(1).scaleb(-places)
    for a in amounts:
        assert a.total == a.total.quantize(quantum) and a.tax == a.tax.quantize(quantum)
        assert a.total == a.subtotal + a.tax
        assert 0 <= a.discount <= a.gross
    assert totals.total == sum(a.total for a in amounts)
    assert totals.total == totals.subtotal + totals.tax_total
    assert totals.tax_total == sum(a.tax for a in amounts)
