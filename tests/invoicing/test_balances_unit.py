"""Balance arithmetic and the payment status as plain functions (no database)."""

from decimal import Decimal as D

import pytest

from oms.core.errors import DomainError
from oms.invoicing.balances import account_balance, credit_check, credit_left
from oms.invoicing.states import payment_status


def test_account_balance_and_what_is_left_to_credit():
    assert account_balance(total=D("100.00"), debited=D("10.00"), credited=D("30.00"), allocated=D("50.00")) == \
        D("30.00")
    assert credit_left(total=D("100.00"), debited=D("10.00"), credited=D("30.00")) == D("80.00")


def test_credit_check_refuses_more_than_is_left_and_nothing():
    credit_check(amount=D("80.00"), total=D("100.00"), debited=D("10.00"), credited=D("30.00"), currency="USD")
    with pytest.raises(DomainError) as exc:
        credit_check(amount=D("80.01"), total=D("100.00"), debited=D("10.00"), credited=D("30.00"),
                     currency="USD", number="INV-1")
    assert (exc.value.code, exc.value.status, exc.value.extra) == ("credit_exceeds_balance", 422,
                                                                   {"left_to_credit": "80.00"})
    assert "INV-1" in exc.value.message
    with pytest.raises(DomainError) as exc:
        credit_check(amount=D("0"), total=D("100.00"), debited=D(0), credited=D(0), currency="USD")
    assert exc.value.code == "invalid_amount"


@pytest.mark.parametrize("balance, allocated, adjusted, status", [
    (D("100"), D("0"), D("100"), "issued"),
    (D("40"), D("60"), D("100"), "partially_paid"),
    (D("0"), D("100"), D("100"), "paid"),
    (D("-5"), D("100"), D("95"), "paid"),  # credited after payment: nothing left to pay
    (D("0"), D("0"), D("0"), "paid"),  # fully credited
    (D("100"), D("-50"), D("100"), "issued"),  # a reversal brought it back
    (D("110"), D("100"), D("210"), "partially_paid"),  # a debit note after payment
])
def test_payment_status_follows_the_balance(balance, allocated, adjusted, status):
    assert payment_status(balance=balance, allocated=allocated, adjusted_total=adjusted) == status
