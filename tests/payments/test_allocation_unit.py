"""Allocation rules and splitting as plain Python: no database."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.errors import DomainError
from oms.payments.allocation import (
    OpenDocument, Requested, allocations_check, amount_clean, credit_note_refundable, split_in_order,
)


def doc(key, balance, *, kind="invoice", status="issued", customer=1, currency="USD"):
    return OpenDocument(key=key, number=f"INV-{key}", kind=kind, status=status, customer=customer,
                        currency=currency, balance=D(balance))


def check(requests, documents, available="1000"):
    return allocations_check(customer=1, currency="USD", available=D(available),
                             requests=[Requested(k, D(a), f"allocations.{i}") for i, (k, a) in enumerate(requests)],
                             documents={d.key: d for d in documents})


def code_of(fn):
    with pytest.raises(DomainError) as info:
        fn()
    return info.value.code, info.value.field


def test_one_payment_to_several_documents_within_their_balances():
    assert check([(1, "40.00"), (2, "60.00")], [doc(1, "40.00"), doc(2, "100.00", kind="debit_note")]) == D("100.00")


def test_partially_paid_document_takes_more():
    assert check([(1, "10")], [doc(1, "15", status="partially_paid")]) == D(10)


@pytest.mark.parametrize("document, expected", [
    (doc(1, "50", status="draft"), ("invoice_not_open", "allocations.0.invoice")),
    (doc(1, "50", status="paid"), ("invoice_not_open", "allocations.0.invoice")),
    (doc(1, "50", status="cancelled"), ("invoice_not_open", "allocations.0.invoice")),
    (doc(1, "50", kind="credit_note"), ("not_allocatable", "allocations.0.invoice")),
    (doc(1, "50", currency="EUR"), ("currency_mismatch", "allocations.0.invoice")),
    (doc(1, "50", customer=2), ("customer_mismatch", "allocations.0.invoice")),
    (doc(1, "49.99"), ("allocation_exceeds_balance", "allocations.0.amount")),
])
def test_refused_allocations(document, expected):
    assert code_of(lambda: check([(1, "50")], [document])) == expected


def test_total_above_what_the_payment_has_left_is_refused():
    assert code_of(lambda: check([(1, "30"), (2, "30")], [doc(1, "30"), doc(2, "30")], available="59.99")) == (
        "allocation_exceeds_unallocated", "allocations")


def test_the_same_document_twice_is_refused():
    assert code_of(lambda: check([(1, "10"), (1, "10")], [doc(1, "30")]))[0] == "duplicate_invoice"


def test_exact_balance_and_exact_available_are_allowed():
    assert check([(1, "30.01")], [doc(1, "30.01")], available="30.01") == D("30.01")


@pytest.mark.parametrize("value, code", [("0", "invalid_amount"), ("-1", "invalid_amount"),
                                          ("1.001", "invalid_amount"), (1.5, "invalid_amount"),
                                          ("abc", "invalid_amount"), ("NaN", "invalid_amount")])
def test_amount_clean_refuses(value, code):
    assert code_of(lambda: amount_clean(value, currency="USD"))[0] == code


def test_amount_clean_follows_the_currency_minor_unit():
    assert amount_clean("1000", currency="JPY") == D(1000)
    assert code_of(lambda: amount_clean("1000.5", currency="JPY"))[0] == "invalid_amount"
    assert amount_clean("1.234", currency="KWD") == D("1.234")
    assert amount_clean(5, currency="USD") == D(5)


def test_split_in_order_oldest_first_and_leaves_the_rest():
    assert split_in_order(D("100"), [("a", D("30")), ("b", D("0")), ("c", D("50")), ("d", D("40"))]) == [
        ("a", D("30")), ("c", D("50")), ("d", D("20"))]
    assert split_in_order(D("10"), [("a", D("30"))]) == [("a", D("10"))]
    assert split_in_order(D("0"), [("a", D("30"))]) == []
    assert split_in_order(D("500"), [("a", D("30"))]) == [("a", D("30"))]


@given(st.integers(0, 10**7), st.lists(st.integers(-1000, 10**6), max_size=12))
def test_split_in_order_is_exact(amount_cents, open_cents):
    amount = D(amount_cents) / 100
    items = [(i, D(c) / 100) for i, c in enumerate(open_cents)]
    parts = split_in_order(amount, items)
    total = sum((p for _, p in parts), D(0))
    assert total == min(amount, sum((v for _, v in items if v > 0), D(0)))
    opened = dict(items)
    assert all(D(0) < part <= opened[key] for key, part in parts)
    # Earlier items are filled completely before a later one gets anything.
    keys = [k for k, _ in parts]
    for key, part in parts[:-1]:
        assert part == opened[key]
    assert keys == sorted(keys)


def test_credit_note_refundable():
    # Paid 100, credited 30: the customer is owed 30.
    assert credit_note_refundable(credit_note_total=D(30), already_refunded=D(0), original_balance=D(-30)) == D(30)
    # Not paid: the credit only reduced what is owed.
    assert credit_note_refundable(credit_note_total=D(30), already_refunded=D(0), original_balance=D(70)) == D(0)
    # Paid 80 of 100, credited 30: 10 is owed back.
    assert credit_note_refundable(credit_note_total=D(30), already_refunded=D(0), original_balance=D(-10)) == D(10)
    # Part already refunded.
    assert credit_note_refundable(credit_note_total=D(30), already_refunded=D(25), original_balance=D(-40)) == D(5)
