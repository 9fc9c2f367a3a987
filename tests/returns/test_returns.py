"""Returns through the services: the lifecycle, limits, inspection into the ledger, resolutions."""

from decimal import Decimal as D

import pytest
from kit import invoiced, shipped_order
from world import level

from oms.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from oms.core.models import AuditRecord, OutboxEvent
from oms.core.services.audit import audit_verify
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check
from oms.invoicing.models import Invoice
from oms.invoicing.selectors import customer_balance, invoice_balance
from oms.payments.models import Payment
from oms.payments.selectors import customer_credit
from oms.returns.models import Return, ReturnLine, ReturnSettlement
from oms.returns.selectors import returnable_quantities, returns_for_order
from oms.returns.services import (
    Inspection, ReturnLineSpec, return_approve, return_close, return_create, return_receive, return_reject,
    return_resolve,
)
from oms.returns.states import TRANSITIONS, ReturnStatus, can_transition
from oms.sales.states import OrderStatus

pytestmark = pytest.mark.django_db
S = ReturnStatus


def snapshot():
    return (Return.objects.count(), ReturnLine.objects.count(), ReturnSettlement.objects.count(),
            StockMove.objects.count(), OutboxEvent.objects.count(), AuditRecord.objects.count(),
            Invoice.objects.count(), Payment.objects.count())


def events_of(rma):
    return list(OutboxEvent.objects.filter(aggregate_type="returns.return", aggregate_id=str(rma.pk))
                .order_by("id").values_list("event_type", flat=True))


def test_request_approve_receive_by_inspection_and_refund(world, damaged):
    order, lines = shipped_order(("WIDGET", "4"), ("GADGET", "2"))
    invoice = invoiced(order, paid=True)
    assert invoice.total == D("100.10") and invoice_balance(invoice) == D(0)
    rma = return_create(order=order, reason="damaged", lines=[ReturnLineSpec(lines["WIDGET"].pk, "1"),
                                                             ReturnLineSpec(lines["GADGET"].pk, "1")])
    assert rma.status == S.REQUESTED and rma.number.startswith("RMA-")
    assert returnable_quantities(order=order) == {lines["WIDGET"].pk: D(3), lines["GADGET"].pk: D(1)}
    return_approve(rma=rma)
    rma = return_receive(rma=rma, inspection=[Inspection(lines["WIDGET"].pk, restock="1"),
                                              Inspection(lines["GADGET"].pk, damaged="1")])
    assert rma.status == S.RECEIVED
    assert level(world.widget, world.location) == (D(7), D(0))  # 10 - 4 shipped + 1 back
    assert level(world.gadget, world.location) == (D(3), D(0))  # the damaged one is not sellable stock
    assert level(world.gadget, damaged) == (D(1), D(0))
    moves = StockMove.objects.filter(reference=f"returns.return:{rma.pk}")
    assert sorted((m.product.sku, m.location.code, m.on_hand_delta, m.kind) for m in moves) == [
        ("GADGET", "DMG", D(1), "receipt"), ("WIDGET", "STOCK", D(1), "receipt")]
    assert ledger_check() == []

    rma = return_resolve(rma=rma, resolution="refund")
    assert rma.status == S.CLOSED and rma.resolution == "refund"
    (settlement,) = rma.settlements.all()
    assert settlement.credit_note.kind == "credit_note" and settlement.credit_note.total == D("39.05")
    assert settlement.refund.kind == "refund" and settlement.refund.amount == D("39.05")
    assert settlement.credit_note.original_id == invoice.pk
    assert invoice_balance(invoice) == D(0)
    assert customer_balance(world.customer, "USD") == D(0)
    assert customer_credit(world.customer, "USD").amount == D(0)
    assert events_of(rma) == ["return.requested", "return.approved", "return.received", "return.refunded",
                              "return.closed"]
    assert list(returns_for_order(order=order)) == [rma]
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED  # a return does not reopen the order
    assert audit_verify().ok


