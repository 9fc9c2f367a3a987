"""Choosing a price: plain Python over the candidate rows of one product, no database.

The rules, in order: only active lists in the wanted currency, valid on the date (both ends
inclusive, empty = open) and meant for the customer's group or for everyone; only breaks whose
``min_quantity`` the quantity reaches. Among those, a list for the customer's group beats a list
for everyone, then the higher list priority wins, then the highest quantity break. Remaining ties
go to the lower price, then the older list, so the answer never depends on row order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oms.core.money import Money


@dataclass(frozen=True, slots=True)
class PriceCandidate:
    """One price break of one price list, with the list's terms copied alongside."""

    price_list_id: int
    currency: str
    customer_group_id: int | None
    priority: int
    valid_from: date | None
    valid_to: date | None
    active: bool
    tax_inclusive: bool
    min_quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class PriceQuote:
    unit_price: Money
    price_list_id: int
    tax_inclusive: bool
    min_quantity: Decimal = Decimal(1)  # the quantity break that gave this price


def price_applies(c: PriceCandidate, *, currency: str, quantity: Decimal, on_date: date,
                  customer_group_id: int | None) -> bool:
    return (c.active and c.currency == currency and c.min_quantity <= quantity
            and (c.valid_from is None or c.valid_from <= on_date)
            and (c.valid_to is None or on_date <= c.valid_to)
            and (c.customer_group_id is None or c.customer_group_id == customer_group_id))


def _rank(c: PriceCandidate) -> tuple:
    return (c.customer_group_id is not None, c.priority, c.min_quantity, -c.price, -c.price_list_id)


def price_choose(candidates: Iterable[PriceCandidate], *, currency: str, quantity: Decimal, on_date: date,
                 customer_group_id: int | None = None) -> PriceCandidate | None:
    """The winning candidate, or None when no price applies."""
    applicable = [c for c in candidates if price_applies(c, currency=currency, quantity=quantity, on_date=on_date,
                                                         customer_group_id=customer_group_id)]
    return max(applicable, key=_rank) if applicable else None


def quote_of(c: PriceCandidate) -> PriceQuote:
    return PriceQuote(unit_price=Money(c.price, c.currency), price_list_id=c.price_list_id,
                      tax_inclusive=c.tax_inclusive, min_quantity=c.min_quantity)
