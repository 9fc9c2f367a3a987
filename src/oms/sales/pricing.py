"""Line and order totals: plain Python over Decimal, rounded per line to the currency's minor unit.

Tax-exclusive: tax = round(net x rate), total = net + tax.
Tax-inclusive: the price already holds the tax: tax = net - round(net / (1 + rate)), total = net.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oms.core.errors import DomainError
from oms.core.money import MAX_ABS_AMOUNT, Money

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal  # after discount, as priced (with tax when tax-inclusive)
    tax: Decimal
    total: Decimal  # what the customer pays for the line

    @property
    def subtotal(self) -> Decimal:
        """The line's amount before tax."""
        return self.total - self.tax


@dataclass(frozen=True)
class OrderTotals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def _round(amount: Decimal, currency: str) -> Decimal:
    return Money(amount, currency).rounded().amount


def line_validate(line: LineInput, *, field: str = "lines") -> None:
    if line.unit_price < 0:
        raise DomainError("unit price must not be negative", field=f"{field}.unit_price", code="invalid_amount")
    if line.unit_price > MAX_ABS_AMOUNT:
        raise DomainError("unit price is too large", field=f"{field}.unit_price", code="amount_too_large")
    if not ZERO <= line.discount_percent <= HUNDRED:
        raise DomainError("discount percent must be between 0 and 100", field=f"{field}.discount_percent",
                          code="invalid_discount")
    if line.discount_amount < 0:
        raise DomainError("discount amount must not be negative", field=f"{field}.discount_amount",
                          code="invalid_discount")
    if not ZERO <= line.tax_rate <= HUNDRED:
        raise DomainError("tax rate must be between 0 and 100", field=f"{field}.tax_rate", code="invalid_tax_rate")


def line_amounts(line: LineInput, *, currency: str, tax_inclusive: bool, field: str = "lines") -> LineAmounts:
    line_validate(line, field=field)
    gross = _round(line.quantity * line.unit_price, currency)
    if gross > MAX_ABS_AMOUNT:
        raise DomainError("line amount is too large", field=f"{field}.quantity", code="amount_too_large")
    discount = _round(gross * line.discount_percent / HUNDRED, currency) + _round(line.discount_amount, currency)
    if discount > gross:
        raise DomainError("discount is larger than the line amount", field=f"{field}.discount_amount",
                          code="invalid_discount")
    net = gross - discount
    if tax_inclusive:
        tax = net - _round(net / (1 + line.tax_rate / HUNDRED), currency)
        total = net
    else:
        tax = _round(net * line.tax_rate / HUNDRED, currency)
        total = net + tax
    return LineAmounts(gross=gross, discount=discount, net=net, tax=tax, total=total)


def order_totals(lines: list[LineAmounts]) -> OrderTotals:
    total = sum((a.total for a in lines), ZERO)
    if total > MAX_ABS_AMOUNT:
        raise DomainError("order total is too large", field="lines", code="amount_too_large")
    return OrderTotals(
        subtotal=sum((a.subtotal for a in lines), ZERO),
        discount_total=sum((a.discount for a in lines), ZERO),
        tax_total=sum((a.tax for a in lines), ZERO),
        total=total,
    )
