"""Shipments through the services: split shipments, stock and fulfilment, over-shipping, transitions."""

from decimal import Decimal as D

import pytest
from world import level

from oms.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from oms.core.models import AuditRecord, OutboxEvent
from oms.core.services.audit import audit_verify
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check
from oms.inventory.services import stock_adjust
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrderLine
from oms.sales.services import OrderSpec, order_cancel, order_create, order_fulfilment_record, order_hold
from oms.sales.states import OrderStatus
from oms.shipping.models import Shipment, ShipmentLine
from oms.shipping.services import (
    open_quantities, shipment_cancel, shipment_create, shipment_deliver, shipment_pack, shipment_ship,
)
from oms.shipping.states import TRANSITIONS, ShipmentStatus, can_transition

pytestmark = pytest.mark.django_db


def confirmed_order(*lines):
    return order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku=s, quantity=q) for s, q in lines]),
                        confirm=True)


def lines_of(order):
    return list(order.lines.order_by("position"))


def snapshot():
    return (Shipment.objects.count(), ShipmentLine.objects.count(), StockMove.objects.count(),
            OutboxEvent.objects.count(), AuditRecord.objects.count(),
            list(SalesOrderLine.objects.order_by("id").values_list("quantity_fulfilled", flat=True)))


def test_split_shipments_fulfil_the_order_and_move_stock_exactly(world):
    order = confirmed_order(("WIDGET", "4"), ("GADGET", "2"), ("SETUP", "1"))
    widget, gadget, setup = lines_of(order)
    assert level(world.widget, world.location) == (D(10), D(4))

    first = shipment_create(order=order, lines={widget.pk: "3", setup.pk: "1"}, carrier="DHL")
    assert first.status == ShipmentStatus.DRAFT and first.number is None
    assert open_quantities(order) == {widget.pk: D(1), gadget.pk: D(2), setup.pk: D(0)}
    shipment_pack(shipment=first, weight="2.5", parcels=2)
    first = shipment_ship(shipment=first, tracking_number="JD0001")
    assert first.status == ShipmentStatus.SHIPPED and first.number.startswith("SH-")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert level(world.widget, world.location) == (D(7), D(1))  # 3 left on hand and reserved together
    assert level(world.gadget, world.location) == (D(5), D(2))
    assert [line.quantity_fulfilled for line in lines_of(order)] == [D(3), D(0), D(1)]

    second = shipment_ship(shipment=shipment_create(order=order))  # everything still open
    assert {(x.order_line_id, x.quantity) for x in second.lines.all()} == {(widget.pk, D(1)), (gadget.pk, D(2))}
    assert second.number != first.number
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert level(world.widget, world.location) == (D(6), D(0))
    assert level(world.gadget, world.location) == (D(3), D(0))
    assert ledger_check() == []

    shipment_deliver(shipment=second)
    events = list(OutboxEvent.objects.filter(aggregate_type="shipping.shipment", aggregate_id=str(second.pk))
                  .order_by("id").values_list("event_type", flat=True))
    assert events == ["shipment.created", "shipment.shipped", "shipment.delivered"]
    order_events = list(OutboxEvent.objects.filter(aggregate_id=order.number).order_by("id")
                        .values_list("event_type", flat=True))
    assert order_events[-2:] == ["order.partially_fulfilled", "order.fulfilled"]
    with pytest.raises(Conflict) as err:
        shipment_create(order=order)
    assert err.value.code == "order_not_shippable"
    assert audit_verify().ok


