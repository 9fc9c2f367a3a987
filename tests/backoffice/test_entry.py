"""Fast order entry: customer and product look-ups with price and stock; the order made by the sales service."""

import json

import pytest
from django.contrib.auth.models import Permission

from oms.core.models import AuditRecord
from oms.inventory.selectors import ledger_check
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db
CREATE = "/backoffice/orders/new/create"


def post(client, body):
    return client.post(CREATE, data=json.dumps(body), content_type="application/json")


def test_entry_page_renders(demo, staff):
    html = staff.get("/backoffice/orders/new/").content.decode()
    assert 'id="bo-scan"' in html and 'id="bo-customer"' in html and "entry.js" in html


def test_customer_lookup_by_code_name_and_email(demo, staff):
    assert staff.get("/backoffice/lookup/customers?q=C0002").json()["results"][0]["code"] == "C0002"
    names = [r["name"] for r in staff.get("/backoffice/lookup/customers?q=maya").json()["results"]]
    assert names == ["Maya Putri"]
    hit = staff.get("/backoffice/lookup/customers?q=buying@greenleaf.test").json()["results"][0]
    assert hit == {"code": "C0002", "name": "Greenleaf Stores Inc.", "email": "buying@greenleaf.test",
                   "currency": "USD", "group": "Wholesale"}
    assert staff.get("/backoffice/lookup/customers?q=").json()["results"] == []
    assert "S0001" not in json.dumps(staff.get("/backoffice/lookup/customers?q=Java").json())  # a supplier


def test_product_lookup_by_sku_barcode_or_name_with_price_and_stock(demo, staff):
    hit = staff.get("/backoffice/lookup/products?q=mug-01&customer=C0004").json()["results"]
    assert hit == [{"sku": "MUG-01", "name": "Enamel mug", "barcode": "4006381333931", "unit": "pcs", "decimals": 0,
                    "stocked": True, "exact": True, "available": hit[0]["available"], "price": "12.50",
                    "currency": "USD"}]
    assert int(hit[0]["available"]) > 0
    scanned = staff.get("/backoffice/lookup/products?q=4006381333931&customer=C0001").json()["results"]
    assert scanned[0]["sku"] == "MUG-01" and scanned[0]["currency"] == "IDR" and scanned[0]["exact"]
    assert scanned[0]["price"] == "151200.00"  # the wholesale IDR list (80%) for the cafe's group
    several = staff.get("/backoffice/lookup/products?q=shirt&customer=C0004").json()["results"]
    assert {h["sku"] for h in several} == {"TSHIRT-S", "TSHIRT-M", "TSHIRT-L"} and not any(h["exact"] for h in several)
    round_number = staff.get("/backoffice/lookup/products?q=TSHIRT-M").json()["results"][0]["available"]
    assert "E" not in round_number and round_number.isdigit()  # 40, not 4E+1
    service = staff.get("/backoffice/lookup/products?q=GIFTWRAP").json()["results"][0]
    assert service["stocked"] is False and service["available"] is None and service["price"] is None  # no customer


def test_create_confirmed_order(demo, staff):
    response = post(staff, {"customer": "C0004", "confirm": True, "notes": "phone order",
                            "lines": [{"sku": "MUG-01", "quantity": "2"}, {"sku": "TSHIRT-M", "quantity": "1"}]})
    assert response.status_code == 201
    body = response.json()
    order = SalesOrder.objects.get(number=body["number"])
    assert body["url"] == f"/backoffice/orders/{order.number}/"
    assert order.status in ("confirmed", "on_hold")  # John Carter has a small credit limit
    assert order.channel == "back_office" and order.notes == "phone order" and order.lines.count() == 2
    assert ledger_check() == []


def test_create_draft_order(demo, staff):
    body = post(staff, {"customer": "C0002", "lines": [{"sku": "HOODIE-M", "quantity": "1"}]}).json()
    assert SalesOrder.objects.get(number=body["number"]).status == "draft"


@pytest.mark.parametrize("body,status,code,field", [
    ({"customer": "C0002", "lines": []}, 422, "required", "lines"),
    ({"customer": "NOPE", "lines": [{"sku": "MUG-01", "quantity": "1"}]}, 404, "not_found", "customer"),
    ({"customer": "C0002", "lines": [{"sku": "NOPE", "quantity": "1"}]}, 404, "unknown_sku", "lines.0.sku"),
    ({"customer": "C0002", "lines": [{"sku": "MUG-01", "quantity": "1.5"}]}, 422, None, "lines.0.quantity"),
    ({"customer": "C0002", "lines": [{"sku": "MUG-01", "quantity": "-1"}]}, 422, None, "lines.0.quantity"),
    ({"customer": "C0002", "lines": [{"quantity": "1"}]}, 422, "required", "lines.0.sku"),
    ({"customer": 7, "lines": [{"sku": "MUG-01", "quantity": "1"}]}, 422, None, "customer"),
    ([1, 2], 422, None, "body"),
])
def test_bad_input_is_refused_with_the_field_and_writes_nothing(demo, staff, body, status, code, field):
    orders, audit = SalesOrder.objects.count(), AuditRecord.objects.count()
    response = post(staff, body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == field
    if code:
        assert error["code"] == code
    assert SalesOrder.objects.count() == orders and AuditRecord.objects.count() == audit


def test_too_much_of_a_stocked_product_is_refused(demo, staff):
    response = post(staff, {"customer": "C0004", "confirm": True, "lines": [{"sku": "TSHIRT-L", "quantity": "500"}]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "insufficient_stock"


def test_not_json_and_not_allowed(demo, staff, client, django_user_model):
    response = staff.post(CREATE, data="{", content_type="application/json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_json"
    clerk = django_user_model.objects.create_user(username="clerk", password="pw-12345678", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(clerk)
    denied = post(client, {"customer": "C0002", "lines": [{"sku": "MUG-01", "quantity": "1"}]})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    assert client.get("/backoffice/orders/new/").status_code == 403


def test_anonymous_gets_403_json_from_lookups(client, db):
    assert client.get("/backoffice/lookup/products?q=MUG").status_code == 403
