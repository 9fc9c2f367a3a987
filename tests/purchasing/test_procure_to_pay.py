"""Procure to pay, end to end through the API: low stock and a backorder -> suggestions -> one draft PO ->
sent -> partial receipt (the waiting sales order's backorder is filled and ships) -> second receipt ->
a bill with a price mismatch is held -> corrected -> paid. Stock, ledger, costs and balances at each step."""

from decimal import Decimal as D

import pytest
from purchasing_kit import cost_of
from world import level

from oms.core.errors import DomainError
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check, open_backorders
from oms.payments.models import Payment
from oms.payments.selectors import customer_credit
from oms.purchasing.models import PurchaseOrder
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import OrderSpec, order_create
from oms.shipping.services import shipment_create, shipment_ship

pytestmark = pytest.mark.django_db


def _order(sku, quantity):
    return order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku=sku, quantity=quantity)]), confirm=True)


def test_procure_to_pay(api, buying):
    w = buying.world
    api.put("replenishment/rules", {"sku": "WIDGET", "warehouse": "MAIN", "min_quantity": "5", "max_quantity": "20"})
    widgets = _order("WIDGET", "8")  # 10 on hand, 8 reserved: 2 left, below the min of 5
    waiting = _order("BACKO", "4")  # nothing on hand: a backorder
    assert level(w.widget, w.location) == (D(10), D(8))
    assert level(w.backorderable, w.location) == (D(0), D(4))

    # 1. suggestions: the backorder first, then the widgets up to max (20 - 2 = 18, above the MOQ of 10)
    report = api.get("replenishment").json()
    assert [(s["sku"], s["reason"], s["projected"], s["quantity"], s["supplier"], s["unit_price"])
            for s in report] == [("BACKO", "backorder", "-4.0000", "5", "S001", "3.0000"),  # MOQ 5
                                 ("WIDGET", "below_min", "2.0000", "18", "S001", "4.0000")]
    assert api.get("backorders").json()[0]["waiting"][0]["reference"] == f"sales.order:{waiting.pk}"
    # the waiting order cannot ship yet: nothing is physically on hand
    planned = shipment_create(order=SalesOrder.objects.get(pk=waiting.pk),
                              lines={waiting.lines.get().pk: "4"})
    with pytest.raises(DomainError) as not_yet:
        shipment_ship(shipment=planned)
    assert not_yet.value.code == "not_in_stock"

    # 2. one call: one draft PO for the supplier
    made = api.post("replenishment/orders", {}, headers={"Idempotency-Key": "rep-1"})
    assert made.status_code == 201, made.json()
    ((po,),) = [made.json()]
    assert (po["supplier"], po["currency"], po["total"], po["lines"]) == ("S001", "USD", "87.00", 2)
    number = po["number"]
    got = api.get(f"purchase-orders/{number}").json()
    assert got["status"] == "draft"
    lines = {x["sku"]: x for x in got["lines"]}
    assert [(x["sku"], x["supplier_sku"], x["quantity"], x["unit_price"], x["line_total"]) for x in got["lines"]] == [
        ("BACKO", "P-B", "5.0000", "3.0000", "15.00"), ("WIDGET", "P-W", "18.0000", "4.0000", "72.00")]
    assert api.get("replenishment").json() == []  # what is on order counts as incoming

    # 3. send, then the PDF for the supplier
    assert api.post(f"purchase-orders/{number}/send").json()["status"] == "sent"
    pdf = api.get(f"purchase-orders/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # 4. partial receipt: 4 of 5 BACKO (exactly the backorder) and 10 of 18 widgets
    first = api.post(f"purchase-orders/{number}/receive", {"lines": [
        {"line_id": lines["BACKO"]["id"], "quantity": "4"}, {"line_id": lines["WIDGET"]["id"], "quantity": "10"}]},
        headers={"Idempotency-Key": "gr-1"})
    assert first.status_code == 201, first.json()
    receipt = first.json()
    assert receipt["backorders_filled"] == [{"order": waiting.number, "reference": f"sales.order:{waiting.pk}",
                                             "sku": "BACKO", "quantity": "4.0000"}]
    assert level(w.backorderable, w.location) == (D(4), D(4))
    assert level(w.widget, w.location) == (D(20), D(8))
    assert open_backorders() == []
    assert api.get(f"purchase-orders/{number}").json()["status"] == "partially_received"
    assert (cost_of("BACKO"), cost_of("WIDGET")) == (D("3.0000"), D("4.0000"))
    assert sorted((m.product.sku, m.on_hand_delta, m.unit_cost, m.cost_currency) for m in
                  StockMove.objects.filter(kind="receipt").select_related("product")) == [
        ("BACKO", D(4), D("3.0000"), "USD"), ("WIDGET", D(10), D("4.0000"), "USD")]
    assert ledger_check() == []

    # the waiting order is now shippable, from stock physically on hand
    shipped = shipment_ship(shipment=planned)
    assert shipped.status == "shipped"
    assert level(w.backorderable, w.location) == (D(0), D(0))
    assert SalesOrder.objects.get(pk=waiting.pk).status == "fulfilled"

    # 5. second receipt: the rest (receive with no lines = everything open)
    second = api.post(f"purchase-orders/{number}/receive", {}, headers={"Idempotency-Key": "gr-2"}).json()
    assert sorted((x["sku"], x["quantity"], x["unit_cost"]) for x in second["lines"]) == [
        ("BACKO", "1.0000", "3.0000"), ("WIDGET", "8.0000", "4.0000")]
    assert second["backorders_filled"] == []
    assert level(w.backorderable, w.location) == (D(1), D(0))
    assert level(w.widget, w.location) == (D(28), D(8))
    assert api.get(f"purchase-orders/{number}").json()["status"] == "received"
    assert (cost_of("BACKO"), cost_of("WIDGET")) == (D("3.0000"), D("4.0000"))
    assert ledger_check() == []

    # 6. the bill charges 4.20 a widget: held, with the difference listed; it cannot be paid
    bill = api.post(f"purchase-orders/{number}/bill", {"supplier_reference": "PC-INV-77", "currency": "USD",
                                                        "bill_date": "2026-11-02", "lines": [
        {"line_id": lines["BACKO"]["id"], "quantity": "5", "unit_price": "3.00"},
        {"line_id": lines["WIDGET"]["id"], "quantity": "18", "unit_price": "4.20"}]},
        headers={"Idempotency-Key": "bill-1"})
    assert bill.status_code == 201, bill.json()
    bill = bill.json()
    assert (bill["status"], bill["total"], bill["balance"], bill["due_date"]) == ("on_hold", "90.60", "90.60",
                                                                                  "2026-12-02")
    assert bill["differences"] == [{"line": 2, "sku": "WIDGET", "kind": "price", "expected": "4.0000",
                                    "actual": "4.2000"}]
    assert api.get(f"purchase-orders/{number}").json()["status"] == "billed"
    refused = api.post(f"supplier-bills/{bill['number']}/pay", {"method": "bank_transfer"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "bill_on_hold")
    aging = api.get("supplier-bills/aging", {"as_of": "2026-11-10"}).json()
    assert [(r["supplier"], r["buckets"]["current"], r["total"]) for r in aging["rows"]] == [("S001", "90.60",
                                                                                            "90.60")]

    # 7. the supplier corrects the price: matched, open to pay
    corrected = api.post(f"supplier-bills/{bill['number']}/correct", {"reason": "credit from PC", "lines": [
        {"line_id": lines["WIDGET"]["id"], "quantity": "18", "unit_price": "4.00"}]}).json()
    assert (corrected["status"], corrected["total"], corrected["differences"]) == ("open", "87.00", [])

    # 8. paid through the payments module: the bill and the order are settled
    paid = api.post(f"supplier-bills/{bill['number']}/pay", {"method": "bank_transfer", "reference": "wire 5521"},
                    headers={"Idempotency-Key": "pay-1"})
    assert paid.status_code == 200, paid.json()
    paid = paid.json()
    assert (paid["status"], paid["amount_paid"], paid["balance"]) == ("paid", "87.00", "0.00")
    payment = Payment.objects.get(number=paid["payments"][0]["payment"])
    assert (payment.side, payment.kind, payment.customer.code, payment.amount, payment.currency) == (
        "payable", "payment", "S001", D("87.00"), "USD")
    assert PurchaseOrder.objects.get(number=number).status == "closed"
    assert api.get("supplier-bills/aging", {"as_of": "2026-11-10"}).json()["rows"] == []
    assert customer_credit(w.customer, "USD").amount == D(0)
    # margins: widgets sold at 10.00 net, BACKO at 7.00 (tax excluded), against their average cost
    assert [(m["sku"], m["average_cost"], m["received_quantity"], m["sold_quantity"], m["average_price"],
             m["unit_margin"]) for m in api.get("product-costs").json()] == [
        ("BACKO", "3.0000", "5.0000", "4.0000", "7.0000", "4.0000"),
        ("WIDGET", "4.0000", "18.0000", "8.0000", "10.0000", "6.0000")]
    assert widgets.status == "confirmed" and ledger_check() == []