def test_over_shipping_is_refused_and_writes_nothing(world):
    order = confirmed_order(("WIDGET", "4"))
    (line,) = lines_of(order)
    shipment_create(order=order, lines={line.pk: "3"})
    before = snapshot()
    with pytest.raises(Conflict) as err:
        shipment_create(order=order, lines={line.pk: "2"})  # 3 already promised to a draft shipment
    assert err.value.code == "exceeds_open_quantity" and err.value.field == f"lines.{line.pk}"
    with pytest.raises(NotFound):
        shipment_create(order=order, lines={line.pk + 999: "1"})
    with pytest.raises(DomainError) as err:
        shipment_create(order=order, lines={line.pk: "0.5"})  # pieces are whole
    assert err.value.code == "invalid_quantity"
    with pytest.raises(DomainError):
        shipment_create(order=order, lines={line.pk: "-1"})
    assert snapshot() == before
    assert level(world.widget, world.location) == (D(10), D(4))


def test_cancelled_shipment_frees_its_quantity(world):
    order = confirmed_order(("WIDGET", "2"))
    (line,) = lines_of(order)
    draft = shipment_create(order=order)
    with pytest.raises(Conflict):
        shipment_create(order=order)
    shipment_cancel(shipment=draft, reason="wrong box")
    again = shipment_create(order=order, lines={line.pk: "2"})
    shipment_ship(shipment=again)
    assert level(world.widget, world.location) == (D(8), D(0))
    assert ledger_check() == []


def test_orders_must_be_confirmed_or_partially_fulfilled(world):
    draft = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="1")]))
    with pytest.raises(Conflict) as err:
        shipment_create(order=draft)
    assert err.value.code == "order_not_shippable"
    held = confirmed_order(("WIDGET", "1"))
    shipment = shipment_create(order=held)
    order_hold(order=held, reason="address check")
    before = snapshot()
    with pytest.raises(Conflict):
        shipment_ship(shipment=shipment)
    assert snapshot() == before
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT
    cancelled = confirmed_order(("GADGET", "1"))
    order_cancel(order=cancelled)
    with pytest.raises(Conflict):
        shipment_create(order=cancelled)


def test_every_transition_in_the_table_and_no_other(world):
    states = list(ShipmentStatus)
    for a in states:
        for b in states:
            assert can_transition(a, b) == (b in TRANSITIONS[a])
    order = confirmed_order(("WIDGET", "2"))
    shipment = shipment_create(order=order)
    with pytest.raises(InvalidTransition) as err:
        shipment_deliver(shipment=shipment)
    assert err.value.extra == {"from_state": "draft", "to_state": "delivered"}
    shipment_ship(shipment=shipment)
    with pytest.raises(InvalidTransition):
        shipment_cancel(shipment=shipment)
    with pytest.raises(InvalidTransition):
        shipment_ship(shipment=shipment)
    with pytest.raises(InvalidTransition):
        shipment_pack(shipment=shipment)
    shipment_deliver(shipment=shipment)
    with pytest.raises(InvalidTransition):
        shipment_deliver(shipment=shipment)
    packed = shipment_pack(shipment=shipment_create(order=confirmed_order(("GADGET", "1"))))
    assert shipment_cancel(shipment=packed).status == ShipmentStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        shipment_ship(shipment=packed)
    assert level(world.widget, world.location) == (D(8), D(0))
    assert level(world.gadget, world.location) == (D(5), D(1))


def test_shipment_numbers_are_taken_only_when_shipped(world):
    order = confirmed_order(("WIDGET", "3"))
    (line,) = lines_of(order)
    a = shipment_create(order=order, lines={line.pk: "1"})
    b = shipment_create(order=order, lines={line.pk: "1"})
    shipment_cancel(shipment=a)
    b = shipment_ship(shipment=b)
    c = shipment_ship(shipment=shipment_create(order=order))
    seqs = [int(x.number.rsplit("-", 1)[1]) for x in (b, c)]
    assert seqs[1] == seqs[0] + 1
    assert Shipment.objects.filter(number__isnull=True).count() == 1  # the cancelled one


def test_kilogram_lines_ship(world):
    order = confirmed_order(("FLOUR", "2.5"))
    (flour,) = lines_of(order)
    shipment_ship(shipment=shipment_create(order=order, lines={flour.pk: "1.25"}))
    assert level(world.flour, world.location) == (D("98.75"), D("1.25"))
    assert ledger_check() == []


