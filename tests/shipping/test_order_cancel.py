"""Cancelling a sales order cancels its shipments that have not left, in the same transaction
(oms.sales.hooks.order_cancel_hooks, registered by ShippingConfig.ready)."""

import json
import os
import subprocess
import sys
from decimal import Decimal as D

import pytest
from world import level

from oms.core.errors import Conflict
from oms.core.models import AuditRecord, OutboxEvent
from oms.inventory.selectors import ledger_check
from oms.sales import hooks
from oms.sales.models import SalesOrder
from oms.shipping.models import Shipment
from oms.shipping.services import shipments_cancel_for_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, world):
    body = api.post("orders", {"customer": "C001", "confirm": True,
                               "lines": [{"sku": "WIDGET", "quantity": "4"}, {"sku": "GADGET", "quantity": "1"}]})
    assert body.status_code == 201, body.content
    return body.json()


def _shipment(api, order, line_index, quantity, key):
    line = order["lines"][line_index]["id"]
    response = api.post("shipments", {"order": order["number"], "lines": [{"line_id": line, "quantity": quantity}]},
                        headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.content
    return response.json()


def test_shipping_registers_its_cancel_hook_once():
    assert hooks.order_cancel_hooks.count(shipments_cancel_for_order) == 1
    hooks.order_cancel_hook_register(shipments_cancel_for_order)
    assert hooks.order_cancel_hooks.count(shipments_cancel_for_order) == 1


def test_cancelling_an_order_cancels_its_draft_and_packed_shipments(api, world, order):
    draft = _shipment(api, order, 0, "3", "s-1")
    packed = _shipment(api, order, 1, "1", "s-2")
    assert api.post(f"shipments/{packed['id']}/pack").status_code == 200

    response = api.post(f"orders/{order['number']}/cancel", {"reason": "customer changed mind"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"

    for shipment in (draft, packed):
        body = api.get(f"shipments/{shipment['id']}").json()
        assert body["status"] == "cancelled"
        timeline = api.get(f"shipments/{shipment['id']}/timeline").json()
        assert timeline[-1]["action"] == "shipment.cancelled"
        audit = AuditRecord.objects.get(object_type="shipping.shipment", object_id=str(shipment["id"]),
                                        action="shipment.cancelled")
        assert audit.changes["reason"] == f"order {order['number']} cancelled: customer changed mind"
        assert audit.changes["status"][1] == "cancelled" and audit.changes["order_cancelled"] is True
        event = OutboxEvent.objects.get(aggregate_type="shipping.shipment", aggregate_id=str(shipment["id"]),
                                        event_type="shipment.cancelled")
        assert event.payload["order"] == order["number"]
    # The reservations are gone and nothing left the warehouse.
    assert level(world.widget, world.location) == (D(10), D(0))
    assert level(world.gadget, world.location) == (D(5), D(0))
    assert ledger_check() == []
    # A cancelled shipment cannot be shipped afterwards.
    refused = api.post(f"shipments/{draft['id']}/ship")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"


def test_cancelling_an_order_without_shipments_writes_no_shipment_records(api, world, order):
    assert api.post(f"orders/{order['number']}/cancel").status_code == 200
    assert not AuditRecord.objects.filter(object_type="shipping.shipment").exists()


def test_a_hook_that_refuses_undoes_the_whole_cancel(api, world, order, monkeypatch):
    draft = _shipment(api, order, 0, "2", "s-3")

    def refuse(*, order, reason):
        raise Conflict("not now", code="cancel_refused", field="order")

    monkeypatch.setattr(hooks, "order_cancel_hooks", [*hooks.order_cancel_hooks, refuse])
    audits = AuditRecord.objects.count()
    response = api.post(f"orders/{order['number']}/cancel")
    assert response.status_code == 409 and response.json()["error"]["code"] == "cancel_refused"
    assert SalesOrder.objects.get(number=order["number"]).status == "confirmed"
    assert Shipment.objects.get(pk=draft["id"]).status == "draft"
    assert AuditRecord.objects.count() == audits
    assert level(world.widget, world.location) == (D(10), D(4))


def test_without_the_shipping_hook_the_cancel_still_works(api, world, order, monkeypatch):
    """What an installation without shipping sees: no hook registered, sales cancels on its own."""
    monkeypatch.setattr(hooks, "order_cancel_hooks", [])
    response = api.post(f"orders/{order['number']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert level(world.widget, world.location) == (D(10), D(0))


def test_with_shipping_disabled_no_hook_is_registered(tmp_path):
    env = {**os.environ, "OMS_MODULES": "core,parties,catalog,inventory,sales", "OMS_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "oms.settings"}
    env.pop("OMS_DATABASE_URL", None)
    probe = ("import json, django\ndjango.setup()\nfrom oms.sales import hooks\n"
             "print(json.dumps([h.__qualname__ for h in hooks.order_cancel_hooks]))\n")
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
