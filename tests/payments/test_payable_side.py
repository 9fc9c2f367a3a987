"""Payments to suppliers (the payable side) live beside customer payments without touching them."""

from decimal import Decimal as D

import pytest
from payments_kit import issue

from oms.core.errors import Conflict, DomainError
from oms.parties.models import Party
from oms.payments.models import Payment
from oms.payments.selectors import customer_credit, customer_statement, payment_unallocated
from oms.payments.services import AllocationSpec, payment_allocate, payment_record, payment_send


@pytest.fixture
def both(ledger) -> Party:
    """A party that is a customer and a supplier at once."""
    ledger.acme.is_supplier = True
    ledger.acme.save()
    return ledger.acme


def test_a_payment_to_a_supplier_is_numbered_apart_and_is_not_customer_credit(both):
    invoice = issue(both, "100.00")
    payment_record(customer=both, amount="30.00", currency="USD", method="cash",
                   allocations=[AllocationSpec(invoice=invoice, amount="30.00")])
    sent = payment_send(supplier=both, amount="250.00", currency="USD", method="bank_transfer", reference="bill 1")
    assert sent.number.startswith("PP-") and sent.side == "payable" and sent.kind == "payment"
    assert payment_unallocated(payment=sent) == D(0)
    assert customer_credit(both, "USD").amount == D(0)
    statement = customer_statement(customer=both, currency="USD")
    assert statement.closing_balance == D("70.00")
    assert all(line.reference != sent.number for line, _ in statement.lines)
    with pytest.raises(Conflict) as err:
        payment_allocate(payment=sent, allocations=[AllocationSpec(invoice=invoice, amount="1.00")])
    assert err.value.code == "not_a_customer_payment"


def test_only_suppliers_are_paid(ledger):
    with pytest.raises(DomainError) as err:
        payment_send(supplier=ledger.bolt, amount="1.00", currency="USD", method="cash")
    assert err.value.code == "not_a_supplier"
    with pytest.raises(DomainError) as err:
        payment_send(supplier="NOPE", amount="1.00", currency="USD", method="cash")
    assert err.value.code == "not_found"
    assert not Payment.objects.exists()


def test_payments_api_shows_and_filters_the_side(api, both):
    payment_record(customer=both, amount="5.00", currency="USD", method="cash")
    sent = payment_send(supplier=both, amount="7.00", currency="USD", method="cash")
    payable = api.get("payments", {"side": "payable"}).json()["items"]
    assert [(p["number"], p["side"], p["amount"], p["unallocated"]) for p in payable] == [
        (sent.number, "payable", "7.00", "0.00")]
    assert [p["side"] for p in api.get("payments", {"side": "receivable"}).json()["items"]] == ["receivable"]
