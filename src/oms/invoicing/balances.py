"""What is owed on an invoice, and how much may still be credited: plain arithmetic, no database.

An invoice and the notes that adjust it form one account:

    balance = invoice total + debit notes - credit notes - payments allocated

(every amount is a stored, rounded document total or allocation, so the balance is an exact sum).
A credit note may take off at most what the invoice and its debit notes add up to after the credit
notes already issued; payments do not change that limit (crediting a paid invoice leaves a
negative balance: money the business owes the customer, refunded or kept as credit by payments).
"""

from __future__ import annotations

from decimal import Decimal

from oms.core.errors import DomainError
from oms.core.money import amount_rounded


class CreditExceedsBalance(DomainError):
    code = "credit_exceeds_balance"
    status = 422


def account_balance(*, total: Decimal, debited: Decimal, credited: Decimal, allocated: Decimal) -> Decimal:
    return total + debited - credited - allocated


def credit_left(*, total: Decimal, debited: Decimal, credited: Decimal) -> Decimal:
    """What a new credit note may still take off the invoice."""
    return total + debited - credited


def credit_check(*, amount: Decimal, total: Decimal, debited: Decimal, credited: Decimal, currency: str,
                 number: str = "the invoice") -> None:
    left = credit_left(total=total, debited=debited, credited=credited)
    if amount > left:
        shown = amount_rounded(left, currency)
        raise CreditExceedsBalance(
            f"A credit note of {amount_rounded(amount, currency)} {currency} is more than what is left to credit "
            f"on {number} ({shown} {currency})", field="lines", extra={"left_to_credit": str(shown)})
    if amount <= 0:
        raise DomainError("A credit note must take off more than zero", field="lines", code="invalid_amount")
