"""Partial receipts: some lines or quantities of an approved return arrive now, the rest later; the
return is partially received until everything is back, then received (and only then settled)."""

from decimal import Decimal as D

import pytest
from kit import invoiced, shipped_order
from world import level

from oms.core.errors import Conflict, DomainError, InvalidTransition
from oms.core.models import AuditRecord, OutboxEvent
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check
from oms.returns.models import Return
from oms.returns.selectors import returnable_quantities
from oms.returns.services import (
    Inspection, ReturnLineSpec, return_approve, return_create, return_receive, return_reject, return_resolve,
)
from oms.returns.states import TRANSITIONS, ReturnStatus

pytestmark = pytest.mark.django_db
S = ReturnStatus


@pytest.fixture
def rma(world):
    order, lines = shipped_order(("WIDGET", "4"), ("GADGET", "2"))
    rma = return_create(order=order, reason="damaged", lines=[ReturnLineSpec(lines["WIDGET"].pk, "3"),
                                                              ReturnLineSpec(lines["GADGET"].pk, "2")])
    return return_approve(rma=rma), lines


def _stock_moves(rma):
    return list(StockMove.objects.filter(reference=rma.stock_reference).order_by("id")
                .values_list("product__sku", "on_hand_delta"))


def test_the_table_allows_partial_receipts_only_after_approval():
    assert TRANSITIONS[S.APPROVED] >= {S.PARTIALLY_RECEIVED, S.RECEIVED}
    assert TRANSITIONS[S.PARTIALLY_RECEIVED] == {S.PARTIALLY_RECEIVED, S.RECEIVED}
    assert S.PARTIALLY_RECEIVED not in TRANSITIONS[S.REQUESTED]


def test_receive_in_three_parts_then_refund(world, damaged, scrap, rma):
    rma, lines = rma
    widget, gadget = lines["WIDGET"], lines["GADGET"]
    invoiced(rma.order, paid=True)
    widget_before = level(world.widget, world.location)

    rma = return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=widget.pk, restock="1")])
    assert rma.status == S.PARTIALLY_RECEIVED and rma.received_at is None
    assert level(world.widget, world.location)[0] == widget_before[0] + 1
    assert {x.order_line_id: x.quantity_outstanding for x in rma.lines.all()} == {widget.pk: D(2), gadget.pk: D(2)}

    # A partially received return cannot be settled or withdrawn yet.
    with pytest.raises(InvalidTransition):
        return_resolve(rma=rma, resolution="refund")
    with pytest.raises(InvalidTransition):
        return_reject(rma=rma, reason="changed our mind")

    rma = return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=widget.pk, restock="1", damaged="1"),
                                                            Inspection(line_id=gadget.pk, scrap="1")])
    assert rma.status == S.PARTIALLY_RECEIVED
    # The rest (one gadget) comes with a full receipt, which takes only what is outstanding.
    rma = return_receive(rma=rma)
    assert rma.status == S.RECEIVED and rma.received_at is not None
    got = {x.order_line_id: (x.quantity_restocked, x.quantity_damaged, x.quantity_scrapped, x.quantity_outstanding)
           for x in rma.lines.all()}
    assert got == {widget.pk: (D(2), D(1), D(0), D(0)), gadget.pk: (D(1), D(0), D(1), D(0))}
    assert level(world.widget, world.location)[0] == widget_before[0] + 2
    assert level(world.widget, damaged)[0] == 1
    assert sorted(_stock_moves(rma)) == sorted([("WIDGET", D(1)), ("WIDGET", D(1)), ("WIDGET", D(1)),
                                                ("GADGET", D(1)), ("GADGET", D(1))])
    assert ledger_check() == []
    actions = list(AuditRecord.objects.filter(object_type="returns.return", object_id=str(rma.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["return.requested", "return.approved", "return.partially_received",
                       "return.partially_received", "return.received"]
    first = OutboxEvent.objects.filter(event_type="return.partially_received").order_by("id").first()
    assert first.payload["lines"] == {str(widget.pk): {"restock": "1", "damaged": "0", "scrap": "0"}}
    assert first.payload["outstanding"] == {str(widget.pk): "2", str(gadget.pk): "2"}

    rma = return_resolve(rma=rma, resolution="refund")
    assert rma.status == S.CLOSED


def test_partial_receipts_that_add_up_to_everything_make_it_received(world, rma):
    rma, lines = rma
    rma = return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=lines["WIDGET"].pk, restock="3")])
    rma = return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=lines["GADGET"].pk, restock="2")])
    assert rma.status == S.RECEIVED
    assert OutboxEvent.objects.filter(event_type="return.received").count() == 1


