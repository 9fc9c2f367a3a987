"""The returns API: create with an Idempotency-Key, list with filters, get, actions, errors, permissions."""

from decimal import Decimal as D

import pytest
from kit import invoiced, shipped_order
from world import level

from oms.core.models import OutboxEvent
from oms.inventory.selectors import ledger_check
from oms.returns.models import Return, ReturnLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    order, lines = shipped_order(("WIDGET", "4"), ("GADGET", "2"))
    invoiced(order, paid=True)
    return order, lines


def test_create_with_idempotency_key_then_approve_receive_refund(api, world, damaged, order):
    order, lines = order
    payload = {"order": order.number, "reason": "damaged", "notes": "box crushed",
               "lines": [{"line_id": lines["WIDGET"].pk, "quantity": "2"},
                         {"line_id": lines["GADGET"].pk, "quantity": "1"}]}
    first = api.post("returns", payload, headers={"Idempotency-Key": "rma-1"})
    assert first.status_code == 201, first.content
    again = api.post("returns", payload, headers={"Idempotency-Key": "rma-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert Return.objects.count() == 1 and ReturnLine.objects.count() == 2
    body = first.json()
    number = body["number"]
    assert body["status"] == "requested" and body["order"] == order.number and body["customer"] == "C001"
    assert [(x["sku"], x["quantity"], x["position"]) for x in body["lines"]] == [("WIDGET", "2.0000", 1),
                                                                                  ("GADGET", "1.0000", 2)]

    approved = api.post(f"returns/{number}/approve", headers={"Idempotency-Key": "rma-1-approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    replay = api.post(f"returns/{number}/approve", headers={"Idempotency-Key": "rma-1-approve"})
    assert replay.status_code == 200 and replay.json() == approved.json()
    received = api.post(f"returns/{body['id']}/receive", {"lines": [
        {"line_id": lines["WIDGET"].pk, "restock": "1", "damaged": "1"},
        {"line_id": lines["GADGET"].pk, "restock": "1"}]}, headers={"Idempotency-Key": "rma-1-receive"})
    assert received.status_code == 200, received.content
    assert [(x["quantity_restocked"], x["quantity_damaged"]) for x in received.json()["lines"]] == [
        ("1.0000", "1.0000"), ("1.0000", "0.0000")]
    assert level(world.widget, world.location) == (D(7), D(0)) and level(world.widget, damaged) == (D(1), D(0))
    resolved = api.post(f"returns/{number}/resolve", {"resolution": "refund", "refund_method": "card"},
                        headers={"Idempotency-Key": "rma-1-resolve"})
    assert resolved.status_code == 200, resolved.content
    out = resolved.json()
    assert out["status"] == "closed" and out["resolution"] == "refund"
    (settlement,) = out["settlements"]
    assert settlement["credit_note"].startswith("CN-") and settlement["credit_note_total"] == "50.05"
    assert settlement["refund"].startswith("RF-") and settlement["refund_amount"] == "50.05"
    again = api.post(f"returns/{number}/resolve", {"resolution": "refund", "refund_method": "card"},
                     headers={"Idempotency-Key": "rma-1-resolve"})
    assert again.json() == out  # replayed, not refunded twice
    timeline = api.get(f"returns/{number}/timeline").json()
    assert [x["action"] for x in timeline] == ["return.requested", "return.approved", "return.received",
                                               "return.refunded", "return.closed"]
    assert OutboxEvent.objects.filter(event_type="payment.refunded").count() == 1
    assert ledger_check() == []


def test_errors_name_the_field_and_write_nothing(api, world, order):
    order, lines = order
    widget = lines["WIDGET"].pk
    cases = [
        ({"order": order.number, "reason": "damaged", "lines": [{"line_id": widget, "quantity": "5"}]}, 409,
         "exceeds_returnable", "lines.0.quantity"),
        ({"order": order.number, "reason": "damaged", "lines": [{"line_id": widget + 99, "quantity": "1"}]}, 404,
         "not_found", "lines.0.line_id"),
        ({"order": order.number, "reason": "bored", "lines": [{"line_id": widget, "quantity": "1"}]}, 422,
         "invalid_reason", "reason"),
        ({"order": "SO-NOPE", "reason": "damaged", "lines": [{"line_id": widget, "quantity": "1"}]}, 404,
         "not_found", None),
        ({"order": order.number, "reason": "damaged", "lines": []}, 422, "validation_error", "lines"),
        ({"order": order.number, "reason": "damaged", "lines": [{"line_id": widget, "quantity": 1.5}]}, 422,
         None, None),
    ]
    for payload, status, code, field in cases:
        response = api.post("returns", payload)
        assert response.status_code == status, (payload, response.content)
        if code:
            assert response.json()["error"]["code"] == code
        if field:
            assert response.json()["error"]["field"] == field
    assert Return.objects.count() == 0
    rma = api.post("returns", {"order": order.number, "reason": "damaged",
                               "lines": [{"line_id": widget, "quantity": "1"}]}).json()
    response = api.post(f"returns/{rma['number']}/receive")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    assert api.post(f"returns/{rma['number']}/reject", {}).status_code == 422
    assert api.get("returns/RMA-NOPE").status_code == 404


def test_list_filters_and_permissions(api, make_api, world, order):
    order, lines = order
    for reason in ("damaged", "defective"):
        api.post("returns", {"order": order.number, "reason": reason,
                             "lines": [{"line_id": lines["WIDGET"].pk, "quantity": "1"}]})
    first = Return.objects.order_by("id").first()
    api.post(f"returns/{first.number}/reject", {"reason": "too late"})
    assert [x["reason"] for x in api.get("returns").json()["items"]] == ["defective", "damaged"]
    assert [x["status"] for x in api.get("returns", {"status": "rejected"}).json()["items"]] == ["rejected"]
    assert len(api.get("returns", {"status": "requested,rejected"}).json()["items"]) == 2
    assert len(api.get("returns", {"order": order.number, "customer": "C001"}).json()["items"]) == 2
    assert api.get("returns", {"reason": "defective"}).json()["items"][0]["status"] == "requested"
    page = api.get("returns", {"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    viewer = make_api("viewer", ["returns.view_return"])
    assert viewer.get(f"returns/{first.number}").status_code == 200
    denied = viewer.post("returns", {"order": order.number, "reason": "damaged",
                                     "lines": [{"line_id": lines["WIDGET"].pk, "quantity": "1"}]})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert viewer.post(f"returns/{first.number}/approve").status_code == 403
