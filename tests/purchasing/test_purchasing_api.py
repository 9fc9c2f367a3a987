"""The purchasing API: suppliers and price lists, orders and their actions, receipts, bills, errors and
permissions."""

from decimal import Decimal as D

import pytest
from purchasing_kit import counts, line_of, sent_order

from oms.parties.models import Party
from oms.purchasing.models import PurchaseOrder, SupplierBill, SupplierBillLine, SupplierItem
from oms.purchasing.services import receipt_create

pytestmark = pytest.mark.django_db


def test_suppliers_and_their_price_lists(api, buying):
    made = api.post("suppliers", {"name": "Bolt Works", "code": "S009", "currency": "USD", "payment_terms_days": 45},
                    headers={"Idempotency-Key": "sup-1"})
    assert made.status_code == 201, made.json()
    party = Party.objects.get(code="S009")
    assert (party.is_supplier, party.is_customer, party.payment_terms_days) == (True, False, 45)
    assert [s["code"] for s in api.get("suppliers").json()] == ["S001", "S002", "S009"]
    put = api.put("suppliers/S009/items", {"sku": "WIDGET", "supplier_sku": "BW-1", "price": "3.90",
                                           "min_order_quantity": "50", "lead_time_days": 3, "preferred": True})
    assert put.status_code == 200, put.json()
    assert put.json() == {"supplier": "S009", "sku": "WIDGET", "supplier_sku": "BW-1", "price": "3.9000",
                          "currency": "USD", "min_order_quantity": "50.0000", "lead_time_days": 3,
                          "preferred": True, "active": True}
    # one preferred supplier per product: S001 is no longer preferred for widgets
    assert list(SupplierItem.objects.filter(product__sku="WIDGET", preferred=True)
                .values_list("supplier__code", flat=True)) == ["S009"]
    assert [i["sku"] for i in api.get("suppliers/S001/items").json()] == ["BACKO", "WIDGET"]
    bad = api.put("suppliers/S009/items", {"sku": "BACKO", "supplier_sku": "BW-1", "price": "1"})
    assert (bad.status_code, bad.json()["error"]["code"], bad.json()["error"]["field"]) == (422, "duplicate",
                                                                                            "supplier_sku")
    assert api.get("suppliers/C001/items").status_code == 404


def test_order_create_send_receive_and_bill_through_the_api(api, buying):
    created = api.post("purchase-orders", {"supplier": "S001", "send": True, "expected_on": "2026-12-01",
                                           "lines": [{"sku": "WIDGET", "quantity": "10"}]},
                       headers={"Idempotency-Key": "po-1"})
    assert created.status_code == 201, created.json()
    order = created.json()
    assert (order["status"], order["total"], order["expected_on"]) == ("sent", "40.00", "2026-12-01")
    replay = api.post("purchase-orders", {"supplier": "S001", "send": True, "expected_on": "2026-12-01",
                                          "lines": [{"sku": "WIDGET", "quantity": "10"}]},
                      headers={"Idempotency-Key": "po-1"})
    assert replay.json() == order and PurchaseOrder.objects.count() == 1
    line_id = order["lines"][0]["id"]
    number = order["number"]
    before = counts()
    over = api.post(f"purchase-orders/{number}/receive", {"lines": [{"line_id": line_id, "quantity": "11"}]})
    assert over.status_code == 409
    assert over.json()["error"] == {"code": "over_receipt", "field": "lines.0.quantity", "open": "10.0000",
                                    "allowed": "10.0000", "message": over.json()["error"]["message"]}
    unknown = api.post(f"purchase-orders/{number}/receive", {"lines": [{"line_id": 999999, "quantity": "1"}]})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_line")
    assert counts() == before
    got = api.post(f"purchase-orders/{number}/receive", {"lines": [{"line_id": line_id, "quantity": "10"}]})
    assert got.status_code == 201
    receipt = got.json()
    assert api.get(f"receipts/{receipt['number']}").json() == receipt
    assert [r["number"] for r in api.get("receipts", {"purchase_order": number}).json()["items"]] == [
        receipt["number"]]
    bad_currency = api.post(f"purchase-orders/{number}/bill", {"supplier_reference": "I-1", "currency": "EUR",
                                                               "lines": [{"line_id": line_id, "quantity": "10",
                                                                          "unit_price": "4"}]})
    assert (bad_currency.status_code, bad_currency.json()["error"]["code"]) == (422, "currency_mismatch")
    unknown_line = api.post(f"purchase-orders/{number}/bill", {"supplier_reference": "I-1", "lines": [
        {"line_id": 999999, "quantity": "10", "unit_price": "4"}]})
    assert (unknown_line.status_code, unknown_line.json()["error"]["field"]) == (404, "lines.0.line_id")
    assert not SupplierBill.objects.exists() and not SupplierBillLine.objects.exists()
    bill = api.post(f"purchase-orders/{number}/bill", {"supplier_reference": "I-1", "lines": [
        {"line_id": line_id, "quantity": "10", "unit_price": "4"}]})
    assert bill.status_code == 201 and bill.json()["status"] == "open"
    listed = api.get("supplier-bills", {"supplier": "S001", "status": "open"}).json()["items"]
    assert [b["number"] for b in listed] == [bill.json()["number"]]
    timeline = api.get(f"supplier-bills/{bill.json()['number']}/timeline").json()
    assert [t["action"] for t in timeline] == ["supplier_bill.created"]
    assert [t["action"] for t in api.get(f"purchase-orders/{number}/timeline").json()] == [
        "purchase_order.created", "purchase_order.sent", "purchase_order.received", "purchase_order.billed"]
    assert [o["number"] for o in api.get("purchase-orders", {"status": "billed"}).json()["items"]] == [number]