def test_a_return_never_exceeds_shipped_less_returned(world):
    order, lines = shipped_order(("WIDGET", "4"), ("GADGET", "2"), ship={"WIDGET": "3"})
    widget, gadget = lines["WIDGET"], lines["GADGET"]
    before = snapshot()
    with pytest.raises(Conflict) as err:
        return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk, "4")])
    assert err.value.code == "exceeds_returnable" and err.value.extra == {"returnable": "3"}
    assert err.value.field == "lines.0.quantity"
    with pytest.raises(Conflict) as err:
        return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(gadget.pk, "1")])  # not shipped
    assert err.value.extra == {"returnable": "0"}
    with pytest.raises(NotFound):
        return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk + 999, "1")])
    with pytest.raises(DomainError) as err:
        return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk, "0.5")])
    assert err.value.code == "invalid_quantity"
    with pytest.raises(DomainError) as err:
        return_create(order=order, reason="because", lines=[ReturnLineSpec(widget.pk, "1")])
    assert err.value.field == "reason"
    with pytest.raises(DomainError) as err:
        return_create(order=order, reason="other", lines=[ReturnLineSpec(widget.pk, "1"),
                                                          ReturnLineSpec(widget.pk, "1")])
    assert err.value.code == "duplicate"
    with pytest.raises(DomainError):
        return_create(order=order, reason="other", lines=[])
    assert snapshot() == before

    first = return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk, "2")])
    with pytest.raises(Conflict) as err:
        return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk, "2")])
    assert err.value.extra == {"returnable": "1"}
    return_reject(rma=first, reason="outside the return window")  # a rejected return frees its quantity
    return_create(order=order, reason="not_needed", lines=[ReturnLineSpec(widget.pk, "3")])
    assert returnable_quantities(order=order)[widget.pk] == D(0)


def test_every_transition_in_the_table_and_no_other(world):
    for a in S:
        for b in S:
            assert can_transition(a, b) == (b in TRANSITIONS[a])
    order, lines = shipped_order(("WIDGET", "3"))
    spec = [ReturnLineSpec(lines["WIDGET"].pk, "1")]
    rma = return_create(order=order, reason="defective", lines=spec)
    for bad in (lambda: return_receive(rma=rma), lambda: return_close(rma=rma),
                lambda: return_resolve(rma=rma, resolution="store_credit")):
        with pytest.raises(InvalidTransition) as err:
            bad()
        assert err.value.extra["from_state"] == "requested"
    with pytest.raises(DomainError) as err:
        return_reject(rma=rma, reason=" ")
    assert err.value.code == "required"
    return_reject(rma=rma, reason="photos show misuse")
    with pytest.raises(InvalidTransition):
        return_approve(rma=rma)
    withdrawn = return_approve(rma=return_create(order=order, reason="defective", lines=spec))
    assert return_reject(rma=withdrawn, reason="customer kept it").status == S.REJECTED
    closed = return_receive(rma=return_approve(rma=return_create(order=order, reason="defective", lines=spec)))
    closed = return_close(rma=closed, reason="goodwill, nothing owed")
    assert closed.status == S.CLOSED and closed.resolution == "none"
    with pytest.raises(InvalidTransition):
        return_resolve(rma=closed, resolution="refund")
    assert level(world.widget, world.location) == (D(8), D(0))  # 3 shipped, 1 back


def test_inspection_must_account_for_every_unit_and_needs_the_locations(world, damaged):
    order, lines = shipped_order(("WIDGET", "3"), ("GADGET", "1"))
    rma = return_approve(rma=return_create(order=order, reason="damaged", lines=[
        ReturnLineSpec(lines["WIDGET"].pk, "2"), ReturnLineSpec(lines["GADGET"].pk, "1")]))
    before = snapshot()
    bad = [
        ([Inspection(lines["WIDGET"].pk, restock="1"), Inspection(lines["GADGET"].pk, restock="1")],
         "inspection_mismatch"),
        ([Inspection(lines["WIDGET"].pk, restock="2")], "required"),
        ([Inspection(lines["WIDGET"].pk, restock="3", damaged="-1"), Inspection(lines["GADGET"].pk, restock="1")],
         "invalid_quantity"),
        ([Inspection(lines["WIDGET"].pk, restock="1", scrap="1"), Inspection(lines["GADGET"].pk, damaged="1")],
         "no_location"),  # the warehouse has no scrap location
    ]
    for inspection, code in bad:
        with pytest.raises(DomainError) as err:
            return_receive(rma=rma, inspection=inspection)
        assert err.value.code == code
    assert snapshot() == before
    rma.refresh_from_db()
    assert rma.status == S.APPROVED


def test_store_credit_leaves_the_credit_on_the_account(world):
    order, lines = shipped_order(("GADGET", "2"))
    invoice = invoiced(order, paid=True)
    rma = return_receive(rma=return_approve(rma=return_create(
        order=order, reason="not_as_described", lines=[ReturnLineSpec(lines["GADGET"].pk, "1")])))
    rma = return_resolve(rma=rma, resolution="store_credit")
    (settlement,) = rma.settlements.all()
    assert settlement.refund is None and settlement.credit_note.total == D("28.05")
    assert invoice_balance(invoice) == D("-28.05")  # the customer is owed this, to use later
    assert customer_balance(world.customer, "USD") == D("-28.05")
    assert not Payment.objects.filter(kind="refund").exists()
    assert events_of(rma)[-2:] == ["return.credited", "return.closed"]