def test_backorders_never_ship_goods_not_on_hand_and_ship_once_stock_arrives(world):
    order = confirmed_order(("WIDGET", "2"), ("BACKO", "5"))
    widget, backo = lines_of(order)
    assert level(world.backorderable, world.location) == (D(0), D(5))  # reserved beyond on hand
    draft = shipment_create(order=order, lines={widget.pk: "2", backo.pk: "2"})  # a plan may name them
    before = snapshot()
    with pytest.raises(Conflict) as err:
        shipment_ship(shipment=draft)
    assert err.value.code == "not_in_stock" and err.value.status == 409
    assert err.value.extra == {"sku": "BACKO", "on_hand": "0", "quantity": "2"}
    assert snapshot() == before  # nothing shipped, nothing consumed
    shipment_cancel(shipment=draft)

    # "everything open" ships what is on hand; the backorder stays open on the order
    first = shipment_ship(shipment=shipment_create(order=order))
    assert {(x.order_line_id, x.quantity) for x in first.lines.all()} == {(widget.pk, D(2))}
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert open_quantities(order) == {widget.pk: D(0), backo.pk: D(5)}
    with pytest.raises(Conflict) as err:
        shipment_create(order=order)
    assert err.value.code == "not_in_stock"

    stock_adjust(product=world.backorderable, location=world.location, quantity=D(3), reason="supplier delivery")
    second = shipment_ship(shipment=shipment_create(order=order))  # the 3 that arrived
    assert [(x.order_line_id, x.quantity) for x in second.lines.all()] == [(backo.pk, D(3))]
    assert level(world.backorderable, world.location) == (D(0), D(2))
    stock_adjust(product=world.backorderable, location=world.location, quantity=D(5), reason="supplier delivery")
    shipment_ship(shipment=shipment_create(order=order, lines={backo.pk: "2"}))
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert level(world.backorderable, world.location) == (D(3), D(0))
    assert ledger_check() == []


def test_order_fulfilment_record_refuses_more_than_ordered_and_needs_an_open_order(world):
    order = confirmed_order(("SETUP", "2"))
    (line,) = lines_of(order)
    with pytest.raises(Conflict) as err:
        order_fulfilment_record(order=order, quantities={line.pk: D(3)})
    assert err.value.code == "exceeds_open_quantity"
    order = order_fulfilment_record(order=order, quantities={line.pk: D(1)})
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    order = order_fulfilment_record(order=order, quantities={line.pk: D(1)})
    assert order.status == OrderStatus.FULFILLED
    with pytest.raises(InvalidTransition):
        order_fulfilment_record(order=order, quantities={line.pk: D(1)})
    line.refresh_from_db()
    assert line.quantity_fulfilled == D(2)


def test_order_edits_respect_draft_shipments(world):
    from oms.sales.services import LineChange, order_lines_edit

    order = confirmed_order(("WIDGET", "4"), ("GADGET", "1"))
    widget, gadget = lines_of(order)
    shipment = shipment_create(order=order, lines={widget.pk: "3", gadget.pk: "1"})
    with pytest.raises(Conflict) as err:
        order_lines_edit(order=order, remove=[gadget.pk])
    assert err.value.code == "line_in_use"
    order_lines_edit(order=order, change=[LineChange(line_id=widget.pk, quantity="2")])
    before = snapshot()
    with pytest.raises(Conflict) as err:
        shipment_ship(shipment=shipment)  # holds 3 of a line now ordered 2
    assert err.value.code == "exceeds_open_quantity"
    assert snapshot() == before
    shipment_cancel(shipment=shipment)
    shipment_ship(shipment=shipment_create(order=order))
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert level(world.widget, world.location) == (D(8), D(0))
    assert ledger_check() == []
