"""Never ship more than ordered, nor more than is on hand: clients racing to ship, on PostgreSQL."""

from decimal import Decimal as D

import pytest
from racing import race
from world import level, make_world

from oms.inventory.selectors import ledger_check
from oms.inventory.services import stock_adjust
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import OrderSpec, order_create
from oms.shipping.models import Shipment
from oms.shipping.services import shipment_create, shipment_ship


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_shipments_never_ship_more_than_ordered():
    world = make_world()
    order = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="5"),
                                                                LineSpec(sku="GADGET", quantity="3")]),
                         confirm=True)
    widget, gadget = list(order.lines.order_by("position"))

    def client(i):
        lines = {widget.pk: "1"} if i % 2 else {widget.pk: "1", gadget.pk: "1"}
        return shipment_ship(shipment=shipment_create(order=SalesOrder(pk=order.pk), lines=lines)).number

    results = race(12, client)
    assert not [r for r in results if r is None or r.startswith("error")], results
    shipped = [r for r in results if r.startswith("SH-")]
    assert len(shipped) == 5, results  # 5 widgets ordered
    assert set(results) - set(shipped) == {"exceeds_open_quantity"}
    widget.refresh_from_db()
    gadget.refresh_from_db()
    assert widget.quantity_fulfilled == D(5) and gadget.quantity_fulfilled <= D(3)
    assert level(world.widget, world.location) == (D(5), D(0))
    assert level(world.gadget, world.location) == (D(5) - gadget.quantity_fulfilled,
                                                   D(3) - gadget.quantity_fulfilled)
    assert Shipment.objects.filter(status="shipped").count() == 5
    assert len(set(shipped)) == 5
    assert ledger_check() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_ship_of_one_shipment_ships_it_once():
    world = make_world()
    order = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="2")]),
                         confirm=True)
    shipment = shipment_create(order=order)
    results = race(6, lambda i: shipment_ship(shipment=Shipment(pk=shipment.pk, order_id=order.pk)).number)
    assert sorted(set(results)) == sorted({next(r for r in results if r.startswith("SH-")), "invalid_transition"})
    assert sum(1 for r in results if r.startswith("SH-")) == 1, results
    assert level(world.widget, world.location) == (D(8), D(0))
    assert ledger_check() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_shipments_of_a_backorder_never_ship_more_than_is_on_hand():
    world = make_world()
    orders = [order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="BACKO", quantity="2")]), confirm=True)
              for _ in range(6)]
    stock_adjust(product=world.backorderable, location=world.location, quantity=D(5), reason="supplier delivery")
    drafts = [shipment_create(order=order, lines={order.lines.get().pk: "2"}) for order in orders]

    results = race(6, lambda i: shipment_ship(shipment=Shipment(pk=drafts[i].pk, order_id=orders[i].pk)).number)
    shipped = [r for r in results if r and r.startswith("SH-")]
    assert len(shipped) == 2 and results.count("not_in_stock") == 4, results  # 5 on hand: two parcels of 2
    assert level(world.backorderable, world.location) == (D(1), D(8))  # 4 orders still hold their backorder
    assert ledger_check() == []