def test_refund_of_an_unpaid_invoice_only_credits_it(world):
    order, lines = shipped_order(("WIDGET", "2"))
    invoice = invoiced(order)
    rma = return_receive(rma=return_approve(rma=return_create(
        order=order, reason="defective", lines=[ReturnLineSpec(lines["WIDGET"].pk, "1")])))
    rma = return_resolve(rma=rma, resolution="refund")
    assert invoice_balance(invoice) == D("11.00")  # 22.00 less the 11.00 credit: nothing to pay back
    assert not Payment.objects.filter(kind="refund").exists()
    assert events_of(rma)[-2] == "return.credited"


def test_goods_never_invoiced_cannot_be_refunded_and_nothing_is_written(world):
    order, lines = shipped_order(("WIDGET", "2"))
    rma = return_receive(rma=return_approve(rma=return_create(
        order=order, reason="defective", lines=[ReturnLineSpec(lines["WIDGET"].pk, "1")])))
    before = snapshot()
    with pytest.raises(Conflict) as err:
        return_resolve(rma=rma, resolution="refund")
    assert err.value.code == "not_invoiced"
    with pytest.raises(DomainError):
        return_resolve(rma=rma, resolution="cash please")
    with pytest.raises(DomainError) as err:
        return_resolve(rma=rma, resolution="refund", refund_method="gold")
    assert err.value.field == "refund_method"
    assert snapshot() == before
    rma.refresh_from_db()
    assert rma.status == S.RECEIVED


def test_two_returns_credit_each_unit_once(world):
    order, lines = shipped_order(("WIDGET", "2"))
    invoice = invoiced(order, paid=True)
    for _ in range(2):
        rma = return_receive(rma=return_approve(rma=return_create(
            order=order, reason="defective", lines=[ReturnLineSpec(lines["WIDGET"].pk, "1")])))
        return_resolve(rma=rma, resolution="refund")
    assert sorted(Payment.objects.filter(kind="refund").values_list("amount", flat=True)) == [D("11.00")] * 2
    assert invoice_balance(invoice) == D(0)
    assert Invoice.objects.filter(kind="credit_note", original=invoice).count() == 2


def test_exchange_makes_a_linked_replacement_order_at_no_charge(world):
    order, lines = shipped_order(("WIDGET", "2"), ("GADGET", "1"))
    rma = return_receive(rma=return_approve(rma=return_create(order=order, reason="wrong_item", lines=[
        ReturnLineSpec(lines["WIDGET"].pk, "1"), ReturnLineSpec(lines["GADGET"].pk, "1")])))
    rma = return_resolve(rma=rma, resolution="exchange", replacements={lines["GADGET"].pk: "WIDGET"})
    replacement = rma.exchange_order
    assert rma.resolution == "exchange" and replacement.status == OrderStatus.CONFIRMED
    assert replacement.total == D(0) and replacement.customer_id == order.customer_id
    assert sorted((x.sku, x.quantity) for x in replacement.lines.all()) == [("WIDGET", D(1)), ("WIDGET", D(1))]
    assert rma.number in replacement.notes
    assert level(world.widget, world.location) == (D(9), D(2))  # 8 left + 1 back; 2 reserved for the exchange
    assert not rma.settlements.exists()
    assert events_of(rma)[-2:] == ["return.exchanged", "return.closed"]
    assert ledger_check() == []


def test_an_exchange_out_of_stock_is_refused_and_writes_nothing(world, damaged):
    order, lines = shipped_order(("GADGET", "5"))  # every gadget shipped: none left for a replacement
    rma = return_approve(rma=return_create(order=order, reason="defective",
                                           lines=[ReturnLineSpec(lines["GADGET"].pk, "1")]))
    rma = return_receive(rma=rma, inspection=[Inspection(lines["GADGET"].pk, damaged="1")])
    assert level(world.gadget, world.location) == (D(0), D(0)) and level(world.gadget, damaged) == (D(1), D(0))
    before = snapshot()
    with pytest.raises(Conflict) as err:
        return_resolve(rma=rma, resolution="exchange")
    assert err.value.code == "insufficient_stock"
    assert snapshot() == before
    rma.refresh_from_db()
    assert rma.status == S.RECEIVED and rma.exchange_order is None
    rma = return_resolve(rma=rma, resolution="exchange", replacements={lines["GADGET"].pk: "WIDGET"})
    assert [(x.sku, x.quantity) for x in rma.exchange_order.lines.all()] == [("WIDGET", D(1))]