def test_order_actions_and_their_errors(api, buying):
    draft = api.post("purchase-orders", {"supplier": "S001", "lines": [{"sku": "WIDGET", "quantity": "1"}]}).json()
    wrong = api.post(f"purchase-orders/{draft['number']}/receive", {})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "order_not_receivable")
    assert api.post(f"purchase-orders/{draft['number']}/cancel", {"reason": "typo"}).json()["status"] == "cancelled"
    again = api.post(f"purchase-orders/{draft['number']}/send")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    assert api.get("purchase-orders/PO-NOPE").status_code == 404
    missing = api.post("purchase-orders", {"supplier": "S001", "lines": [{"sku": "WIDGET", "quantity": 1.5}]})
    assert missing.status_code == 422
    no_price = api.post("purchase-orders", {"supplier": "S001", "lines": [{"sku": "GADGET", "quantity": "1"}]})
    assert no_price.json()["error"] == {"code": "no_supplier_price", "field": "lines.0.unit_price",
                                        "message": no_price.json()["error"]["message"]}


def test_replenishment_rules_and_nothing_to_order(api, buying):
    assert api.post("replenishment/orders", {}).json()["error"]["code"] == "nothing_to_order"
    rule = api.put("replenishment/rules", {"sku": "WIDGET", "warehouse": "MAIN", "min_quantity": "12",
                                           "max_quantity": "30"})
    assert rule.json() == {"sku": "WIDGET", "warehouse": "MAIN", "min_quantity": "12.0000",
                           "max_quantity": "30.0000"}
    bad = api.put("replenishment/rules", {"sku": "WIDGET", "warehouse": "MAIN", "min_quantity": "5",
                                          "max_quantity": "4"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "max_quantity")
    (suggestion,) = api.get("replenishment").json()
    assert (suggestion["sku"], suggestion["quantity"], suggestion["supplier"], suggestion["expected_on"] is not None) \
        == ("WIDGET", "20", "S001", True)
    made = api.post("replenishment/orders", {"skus": ["WIDGET"]}).json()
    assert [(m["supplier"], m["total"]) for m in made] == [("S001", "80.00")]


def test_permissions(make_api, buying):
    viewer = make_api("viewer", ["purchasing.view_purchaseorder", "purchasing.view_supplierbill"])
    assert viewer.get("purchase-orders").status_code == 200
    assert viewer.get("supplier-bills/aging").status_code == 200
    denied = viewer.post("purchase-orders", {"supplier": "S001", "lines": [{"sku": "WIDGET", "quantity": "1"}]})
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "permission_denied")
    order = sent_order([("WIDGET", "1")])
    assert viewer.post(f"purchase-orders/{order.number}/receive", {}).status_code == 403
    receipt_create(order=order)
    assert viewer.get("receipts").status_code == 403
    assert line_of(order, "WIDGET").quantity_received == D(1)
