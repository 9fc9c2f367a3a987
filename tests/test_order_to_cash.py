"""The whole order-to-cash path, end to end through the API: order, confirm, partial shipment,
invoice, payment, second shipment, return of one item, credit note and refund. At the end stock,
ledger, order state, invoice balances and the customer's balance are exactly what they must be."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from world import level, make_world

from oms.core.models import OutboxEvent
from oms.core.services.audit import audit_verify
from oms.invoicing.models import Invoice
from oms.invoicing.selectors import customer_balance, invoice_balance
from oms.payments.models import Payment
from oms.payments.selectors import customer_credit

pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_order_to_cash(api, db):
    world = make_world()
    # 1. an order for 5 widgets (10.00) and 2 gadgets (25.50), 10% tax: 101.00 + 10.10 = 111.10
    order = ok(api.post("orders", {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "5"},
                                                                 {"sku": "GADGET", "quantity": "2"}]},
                        headers={"Idempotency-Key": "o2c-order"}), 201)
    number = order["number"]
    widget_line, gadget_line = (line["id"] for line in order["lines"])
    assert order["status"] == "draft" and order["total"] == "111.10"
    # 2. confirm: stock is reserved
    assert ok(api.post(f"orders/{number}/confirm"))["status"] == "confirmed"
    assert level(world.widget, world.location) == (D(10), D(5))
    assert level(world.gadget, world.location) == (D(5), D(2))
    # 3. a partial shipment: 3 widgets and both gadgets
    first = ok(api.post("shipments", {"order": number, "lines": [{"line_id": widget_line, "quantity": "3"},
                                                                 {"line_id": gadget_line, "quantity": "2"}]},
                        headers={"Idempotency-Key": "o2c-ship-1"}), 201)
    assert ok(api.post(f"shipments/{first['id']}/ship"))["number"].startswith("SH-")
    assert ok(api.get(f"orders/{number}"))["status"] == "partially_fulfilled"
    assert level(world.widget, world.location) == (D(7), D(2))
    assert level(world.gadget, world.location) == (D(3), D(0))
    # 4. the invoice (everything ordered), issued
    invoice = ok(api.post(f"invoices/from-order/{number}", {"issue": True},
                          headers={"Idempotency-Key": "o2c-invoice"}), 201)
    assert invoice["status"] == "issued" and D(invoice["total"]) == D("111.10")
    # 5. the customer pays it in full
    payment = ok(api.post("payments", {"customer": "C001", "amount": "111.10", "currency": "USD",
                                       "method": "bank_transfer",
                                       "allocations": [{"invoice": invoice["number"], "amount": "111.10"}]},
                          headers={"Idempotency-Key": "o2c-pay"}), 201)
    assert ok(api.get(f"invoices/{invoice['number']}"))["status"] == "paid"
    # 6. the second shipment: the 2 widgets still open
    second = ok(api.post("shipments", {"order": number}, headers={"Idempotency-Key": "o2c-ship-2"}), 201)
    assert [(x["line_id"], x["quantity"]) for x in second["lines"]] == [(widget_line, "2.0000")]
    ok(api.post(f"shipments/{second['id']}/ship"))
    assert ok(api.get(f"orders/{number}"))["status"] == "fulfilled"
    # 7. one widget comes back: requested, approved, received into stock
    rma = ok(api.post("returns", {"order": number, "reason": "defective",
                                  "lines": [{"line_id": widget_line, "quantity": "1"}]},
                      headers={"Idempotency-Key": "o2c-return"}), 201)
    ok(api.post(f"returns/{rma['number']}/approve", headers={"Idempotency-Key": "o2c-approve"}))
    ok(api.post(f"returns/{rma['number']}/receive", headers={"Idempotency-Key": "o2c-receive"}))
    # 8. settled by a credit note and a refund of the widget with its tax: 11.00
    closed = ok(api.post(f"returns/{rma['number']}/resolve", {"resolution": "refund"},
                         headers={"Idempotency-Key": "o2c-refund"}))
    (settlement,) = closed["settlements"]
    assert closed["status"] == "closed"
    assert settlement["credit_note_total"] == "11.00" and settlement["refund_amount"] == "11.00"

    # stock and ledger: 10 - 5 shipped + 1 returned widgets, 5 - 2 gadgets, nothing reserved
    assert level(world.widget, world.location) == (D(6), D(0))
    assert level(world.gadget, world.location) == (D(3), D(0))
    out = io.StringIO()
    call_command("stock", "check", stdout=out)
    assert "stock OK" in out.getvalue()
    # the order: fulfilled, every line shipped
    final = ok(api.get(f"orders/{number}"))
    assert final["status"] == "fulfilled"
    assert [(x["quantity"], x["quantity_fulfilled"]) for x in final["lines"]] == [("5.0000", "5.0000"),
                                                                                  ("2.0000", "2.0000")]
    # the money: invoice 111.10 - credit note 11.00 - payment 111.10 + refund 11.00 = 0, and paid
    inv = Invoice.objects.get(number=invoice["number"])
    note = Invoice.objects.get(number=settlement["credit_note"])
    assert (inv.total, note.total, note.original_id) == (D("111.10"), D("11.00"), inv.pk)
    assert invoice_balance(inv) == D(0) and invoice_balance(note) == D(0)
    assert inv.status == "paid"
    assert ok(api.get(f"invoices/{invoice['number']}/balance"))["balance"] in ("0.00", "0")
    assert customer_balance(world.customer, "USD") == D(0)
    assert customer_credit(world.customer, "USD").amount == D(0)
    money = sorted((p.kind, p.amount) for p in Payment.objects.filter(customer=world.customer))
    assert money == [("payment", D("111.10")), ("refund", D("11.00"))]
    assert payment["number"] != settlement["refund"]
    # the events integrators see
    kinds = list(OutboxEvent.objects.order_by("id").values_list("event_type", flat=True))
    for expected in ("order.confirmed", "order.partially_fulfilled", "order.fulfilled", "shipment.shipped",
                     "invoice.issued", "payment.recorded", "return.requested", "return.received", "return.refunded",
                     "payment.refunded"):
        assert expected in kinds, expected
    assert kinds.count("shipment.shipped") == 2
    assert audit_verify().ok
