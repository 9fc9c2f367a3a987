"""The orders API as an integrator uses it: create, list, act, edit, and every kind of bad input."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from world import level

from oms.core.models import AuditRecord, IdempotencyRecord, OutboxEvent
from oms.inventory.models import StockMove
from oms.sales.api import OrderOut
from oms.sales.models import SalesOrder, SalesOrderLine
from oms.sales.selectors import order_get

pytestmark = pytest.mark.django_db

GOOD = {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "2"}, {"sku": "GADGET", "quantity": 1}]}


def snapshot():
    return (SalesOrder.objects.count(), SalesOrderLine.objects.count(), StockMove.objects.count(),
            OutboxEvent.objects.count(), AuditRecord.objects.count())


def test_create_confirmed_order_and_read_it_back(api, world):
    response = api.post("orders", {**GOOD, "confirm": True, "channel": "web", "external_ref": "shop-1001"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["channel"] == "web" and body["external_ref"] == "shop-1001"
    assert body["total"] == "50.05" and body["currency"] == "USD"
    assert [line["sku"] for line in body["lines"]] == ["WIDGET", "GADGET"]
    got = api.get(f"orders/{body['number']}").json()
    assert got == body
    assert level(world.widget, world.location) == (D(10), D(2))


@pytest.mark.parametrize("extra", [
    {"confirm": True, "tax_inclusive": True, "notes": "Leave at the door \u2013 gate code 1234",
     "billing_address": {"name": "Ana", "city": "Jakarta"}, "shipping_address": {"name": "Budi", "line1": "Jl. 1"}},
    {"lines": [{"sku": "WIDGET", "quantity": "3", "discount_percent": "12.5"},
               {"description": "Gift wrap", "quantity": "1", "unit_price": {"amount": "1.005", "currency": "USD"},
                "tax_rate": "11"},
               {"sku": "GADGET", "quantity": 2, "discount_amount": "0.99"}]},
])
def test_the_created_order_is_answered_as_the_order_schema_shows_it(api, world, extra):
    """The create endpoint builds its answer directly (sales.api._out); it must equal what the
    OrderOut schema gives for the stored order, field for field, for every kind of order."""
    world.customer.credit_limit = D("10.00")  # a confirmed order goes on hold: hold reason, confirmed_at
    world.customer.save()
    response = api.post("orders", {**GOOD, **extra})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == OrderOut.from_orm(order_get(number=body["number"])).model_dump(mode="json")
    assert body == api.get(f"orders/{body['number']}").json()


def test_actions_and_invalid_transition(api, world):
    number = api.post("orders", GOOD).json()["number"]
    assert api.post(f"orders/{number}/confirm").json()["status"] == "confirmed"
    assert api.post(f"orders/{number}/hold", {"reason": "fraud check"}).json()["status"] == "on_hold"
    assert api.post(f"orders/{number}/release", {}).json()["status"] == "confirmed"
    response = api.post(f"orders/{number}/complete")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert (error["from_state"], error["to_state"]) == ("confirmed", "completed")
    assert api.post(f"orders/{number}/cancel", {"reason": "test"}).json()["status"] == "cancelled"
    timeline = api.get(f"orders/{number}/timeline").json()
    assert [t["action"] for t in timeline] == ["order.created", "order.confirmed", "order.held",
                                               "order.released", "order.cancelled"]
    assert all(t["actor_label"].startswith("root") for t in timeline)


def test_edit_lines_through_the_api(api, world):
    body = api.post("orders", {**GOOD, "confirm": True}).json()
    widget_line = body["lines"][0]["id"]
    response = api.post(f"orders/{body['number']}/edit", {
        "change": [{"line_id": widget_line, "quantity": "5"}], "add": [{"sku": "SETUP", "quantity": "1"}]})
    assert response.status_code == 200, response.content
    edited = response.json()
    assert edited["total"] == "193.05"  # 50 + 25.50 + 100 + 10% tax
    assert level(world.widget, world.location) == (D(10), D(5))


def test_idempotent_create_never_makes_a_second_order(api, world):
    headers = {"Idempotency-Key": "retry-123"}
    first = api.post("orders", {**GOOD, "confirm": True}, headers=headers)
    second = api.post("orders", {**GOOD, "confirm": True}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert SalesOrder.objects.count() == 1
    assert level(world.widget, world.location) == (D(10), D(2))
    changed = api.post("orders", {**GOOD, "notes": "different"}, headers=headers)
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert IdempotencyRecord.objects.count() == 1


def line(**kw):
    return {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "1", **kw}]}


BAD = [
    ({"customer": "C001", "lines": [{"sku": "NOPE", "quantity": "1"}]}, 404, "lines.0.sku"),
    (line(quantity="-1"), 422, "lines.0.quantity"),
    (line(quantity="0"), 422, "lines.0.quantity"),
    (line(quantity="1.5"), 422, "lines.0.quantity"),
    (line(quantity="1e30"), 422, "lines.0.quantity"),
    (line(quantity=1e30), 422, "lines.0.quantity"),
    (line(quantity=1.5), 422, "lines.0.quantity"),
    (line(quantity="abc"), 422, "lines.0.quantity"),
    (line(quantity=[1]), 422, "lines.0.quantity"),
    (line(unit_price={"amount": "5", "currency": "EUR"}), 422, "lines.0.unit_price.currency"),
    (line(unit_price={"amount": "1e30", "currency": "USD"}), 422, "lines.0.unit_price"),
    (line(unit_price={"amount": "-5", "currency": "USD"}), 422, "lines.0.unit_price"),
    (line(discount_percent="101"), 422, "lines.0.discount_percent"),
    (line(discount_amount="10.01"), 422, "lines.0.discount_amount"),
    ({"lines": [{"sku": "WIDGET", "quantity": "1"}]}, 422, "customer"),
    ({"customer": "NOBODY", "lines": [{"sku": "WIDGET", "quantity": "1"}]}, 404, "customer"),
    ({"customer": "C001", "lines": []}, 422, "lines"),
    ({"customer": "C001", "currency": "XYZ", "lines": [{"sku": "WIDGET", "quantity": "1"}]}, 422, "currency"),
    ({"customer": "C001", "channel": "fax", "lines": [{"sku": "WIDGET", "quantity": "1"}]}, 422, "channel"),
    ({"customer": "C001", "confirm": True, "lines": [{"sku": "WIDGET", "quantity": "11"}]}, 409, "quantity"),
    ({"customer": 12, "lines": "x"}, 422, None),
]


@pytest.mark.parametrize("body, status, field", BAD)
def test_bad_input_is_refused_with_the_field_named_and_writes_nothing(api, world, body, status, field):
    before = snapshot()
    response = api.post("orders", body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert error["field"] == field
    assert snapshot() == before


def test_malformed_json_is_a_400_not_a_500(api, world):
    before = snapshot()
    response = api.post("orders", raw='{"customer": "C001", "lines": [')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert snapshot() == before


def test_duplicate_external_reference_from_a_channel_is_a_conflict(api, world):
    assert api.post("orders", {**GOOD, "external_ref": "X-1"}).status_code == 201
    response = api.post("orders", {**GOOD, "external_ref": "X-1"})
    assert response.status_code == 409 and response.json()["error"]["field"] == "external_ref"


def test_list_filters_and_pagination(api, world):
    numbers = [api.post("orders", {**GOOD, "channel": ch}).json()["number"] for ch in ("api", "web", "api")]
    api.post(f"orders/{numbers[0]}/confirm")
    api.post("orders", {"customer": "C001", "lines": [{"sku": "SETUP", "quantity": "1"}]})
    by = lambda **q: [o["number"] for o in api.get("orders", q).json()["items"]]  # noqa: E731
    assert by(status="confirmed") == [numbers[0]]
    assert by(channel="web") == [numbers[1]]
    assert len(by(sku="SETUP")) == 1 and numbers[0] not in by(sku="SETUP")
    assert len(by(total_min="100")) == 1
    assert by(customer="C001", limit=2)[0] not in numbers  # newest first
    page1 = api.get("orders", {"limit": 2}).json()
    page2 = api.get("orders", {"limit": 2, "cursor": page1["next_cursor"]}).json()
    assert len(page1["items"]) == 2 and len(page2["items"]) == 2 and page2["next_cursor"] is None
    assert not {o["number"] for o in page1["items"]} & {o["number"] for o in page2["items"]}


def test_listing_50_orders_with_lines_takes_a_constant_number_of_queries(api, world):
    api.post("orders", GOOD)
    with CaptureQueriesContext(connection) as few:
        assert api.get("orders", {"limit": 50}).status_code == 200
    for _ in range(30):
        api.post("orders", GOOD)
    with CaptureQueriesContext(connection) as many:
        body = api.get("orders", {"limit": 50}).json()
    assert len(body["items"]) == 31
    assert len(many.captured_queries) == len(few.captured_queries)


def test_permissions_are_per_module(make_api, world):
    reader = make_api("reader", ["sales.view_salesorder"])
    assert reader.get("orders").status_code == 200
    response = reader.post("orders", GOOD)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert json.loads(reader.get("warehouses").content)["error"]["code"] == "permission_denied"


def test_created_range_pages_by_creation_time_without_gaps_or_repeats(api, world):
    numbers = [api.post("orders", GOOD).json()["number"] for _ in range(5)]
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    seen, cursor = [], None
    while True:
        page = api.get("orders", {"created_from": since, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.content
        body = page.json()
        seen += [o["number"] for o in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))
    assert api.get("orders", {"created_from": since, "cursor": "bm9wZQ"}).json()["error"]["field"] == "cursor"
