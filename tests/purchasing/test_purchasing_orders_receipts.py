"""Purchase orders (priced from the supplier's list, exact totals, lifecycle, PDF) and receipts (through the
stock ledger, refused beyond tolerance with nothing written, moving-average cost, backorders filled)."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from pypdf import PdfReader
from purchasing_kit import cost_of, counts, line_of, sent_order
from world import level

from oms.core.errors import DomainError, InvalidTransition
from oms.core.money import Money
from oms.inventory.selectors import ledger_check
from oms.core.models import OutboxEvent
from oms.inventory.services import default_location, location_create, warehouse_create
from oms.purchasing.models import PurchasingSettings
from oms.purchasing.pdf import purchase_order_pdf
from oms.purchasing.services import (
    POLineSpec, purchase_order_cancel, purchase_order_close, purchase_order_create, purchase_order_send,
    receipt_create,
)
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create

pytestmark = pytest.mark.django_db


def _refused(code, call):
    before = counts()
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, err.value.message
    assert counts() == before
    return err.value


def test_lines_are_priced_from_the_supplier_list_in_its_currency_with_exact_totals(buying):
    order = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="3"),
                                                          POLineSpec(sku="BACKO", quantity="7", unit_price="0.333")])
    assert (order.number, order.status, order.currency, order.total) == ("PO-" + order.number[3:], "draft", "USD",
                                                                        D("14.33"))
    assert order.number.startswith("PO-") and order.number.endswith("-00001")
    assert [(x.supplier_sku, x.quantity, x.unit_price, x.line_total) for x in order.lines.all()] == [
        ("P-W", D(3), D("4.0000"), D("12.0000")), ("P-B", D(7), D("0.3330"), D("2.3300"))]
    euro = purchase_order_create(supplier="S002", lines=[POLineSpec(sku="WIDGET", quantity="2")])
    assert (euro.currency, euro.total, euro.number[-5:]) == ("EUR", D("7.00"), "00002")


def test_bad_orders_are_refused_and_write_nothing(buying):
    _refused("currency_mismatch", lambda: purchase_order_create(supplier="S002", currency="USD",
                                                                lines=[POLineSpec(sku="WIDGET", quantity="1")]))
    _refused("currency_mismatch", lambda: purchase_order_create(
        supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="1", unit_price=Money(D(1), "EUR"))]))
    _refused("no_supplier_price", lambda: purchase_order_create(supplier="S001",
                                                                lines=[POLineSpec(sku="GADGET", quantity="1")]))
    _refused("not_stocked", lambda: purchase_order_create(supplier="S001",
                                                          lines=[POLineSpec(sku="SETUP", quantity="1",
                                                                            unit_price="1")]))
    _refused("invalid_quantity", lambda: purchase_order_create(supplier="S001",
                                                               lines=[POLineSpec(sku="WIDGET", quantity="1.5")]))
    _refused("not_found", lambda: purchase_order_create(supplier="S001", lines=[POLineSpec(sku="NOPE", quantity=1)]))
    _refused("not_a_supplier", lambda: purchase_order_create(supplier="C001",
                                                             lines=[POLineSpec(sku="WIDGET", quantity="1")]))
    _refused("required", lambda: purchase_order_create(supplier="S001", lines=[]))


def test_lifecycle_send_cancel_close_short(buying):
    draft = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="10")])
    cancelled = purchase_order_cancel(order=draft, reason="not needed")
    assert cancelled.status == "cancelled"
    with pytest.raises(InvalidTransition):
        purchase_order_send(order=cancelled)
    order = sent_order([("WIDGET", "10")])
    receipt_create(order=order, lines={line_of(order, "WIDGET").pk: "4"})
    with pytest.raises(InvalidTransition):
        purchase_order_cancel(order=order)
    _refused("required", lambda: purchase_order_close(order=order, reason=" "))
    assert purchase_order_close(order=order, reason="supplier discontinued it").status == "closed"
    _refused("order_not_receivable", lambda: receipt_create(order=order))


def test_the_pdf_names_the_supplier_part_numbers_and_total(buying):
    order = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="3")],
                                  notes="Deliver to dock 2")
    pdf = purchase_order_pdf(order)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())
    for expected in (order.number, "Parts Co", "P-W", "WIDGET", "12.00", "Deliver to dock 2", "Purchase order"):
        assert expected in text, (expected, text)


def test_receipts_move_stock_through_the_ledger_and_keep_a_moving_average(buying):
    w = buying.world
    first = sent_order([("WIDGET", "10")])
    receipt = receipt_create(order=first)
    assert receipt.number.startswith("GR-") and first.status == "sent"
    assert level(w.widget, w.location) == (D(20), D(0))
    assert cost_of("WIDGET") == D("4.0000")
    second = sent_order([("WIDGET", "10")], WIDGET="5.50")
    receipt_create(order=second, lines={line_of(second, "WIDGET").pk: "5"})
    # 20 on hand at 4.00 (10 of them opening stock, costed at the first receipt's price) + 5 at 5.50
    assert cost_of("WIDGET") == D("4.3000")
    assert [m.unit_cost for m in receipt.lines.all()] == [D("4.0000")]
    assert ledger_check() == []


def test_over_receipt_is_refused_beyond_the_tolerance_and_writes_nothing(buying):
    order = sent_order([("WIDGET", "10")])
    line = line_of(order, "WIDGET")
    err = _refused("over_receipt", lambda: receipt_create(order=order, lines={line.pk: "11"}))
    assert (err.status, err.field, err.extra) == (409, "lines.0.quantity", {"open": "10.0000", "allowed": "10.0000"})
    PurchasingSettings.objects.create(receipt_tolerance_percent=D(10))
    receipt_create(order=order, lines={line.pk: "6"})
    _refused("over_receipt", lambda: receipt_create(order=order, lines={line.pk: "6"}))
    receipt_create(order=order, lines={line.pk: "5"})  # 11 of 10: within 10 %
    line.refresh_from_db()
    assert line.quantity_received == D(11)
    assert order.__class__.objects.get(pk=order.pk).status == "received"


def test_receipt_input_errors(buying):
    draft = purchase_order_create(supplier="S001", lines=[POLineSpec(sku="WIDGET", quantity="10")])
    _refused("order_not_receivable", lambda: receipt_create(order=draft))
    order = sent_order([("WIDGET", "10")])
    _refused("unknown_line", lambda: receipt_create(order=order, lines={line_of(draft, "WIDGET").pk: "1"}))
    _refused("invalid_quantity", lambda: receipt_create(order=order, lines={line_of(order, "WIDGET").pk: "0"}))
    _refused("required", lambda: receipt_create(order=order, lines={}))
    _refused("not_found", lambda: receipt_create(order=order, location="NOWHERE"))
    other = warehouse_create(code="FAR", name="Far away")
    _refused("location_mismatch", lambda: receipt_create(order=order, location=default_location(other)))
    receipt_create(order=order)
    _refused("order_not_receivable", lambda: receipt_create(order=order))


def test_receiving_into_another_location_of_the_warehouse(buying):
    w = buying.world
    dock = location_create(warehouse=w.warehouse, code="DOCK", kind="receiving")
    order = sent_order([("WIDGET", "2")])
    receipt = receipt_create(order=order, location="DOCK")
    assert receipt.location == dock
    assert level(w.widget, dock) == (D(2), D(0))


def test_receipts_fill_the_oldest_waiting_orders_first(buying):
    def wait(quantity):
        return order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="BACKO", quantity=quantity)]),
                            confirm=True)

    older, newer = wait("3"), wait("4")
    order = sent_order([("BACKO", "10")])
    first = receipt_create(order=order, lines={line_of(order, "BACKO").pk: "5"})
    assert [(f["order"], f["quantity"]) for f in first.backorders_filled] == [(older.number, "3.0000"),
                                                                              (newer.number, "2.0000")]
    second = receipt_create(order=order)
    assert [(f["order"], f["quantity"]) for f in second.backorders_filled] == [(newer.number, "2.0000")]
    assert level(buying.world.backorderable, buying.world.location) == (D(10), D(7))
    assert list(OutboxEvent.objects.filter(event_type="backorder.filled").values_list("aggregate_id", flat=True)
                .order_by("id")) == [older.number, newer.number, newer.number]
