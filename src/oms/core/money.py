"""Money: an immutable Decimal amount with an ISO 4217 currency.

Currency data (codes and minor units) comes from py-moneyed's ISO 4217 table; the value type is
our own frozen dataclass because py-moneyed's Money is mutable. Floats are refused outright:
money that ever passed through a float has already lost cents.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from moneyed import CURRENCIES

from oms.core.errors import DomainError

# Amounts are stored as NUMERIC(MAX_DIGITS, DECIMAL_PLACES): enough for any currency's minor
# unit (up to 4 places, e.g. CLF) and for 10^14 of the largest units.
MAX_DIGITS = 19
DECIMAL_PLACES = 4
MAX_ABS_AMOUNT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES) - 1

DEFAULT_ROUNDING = ROUND_HALF_UP


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"
    status = 422


class UnknownCurrency(DomainError):
    code = "unknown_currency"
    status = 422


def is_known_currency(code: str) -> bool:
    return isinstance(code, str) and code in CURRENCIES and code != "XXX"


def minor_unit_places(code: str) -> int:
    """Decimal places of a currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD."""
    if not is_known_currency(code):
        raise UnknownCurrency(f"Unknown currency code {code!r}", field="currency")
    sub_unit = CURRENCIES[code].sub_unit or 1
    return len(str(sub_unit)) - 1


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Convert an int, str or Decimal to Decimal; refuse floats, NaN and infinities."""
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError(f"{field} must be a decimal string or integer, not a float", field=field, code="invalid_amount")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(f"{field} is not a valid decimal number", field=field, code="invalid_amount") from exc
    if not result.is_finite():
        raise DomainError(f"{field} must be a finite number", field=field, code="invalid_amount")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if not is_known_currency(self.currency):
            raise UnknownCurrency(f"Unknown currency code {self.currency!r}", field="currency")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"Cannot combine {self.currency} with {other.currency}", field="currency")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("Cannot multiply Money by Money")
        return Money(self.amount * to_decimal(factor, field="factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._check(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    @property
    def places(self) -> int:
        return minor_unit_places(self.currency)

    def rounded(self, rounding: str = DEFAULT_ROUNDING) -> Money:
        """Round to the currency's minor unit with an explicit rounding mode."""
        quantum = Decimal(1).scaleb(-self.places)
        return Money(self.amount.quantize(quantum, rounding=rounding), self.currency)

    def is_rounded(self) -> bool:
        return self.amount == self.rounded().amount

    def allocate(self, ratios: list[int | Decimal]) -> list[Money]:
        """Split into parts proportional to ratios, in minor units, losing nothing.

        The remainder left by rounding down is handed out one minor unit at a time, first parts
        first (never to a part whose ratio is zero), so the parts always add up to the (rounded) whole.
        """
        total_ratio = sum(Decimal(r) for r in ratios)
        if total_ratio <= 0 or any(Decimal(r) < 0 for r in ratios):
            raise DomainError("Ratios must be non-negative and not all zero", field="ratios")
        unit = Decimal(1).scaleb(-self.places)
        whole = self.rounded().amount
        units = int(whole / unit)
        sign = -1 if units < 0 else 1
        parts = [int(abs(units) * Decimal(r) // total_ratio) for r in ratios]
        receivers = [i for i, r in enumerate(ratios) if Decimal(r) > 0]
        for i in range(abs(units) - sum(parts)):
            parts[receivers[i % len(receivers)]] += 1
        return [Money(sign * p * unit, self.currency) for p in parts]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


@functools.cache
def _minor_unit_quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit_places(currency))


def amount_rounded(amount: Decimal, currency: str) -> Decimal:
    """A stored amount shown to the currency's minor unit (stored columns keep 4 places). Every API
    answer rounds each of its amounts so: a finite Decimal skips building two Money values."""
    if type(amount) is Decimal and amount.is_finite():
        return amount.quantize(_minor_unit_quantum(currency), rounding=DEFAULT_ROUNDING)
    return Money(amount, currency).rounded().amount


def money_sum(items: list[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total
