"""Stock moves, the ledger check, low-stock events and the database's own guard against overselling."""

from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from world import level

from oms.core.errors import DomainError
from oms.core.models import OutboxEvent
from oms.inventory.models import Reservation, StockLevel, StockMove
from oms.inventory.selectors import ledger_check
from oms.inventory.services import (
    InsufficientStock, location_create, reservation_set, reservations_consume, stock_adjust, stock_transfer,
)

pytestmark = pytest.mark.django_db


def test_adjustments_need_a_reason_and_cannot_take_stock_below_zero(world):
    with pytest.raises(DomainError) as err:
        stock_adjust(product=world.widget, location=world.location, quantity=D(1), reason="")
    assert err.value.field == "reason"
    with pytest.raises(InsufficientStock):
        stock_adjust(product=world.widget, location=world.location, quantity=D(-11), reason="count")
    stock_adjust(product=world.widget, location=world.location, quantity=D(-3), reason="broken")
    assert level(world.widget, world.location) == (D(7), D(0))
    assert StockMove.objects.filter(product=world.widget, reason="broken").get().on_hand_delta == D(-3)


def test_transfer_between_locations_moves_stock_through_the_ledger(world):
    shelf = location_create(warehouse=world.warehouse, code="B-01", name="Shelf B1")
    stock_transfer(product=world.gadget, source=world.location, destination=shelf, quantity=D(2), reason="restock")
    assert level(world.gadget, world.location) == (D(3), D(0))
    assert level(world.gadget, shelf) == (D(2), D(0))
    with pytest.raises(InsufficientStock):
        stock_transfer(product=world.gadget, source=shelf, destination=world.location, quantity=D(3))
    assert ledger_check() == []


def test_low_stock_threshold_emits_one_event_when_crossed(world):
    world.widget.low_stock_threshold = D(5)
    world.widget.save()
    stock_adjust(product=world.widget, location=world.location, quantity=D(-4), reason="sold at counter")
    assert not OutboxEvent.objects.filter(event_type="stock.low").exists()  # 6 left
    stock_adjust(product=world.widget, location=world.location, quantity=D(-2), reason="sold at counter")
    stock_adjust(product=world.widget, location=world.location, quantity=D(-1), reason="sold at counter")
    events = OutboxEvent.objects.filter(event_type="stock.low")
    assert events.count() == 1
    assert events.get().payload["sku"] == "WIDGET" and events.get().payload["available"] == "4.0000"


def test_stock_check_finds_a_level_that_disagrees_with_its_ledger(world):
    call_command("stock", "check")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stocklevel SET on_hand = on_hand + 1 WHERE product_id = %s",
                       [world.widget.pk])
    problems = ledger_check()
    assert len(problems) == 1 and problems[0].what == "on hand" and problems[0].product_id == world.widget.pk
    with pytest.raises(CommandError):
        call_command("stock", "check")


def test_the_database_refuses_reserving_more_than_on_hand(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=world.widget).update(reserved=D(11))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=world.widget).update(on_hand=D(-1))


def test_stock_moves_are_append_only(world):
    move = StockMove.objects.first()
    move.reason = "rewritten"
    with pytest.raises(PermissionError):
        move.save()


def test_stock_api_adjust_list_and_moves(api, world):
    response = api.post("stock/adjustments", {"sku": "WIDGET", "warehouse": "MAIN", "quantity": "5",
                                              "reason": "delivery"}, headers={"Idempotency-Key": "adj-1"})
    assert response.status_code == 201, response.content
    api.post("stock/adjustments", {"sku": "WIDGET", "warehouse": "MAIN", "quantity": "5", "reason": "delivery"},
             headers={"Idempotency-Key": "adj-1"})
    levels = api.get("stock", {"sku": "WIDGET"}).json()
    assert levels == [{"sku": "WIDGET", "warehouse": "MAIN", "location": "STOCK", "on_hand": "15.0000",
                       "reserved": "0.0000", "available": "15.0000"}]
    moves = api.get("stock/moves", {"sku": "WIDGET"}).json()["items"]
    assert [m["reason"] for m in moves] == ["delivery", "initial count"]
    bad = api.post("stock/adjustments", {"sku": "WIDGET", "warehouse": "MAIN", "quantity": "-100",
                                         "reason": "oops"})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "insufficient_stock"
    unknown = api.post("stock/adjustments", {"sku": "WIDGET", "warehouse": "NOPE", "quantity": "1", "reason": "x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "warehouse"


def _reserved(world, reference):
    reservation_set(reference=reference, location=world.location, wanted={world.widget: D(4), world.gadget: D(2)})
    return lambda: dict(Reservation.objects.filter(reference=reference).values_list("product__sku", "quantity"))


def test_shipping_consumes_several_reservations_at_once(world):
    held = _reserved(world, "sales.order:900")
    moves = reservations_consume(reference="sales.order:900", quantities={world.widget: D(1), world.gadget: D(2)})
    assert sorted((m.product.sku, m.kind, m.on_hand_delta, m.reserved_delta) for m in moves) == [
        ("GADGET", "shipment", D(-2), D(-2)), ("WIDGET", "shipment", D(-1), D(-1))]
    assert held() == {"WIDGET": D(3)}  # the gadget's reservation is used up, the widget's partly
    assert level(world.widget, world.location) == (D(9), D(3))
    assert level(world.gadget, world.location) == (D(3), D(0))
    assert ledger_check() == []


def test_shipping_more_than_reserved_writes_nothing(world):
    held = _reserved(world, "sales.order:901")
    moves_before = StockMove.objects.count()
    with pytest.raises(InsufficientStock), transaction.atomic():
        reservations_consume(reference="sales.order:901", quantities={world.widget: D(1), world.gadget: D(3)})
    assert held() == {"WIDGET": D(4), "GADGET": D(2)} and StockMove.objects.count() == moves_before
    assert level(world.widget, world.location) == (D(10), D(4))
