"""The shipments API: create with an Idempotency-Key, list, get by number or id, actions, errors."""

from decimal import Decimal as D

import pytest
from world import level

from oms.core.models import AuditRecord, OutboxEvent
from oms.inventory.selectors import ledger_check
from oms.shipping.models import Shipment, ShipmentLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, world):
    body = api.post("orders", {"customer": "C001", "confirm": True,
                               "lines": [{"sku": "WIDGET", "quantity": "4"}, {"sku": "GADGET", "quantity": "1"}]})
    assert body.status_code == 201, body.content
    return body.json()


def test_create_with_idempotency_key_then_pack_ship_deliver(api, world, order):
    widget_line = order["lines"][0]["id"]
    payload = {"order": order["number"], "lines": [{"line_id": widget_line, "quantity": "3"}], "carrier": "UPS"}
    first = api.post("shipments", payload, headers={"Idempotency-Key": "ship-1"})
    assert first.status_code == 201, first.content
    again = api.post("shipments", payload, headers={"Idempotency-Key": "ship-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert Shipment.objects.count() == 1 and ShipmentLine.objects.count() == 1
    body = first.json()
    assert body["status"] == "draft" and body["number"] is None and body["order"] == order["number"]
    assert body["lines"] == [{"id": body["lines"][0]["id"], "line_id": widget_line, "position": 1,
                              "sku": "WIDGET", "description": "Widget", "quantity": "3.0000"}]
    sid = body["id"]
    assert api.post(f"shipments/{sid}/pack", {"weight": "1.5", "parcels": 2}).json()["parcels"] == 2
    shipped = api.post(f"shipments/{sid}/ship", {"tracking_number": "1Z999"})
    assert shipped.status_code == 200, shipped.content
    shipped = shipped.json()
    assert shipped["status"] == "shipped" and shipped["number"].startswith("SH-")
    assert shipped["tracking_number"] == "1Z999" and shipped["carrier"] == "UPS"
    assert api.get(f"shipments/{shipped['number']}").json() == shipped
    assert api.get(f"orders/{order['number']}").json()["status"] == "partially_fulfilled"
    assert level(world.widget, world.location) == (D(7), D(1))
    delivered = api.post(f"shipments/{shipped['number']}/deliver").json()
    assert delivered["status"] == "delivered" and delivered["delivered_at"]
    timeline = api.get(f"shipments/{sid}/timeline").json()
    assert [t["action"] for t in timeline] == ["shipment.created", "shipment.packed", "shipment.shipped",
                                               "shipment.delivered"]
    assert ledger_check() == []


def test_replayed_key_does_not_ship_twice_and_a_new_key_is_refused(api, world, order):
    payload = {"order": order["number"]}
    assert api.post("shipments", payload, headers={"Idempotency-Key": "all-1"}).status_code == 201
    assert api.post("shipments", payload, headers={"Idempotency-Key": "all-1"}).status_code == 201
    counts = (Shipment.objects.count(), OutboxEvent.objects.count(), AuditRecord.objects.count())
    response = api.post("shipments", payload, headers={"Idempotency-Key": "all-2"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_ship"
    assert (Shipment.objects.count(), OutboxEvent.objects.count(), AuditRecord.objects.count()) == counts


def test_over_shipping_and_bad_references_through_the_api(api, world, order):
    widget_line = order["lines"][0]["id"]
    response = api.post("shipments", {"order": order["number"], "lines": [{"line_id": widget_line, "quantity": "5"}]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "exceeds_open_quantity"
    assert api.post("shipments", {"order": "SO-NOPE"}).status_code == 404
    assert api.get("shipments/999999").status_code == 404
    assert api.post("shipments/999999/ship").status_code == 404
    sid = api.post("shipments", {"order": order["number"]}).json()["id"]
    assert api.post(f"shipments/{sid}/cancel", {"reason": "dup"}).json()["status"] == "cancelled"
    response = api.post(f"shipments/{sid}/ship")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    assert Shipment.objects.filter(status="draft").count() == 0


def test_list_filters_and_permissions(api, make_api, world, order):
    one = api.post("shipments", {"order": order["number"], "lines": [{"line_id": order["lines"][0]["id"],
                                                                      "quantity": "1"}]}).json()
    two = api.post("shipments", {"order": order["number"]}).json()
    api.post(f"shipments/{two['id']}/ship")
    page = api.get("shipments", {"order": order["number"]}).json()
    assert [s["id"] for s in page["items"]] == [two["id"], one["id"]]
    assert [s["id"] for s in api.get("shipments", {"status": "shipped"}).json()["items"]] == [two["id"]]
    viewer = make_api("viewer", ["shipping.view_shipment"])
    assert viewer.get(f"shipments/{one['id']}").status_code == 200
    denied = viewer.post(f"shipments/{one['id']}/ship")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert viewer.post("shipments", {"order": order["number"]}).status_code == 403
