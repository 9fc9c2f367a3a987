"""Order lifecycle through the services: totals, reservations, transitions, edits, holds, audit, events."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from world import level

from oms.core.errors import Conflict, DomainError, InvalidTransition
from oms.core.models import AuditRecord, OutboxEvent
from oms.core.money import Money
from oms.core.services.audit import audit_verify
from oms.core.services.customfields import custom_field_define
from oms.inventory.selectors import ledger_check
from oms.catalog.models import PriceListItem, Product
from oms.inventory.models import Reservation, StockLevel
from oms.inventory.services import InsufficientStock
from oms.parties.models import Address
from oms.sales import services as sales_services
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import (
    LineChange, OrderSpec, order_cancel, order_complete, order_confirm, order_create, order_hold,
    order_lines_edit, order_release,
)
from oms.sales.states import TRANSITIONS, OrderStatus, can_transition

pytestmark = pytest.mark.django_db


def spec(lines, **kw):
    return OrderSpec(customer="C001", lines=lines, **kw)


def test_draft_order_prices_from_the_price_list_and_reserves_nothing(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="3"), LineSpec(sku="GADGET", quantity=2)]))
    assert order.status == OrderStatus.DRAFT
    assert order.number.startswith("SO-")
    assert order.subtotal == D("81.00")  # 3 x 10.00 + 2 x 25.50
    assert order.tax_total == D("8.10")
    assert order.total == D("89.10")
    assert level(world.widget, world.location) == (D(10), D(0))


def test_confirm_reserves_stock_and_cancel_releases_it(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="4"), LineSpec(sku="SETUP", quantity="1")]),
                         confirm=True)
    assert order.status == OrderStatus.CONFIRMED
    assert level(world.widget, world.location) == (D(10), D(4))
    order_cancel(order=order, reason="customer changed mind")
    assert level(world.widget, world.location) == (D(10), D(0))
    assert ledger_check() == []


def test_confirm_refuses_more_than_available_and_writes_nothing(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="11")]))
    moves_before = world.widget.stock_moves.count()
    with pytest.raises(InsufficientStock) as err:
        order_confirm(order=order)
    assert err.value.code == "insufficient_stock"
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert world.widget.stock_moves.count() == moves_before
    assert level(world.widget, world.location) == (D(10), D(0))


def test_backorderable_product_can_be_reserved_beyond_stock(world):
    order = order_create(spec=spec([LineSpec(sku="BACKO", quantity="3")]), confirm=True)
    assert order.status == OrderStatus.CONFIRMED
    assert level(world.backorderable, world.location) == (D(0), D(3))


def test_free_text_service_line_needs_a_price_in_the_order_currency(world):
    with pytest.raises(DomainError) as err:
        order_create(spec=spec([LineSpec(description="Consulting", quantity="2")]))
    assert err.value.field == "lines.0.unit_price"
    with pytest.raises(DomainError) as err:
        order_create(spec=spec([LineSpec(description="Consulting", quantity="2", unit_price=Money("90", "EUR"))]))
    assert err.value.code == "currency_mismatch"
    order = order_create(spec=spec([LineSpec(description="Consulting", quantity="2.5",
                                             unit_price=Money("90", "USD"), tax_rate="11")]))
    assert order.total == D("249.75")  # 225.00 + 24.75 tax


def test_every_transition_in_the_table_and_no_other(world):
    states = list(OrderStatus)
    for a in states:
        for b in states:
            assert can_transition(a, b) == (b in TRANSITIONS[a])
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")]))
    with pytest.raises(InvalidTransition) as err:
        order_complete(order=order)
    assert err.value.status == 409
    assert err.value.extra == {"from_state": "draft", "to_state": "completed"}


def test_hold_and_release_keep_stock_and_record_the_reason(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="2")]), confirm=True)
    with pytest.raises(DomainError):
        order_hold(order=order, reason=" ")
    order = order_hold(order=order, reason="address check")
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "address check")
    assert level(world.widget, world.location) == (D(10), D(2))
    order = order_release(order=order, reason="address ok")
    assert (order.status, order.hold_reason) == (OrderStatus.CONFIRMED, "")
    with pytest.raises(InvalidTransition):
        order_release(order=order)


def test_credit_limit_exceeded_holds_automatically(world):
    world.customer.credit_limit = D("100.00")
    world.customer.save()
    first = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="5")]), confirm=True)  # 55.00
    assert first.status == OrderStatus.CONFIRMED
    second = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="5")]), confirm=True)  # 110.00 open
    assert second.status == OrderStatus.ON_HOLD
    assert second.hold_reason == "credit limit exceeded"
    assert level(world.widget, world.location) == (D(10), D(10))
    actions = list(AuditRecord.objects.filter(object_id=second.number).order_by("id").values_list("action", flat=True))
    assert actions == ["order.created", "order.confirmed", "order.held"]


def test_edit_after_confirmation_recalculates_and_re_reserves(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="2"), LineSpec(sku="GADGET", quantity="1")]),
                         confirm=True)
    widget_line, gadget_line = list(order.lines.order_by("position"))
    order = order_lines_edit(order=order, add=[LineSpec(sku="FLOUR", quantity="2.5")],
                             change=[LineChange(line_id=widget_line.pk, quantity="6",
                                                unit_price=Money("9.50", "USD"))],
                             remove=[gadget_line.pk])
    assert level(world.widget, world.location) == (D(10), D(6))
    assert level(world.gadget, world.location) == (D(5), D(0))
    assert level(world.flour, world.location) == (D(100), D("2.5"))
    assert order.total == D("66.00")  # (57.00 + 3.00) + 10% tax
    record = AuditRecord.objects.filter(object_id=order.number, action="order.updated").get()
    before, after = record.changes["lines"]
    assert [x["sku"] for x in before] == ["WIDGET", "GADGET"] and [x["sku"] for x in after] == ["WIDGET", "FLOUR"]
    assert record.changes["total"] == ["50.05", "66.00"]
    assert ledger_check() == []


def test_edit_that_needs_more_stock_than_available_changes_nothing(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="2")]), confirm=True)
    line = order.lines.get()
    with pytest.raises(InsufficientStock):
        order_lines_edit(order=order, change=[LineChange(line_id=line.pk, quantity="11")])
    line.refresh_from_db()
    order.refresh_from_db()
    assert line.quantity == 2 and order.total == D("22.00")
    assert level(world.widget, world.location) == (D(10), D(2))


def test_cancelled_order_cannot_be_edited(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="2")]))
    order_cancel(order=order)
    with pytest.raises(Conflict) as err:
        order_lines_edit(order=order, add=[LineSpec(sku="WIDGET", quantity="1")])
    assert err.value.code == "not_editable"


def test_transitions_append_events_and_a_verifiable_audit_trail(world):
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")]), confirm=True)
    order_cancel(order=order, reason="duplicate")
    events = list(OutboxEvent.objects.filter(aggregate_id=order.number).order_by("id")
                  .values_list("event_type", flat=True))
    assert events == ["order.created", "order.confirmed", "order.cancelled"]
    cancelled = OutboxEvent.objects.get(aggregate_id=order.number, event_type="order.cancelled")
    assert cancelled.payload["status"] == "cancelled" and cancelled.payload["reason"] == "duplicate"
    assert audit_verify().ok


def test_quantity_with_more_decimals_than_the_unit_allows_is_refused(world):
    with pytest.raises(DomainError) as err:
        order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1.5")]))
    assert err.value.field == "lines.0.quantity"
    order = order_create(spec=spec([LineSpec(sku="FLOUR", quantity="1.255")]))
    assert order.total == D("1.66")  # 1.506 -> 1.51 + 0.15 tax


def test_one_short_line_of_several_refuses_the_whole_order_and_reserves_nothing(world):
    # The lines' stock levels change in one statement: the rows it could change must not stay changed.
    lines = [LineSpec(sku="WIDGET", quantity="2"), LineSpec(sku="GADGET", quantity="6"),
             LineSpec(sku="FLOUR", quantity="1")]
    with pytest.raises(InsufficientStock) as err, transaction.atomic():  # as at the top of a request
        order_create(spec=spec(lines), confirm=True)
    assert err.value.extra["sku"] == "GADGET"
    assert level(world.widget, world.location) == (D(10), D(0))
    assert level(world.gadget, world.location) == (D(5), D(0))
    assert level(world.flour, world.location) == (D(100), D(0))
    assert not SalesOrder.objects.exists()
    assert ledger_check() == []


def test_several_lines_with_one_product_never_stocked_here_yet(world):
    # BACKO has no stock level row at the location: created beside the rows changed together.
    lines = [LineSpec(sku="BACKO", quantity="2"), LineSpec(sku="WIDGET", quantity="3"),
             LineSpec(sku="GADGET", quantity="1")]
    order = order_create(spec=spec(lines), confirm=True)
    assert order.status == OrderStatus.CONFIRMED
    assert level(world.backorderable, world.location) == (D(0), D(2))
    assert level(world.widget, world.location) == (D(10), D(3))
    assert level(world.gadget, world.location) == (D(5), D(1))
    assert sorted(Reservation.objects.filter(reference=order.stock_reference).values_list("quantity", flat=True)) == [
        D(1), D(2), D(3)]
    assert ledger_check() == []


def test_order_takes_default_addresses_and_the_named_warehouse(world):
    Address.objects.create(party=world.customer, kind="billing", line1="Old St 1", city="Oslo", country="NO")
    Address.objects.create(party=world.customer, kind="billing", line1="Main St 2", city="Oslo", country="NO",
                           is_default=True)
    Address.objects.create(party=world.customer, kind="shipping", line1="Dock 3", city="Bergen", country="NO")
    one = [LineSpec(sku="WIDGET", quantity="1")]
    order = order_create(spec=OrderSpec(customer="C001", warehouse="MAIN", lines=one), confirm=True)
    order.refresh_from_db()
    assert order.billing_address["line1"] == "Main St 2"
    assert order.shipping_address == {"name": "", "line1": "Dock 3", "line2": "", "city": "Bergen", "region": "",
                                      "postal_code": "", "country": "NO"}
    assert order.warehouse == world.warehouse
    with pytest.raises(DomainError) as err:
        order_create(spec=OrderSpec(customer="C001", warehouse="NOPE", lines=one))
    assert err.value.field == "warehouse"
    with pytest.raises(DomainError) as err:
        order_create(spec=OrderSpec(customer="NOBODY", warehouse="NOPE", lines=one))
    assert err.value.field == "customer"


def test_an_order_with_more_lines_than_one_statement_binds(world):
    # SQLite binds at most 999 values per statement: 210 lines need several INSERTs and stock UPDATEs.
    products = Product.objects.bulk_create([Product(sku=f"BULK{i:03d}", name=f"Bulk {i}", unit=world.widget.unit,
                                                    tax_category=world.widget.tax_category) for i in range(210)])
    price_list = PriceListItem.objects.filter(product=world.widget).get().price_list
    PriceListItem.objects.bulk_create([PriceListItem(price_list=price_list, product=p, price=D("2.00"))
                                       for p in products])
    StockLevel.objects.bulk_create([StockLevel(product=p, location=world.location, on_hand=D(5)) for p in products])
    order = order_create(spec=spec([LineSpec(sku=p.sku, quantity="2") for p in products]), confirm=True)
    assert order.status == OrderStatus.CONFIRMED and len({line.pk for line in order.lines.all()}) == 210
    assert order.lines.count() == 210 and order.total == D("924.00")  # 210 x 2 x 2.00 + 10% tax
    assert set(StockLevel.objects.filter(product__in=products).values_list("reserved", flat=True)) == {D(2)}
    assert Reservation.objects.filter(reference=order.stock_reference).count() == 210


def test_order_custom_fields_are_checked_against_their_definitions(world):
    """Placing an order skips the custom field definitions only when orders have none."""
    with pytest.raises(DomainError) as err:  # no definitions yet: any key is unknown
        order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")], custom={"po": "A1"}))
    assert err.value.field == "custom.po"
    assert order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")])).custom == {}

    custom_field_define(target="sales.salesorder", key="po", label="Customer PO", field_type="text", required=True)
    with pytest.raises(DomainError) as err:  # a required field now missing from an order without custom values
        order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")]))
    assert err.value.field == "custom.po"
    order = order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")], custom={"po": "A1"}), confirm=True)
    order.refresh_from_db()
    assert order.custom == {"po": "A1"}
    assert SalesOrder.objects.count() == 2  # the refused orders left nothing behind
    assert ledger_check() == []


@pytest.mark.django_db(transaction=True)
def test_a_channel_reference_taken_while_the_order_is_placed_is_a_conflict(world, monkeypatch):
    """Two orders with one channel reference can both pass the early check; the unique index then
    refuses the second at its insert, which must come back as the same 409, with nothing written."""
    real_allocate = sales_services.number_allocate
    twin_placed = []

    def allocate_after_a_twin(**kwargs):
        if not twin_placed:  # the twin commits its order between our check and our insert
            twin_placed.append(True)
            order_create(spec=spec([LineSpec(sku="WIDGET", quantity="1")], channel="web", external_ref="shop-9"))
        return real_allocate(**kwargs)

    monkeypatch.setattr(sales_services, "number_allocate", allocate_after_a_twin)
    with pytest.raises(Conflict) as err:
        order_create(spec=spec([LineSpec(sku="WIDGET", quantity="2")], channel="web", external_ref="shop-9"),
                     confirm=True)
    assert err.value.code == "duplicate_external_ref" and err.value.field == "external_ref"
    assert twin_placed
    assert not SalesOrder.objects.exists()  # here the twin ran in the same transaction: all rolled back
    assert level(world.widget, world.location) == (D(10), D(0))
