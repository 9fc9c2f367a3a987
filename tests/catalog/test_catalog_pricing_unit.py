"""The price chooser is plain Python: these tests need no database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from oms.catalog.pricing import PriceCandidate, PriceQuote, price_choose, quote_of
from oms.core.money import Money

DAY = date(2025, 6, 15)
BASE = PriceCandidate(price_list_id=1, currency="EUR", customer_group_id=None, priority=0, valid_from=None,
                      valid_to=None, active=True, tax_inclusive=False, min_quantity=Decimal(1), price=Decimal("10"))


def row(**kw) -> PriceCandidate:
    return replace(BASE, **kw)


def choose(rows, quantity="1", on_date=DAY, group=None, currency="EUR"):
    return price_choose(rows, currency=currency, quantity=Decimal(quantity), on_date=on_date,
                        customer_group_id=group)


def test_single_generic_price():
    assert choose([BASE]) is BASE


def test_nothing_applies():
    assert choose([]) is None
    assert choose([row(active=False)]) is None
    assert choose([BASE], currency="USD") is None
    assert choose([row(min_quantity=Decimal(5))], quantity="4") is None
    assert choose([row(customer_group_id=7)], group=None) is None
    assert choose([row(customer_group_id=7)], group=8) is None


@pytest.mark.parametrize("valid_from, valid_to, applies", [
    (date(2025, 6, 15), None, True),          # first day included
    (None, date(2025, 6, 15), True),          # last day included
    (date(2025, 6, 15), date(2025, 6, 15), True),
    (date(2025, 6, 16), None, False),         # not yet valid
    (None, date(2025, 6, 14), False),         # expired
    (date(2025, 1, 1), date(2025, 12, 31), True),
])
def test_validity_dates_are_inclusive_and_open_when_empty(valid_from, valid_to, applies):
    assert (choose([row(valid_from=valid_from, valid_to=valid_to)]) is not None) is applies


def test_group_list_beats_generic_even_with_lower_priority():
    generic = row(price_list_id=1, priority=100, price=Decimal("8"))
    group = row(price_list_id=2, customer_group_id=7, priority=0, price=Decimal("9"))
    assert choose([generic, group], group=7) is group
    assert choose([generic, group], group=None) is generic


def test_higher_priority_wins_among_the_same_kind():
    low = row(price_list_id=1, priority=1, price=Decimal("5"))
    high = row(price_list_id=2, priority=5, price=Decimal("9"))
    assert choose([low, high]) is high


def test_highest_reached_quantity_break():
    breaks = [row(min_quantity=Decimal(1), price=Decimal("10")), row(min_quantity=Decimal(10), price=Decimal("9")),
              row(min_quantity=Decimal(100), price=Decimal("8"))]
    assert choose(breaks, quantity="1").price == Decimal("10")
    assert choose(breaks, quantity="9.999").price == Decimal("10")
    assert choose(breaks, quantity="10").price == Decimal("9")
    assert choose(breaks, quantity="5000").price == Decimal("8")


def test_group_list_without_a_reached_break_falls_back_to_generic():
    group = row(price_list_id=2, customer_group_id=7, min_quantity=Decimal(50), price=Decimal("7"))
    generic = row(price_list_id=1, price=Decimal("10"))
    assert choose([group, generic], quantity="10", group=7) is generic
    assert choose([group, generic], quantity="50", group=7) is group


def test_priority_ranks_before_quantity_break():
    big_break = row(price_list_id=1, priority=0, min_quantity=Decimal(10), price=Decimal("6"))
    preferred = row(price_list_id=2, priority=1, min_quantity=Decimal(1), price=Decimal("9"))
    assert choose([big_break, preferred], quantity="20") is preferred


def test_ties_are_settled_by_lower_price_then_older_list_whatever_the_order():
    a = row(price_list_id=1, price=Decimal("10"))
    b = row(price_list_id=2, price=Decimal("9"))
    c = row(price_list_id=3, price=Decimal("9"))
    assert choose([a, b, c]) is b
    assert choose([c, b, a]) is b


def test_quote_carries_money_list_and_tax_mode():
    quote = quote_of(row(price_list_id=4, tax_inclusive=True, price=Decimal("12.5000"), min_quantity=Decimal(10)))
    assert quote == PriceQuote(unit_price=Money(Decimal("12.5"), "EUR"), price_list_id=4, tax_inclusive=True,
                               min_quantity=Decimal(10))
    with pytest.raises(AttributeError):
        quote.price_list_id = 5  # frozen
