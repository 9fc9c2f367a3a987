"""Template filters of the back office."""

from __future__ import annotations

from decimal import Decimal

from django import template

from oms.core.money import amount_rounded, is_known_currency

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount rounded to its currency's minor unit, with thousands separators: 1,250,000.00."""
    if amount in (None, ""):
        return ""
    value = Decimal(str(amount))
    if currency and is_known_currency(currency):
        value = amount_rounded(value, currency)
    return f"{value:,}"