def test_a_partial_receipt_cannot_exceed_what_is_outstanding(world, damaged, rma):
    rma, lines = rma
    widget = lines["WIDGET"].pk
    rma = return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=widget, restock="2")])
    moves, audits = StockMove.objects.count(), AuditRecord.objects.count()
    with pytest.raises(Conflict) as exc:
        return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=widget, restock="1", damaged="1")])
    assert exc.value.code == "exceeds_outstanding" and exc.value.field == "lines.0"
    assert exc.value.extra == {"outstanding": "1"}
    # A full receipt must account for exactly what is outstanding, not the whole return line.
    with pytest.raises(DomainError) as exc:
        return_receive(rma=rma, inspection=[Inspection(line_id=widget, restock="3"),
                                            Inspection(line_id=lines["GADGET"].pk, restock="2")])
    assert exc.value.code == "inspection_mismatch"
    with pytest.raises(DomainError) as exc:
        return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=widget)])
    assert exc.value.code == "required"
    with pytest.raises(DomainError) as exc:
        return_receive(rma=rma, partial=True)
    assert exc.value.code == "required" and exc.value.field == "lines"
    assert (StockMove.objects.count(), AuditRecord.objects.count()) == (moves, audits)
    assert Return.objects.get(pk=rma.pk).status == S.PARTIALLY_RECEIVED


def test_a_partially_received_return_still_holds_its_quantities(world, rma):
    rma, lines = rma
    return_receive(rma=rma, partial=True, inspection=[Inspection(line_id=lines["WIDGET"].pk, restock="1")])
    returnable = returnable_quantities(order=rma.order)
    assert returnable[lines["WIDGET"].pk] == D(1) and returnable[lines["GADGET"].pk] == D(0)


def test_partial_receipts_through_the_api(api, world, rma):
    rma, lines = rma
    widget = lines["WIDGET"].pk
    url = f"returns/{rma.number}/receive"
    first = api.post(url, {"partial": True, "lines": [{"line_id": widget, "restock": "2"}]},
                     headers={"Idempotency-Key": "part-1"})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "partially_received" and body["received_at"] is None
    assert {x["line_id"]: x["quantity_outstanding"] for x in body["lines"]} == {
        widget: "1.0000", lines["GADGET"].pk: "2.0000"}
    again = api.post(url, {"partial": True, "lines": [{"line_id": widget, "restock": "2"}]},
                     headers={"Idempotency-Key": "part-1"})
    assert again.status_code == 200 and again.json() == body  # replayed, not received twice
    too_much = api.post(url, {"partial": True, "lines": [{"line_id": widget, "restock": "2"}]},
                        headers={"Idempotency-Key": "part-2"})
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "exceeds_outstanding"
    assert too_much.json()["error"]["field"] == "lines.0"
    listed = api.get("returns", params={"status": "partially_received"}).json()["items"]
    assert [x["number"] for x in listed] == [rma.number]
    rest = api.post(url, headers={"Idempotency-Key": "part-3"})
    assert rest.status_code == 200 and rest.json()["status"] == "received"
    assert all(x["quantity_outstanding"] == "0.0000" for x in rest.json()["lines"])
    assert ledger_check() == []
