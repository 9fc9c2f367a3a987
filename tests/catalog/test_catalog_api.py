import pytest

from oms.catalog.models import PriceList, Product
from oms.core.models import AuditRecord

SHIRT = {"sku": "TSHIRT", "name": "T-shirt", "unit": "pcs", "barcode": "4006381333931", "tax_category": "std"}


@pytest.fixture
def setup(api, pcs, vat):
    return api


def test_create_get_and_list(setup):
    api = setup
    response = api.post("products", SHIRT)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sku"] == "TSHIRT" and body["unit"] == "pcs" and body["unit_decimals"] == 0
    assert (body["tax_category"], body["tax_rate"]) == ("std", "20")
    assert api.get("products/TSHIRT").json() == body
    variant = api.post("products", {"sku": "TSHIRT-M", "name": "T-shirt M", "parent": "TSHIRT",
                                    "variant_attributes": {"size": "M"}})
    assert variant.status_code == 201, variant.json()
    assert variant.json()["unit"] == "pcs" and variant.json()["parent"] == "TSHIRT"
    assert api.get("products/TSHIRT").json()["variants"] == ["TSHIRT-M"]
    assert [p["sku"] for p in api.get("products", {"parent": "TSHIRT"}).json()["items"]] == ["TSHIRT-M"]
    assert [p["sku"] for p in api.get("products", {"q": "333931"}).json()["items"]] == ["TSHIRT"]
    assert [p["sku"] for p in api.get("products", {"q": "t-shirt m"}).json()["items"]] == ["TSHIRT-M"]
    assert api.get("products", {"product_type": "service"}).json()["items"] == []


def test_pagination(setup):
    for i in range(3):
        setup.post("products", {**SHIRT, "sku": f"P{i}", "barcode": ""})
    page = setup.get("products", {"limit": 2}).json()
    assert [p["sku"] for p in page["items"]] == ["P2", "P1"]
    rest = setup.get("products", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [p["sku"] for p in rest["items"]] == ["P0"] and rest["next_cursor"] is None
    bad = setup.get("products", {"cursor": "!!"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"


def test_unknown_sku_is_404(setup):
    for response in (setup.get("products/NOPE"), setup.patch("products/NOPE", {"name": "x"})):
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "not_found", "message": "No product with SKU 'NOPE'",
                                            "field": "sku"}


def test_duplicate_sku_is_409(setup):
    assert setup.post("products", SHIRT).status_code == 201
    response = setup.post("products", {**SHIRT, "barcode": ""})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_sku"
    assert response.json()["error"]["field"] == "sku"


@pytest.mark.parametrize("change, field", [
    ({"barcode": "4006381333932"}, "barcode"),
    ({"unit": "box"}, "unit"),
    ({"tax_category": "zero"}, "tax_category"),
    ({"product_type": "gadget"}, "product_type"),
    ({"name": ""}, "name"),
    ({"sku": "A B"}, "sku"),
    ({"variant_attributes": {"size": 3}}, "variant_attributes.size"),
    ({"low_stock_threshold": "0.5"}, "low_stock_threshold"),
    ({"custom": {"unknown": 1}}, "custom.unknown"),
])
def test_errors_are_422_naming_the_field(setup, change, field):
    response = setup.post("products", {**SHIRT, **change})
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["field"] == field
    assert not Product.objects.exists()


def test_patch_and_delete(setup):
    setup.post("products", SHIRT)
    response = setup.patch("products/TSHIRT", {"name": "Tee", "barcode": "", "tax_category": None})
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["barcode"], response.json()["tax_category"]) == ("Tee", "", None)
    bad = setup.patch("products/TSHIRT", {"barcode": "73513538"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "barcode"
    assert setup.delete("products/TSHIRT").json()["active"] is False
    assert [p["sku"] for p in setup.get("products", {"active": False}).json()["items"]] == ["TSHIRT"]
    actions = list(AuditRecord.objects.filter(object_type="catalog.product", object_id="TSHIRT")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["product.created", "product.updated", "product.updated"]


def test_idempotent_create(setup):
    first = setup.post("products", SHIRT, headers={"Idempotency-Key": "k1"})
    second = setup.post("products", SHIRT, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Product.objects.count() == 1
    assert AuditRecord.objects.filter(action="product.created").count() == 1


def test_custom_fields_returned_and_filterable(setup):
    setup.post("custom-fields", {"target": "catalog.product", "key": "season", "label": "Season",
                                 "field_type": "choice", "choices": ["summer", "winter"]})
    created = setup.post("products", {**SHIRT, "custom": {"season": "summer"}})
    assert created.json()["custom"] == {"season": "summer"}
    setup.post("products", {**SHIRT, "sku": "COAT", "barcode": "", "custom": {"season": "winter"}})
    items = setup.get("products", {"cf_season": "winter"}).json()["items"]
    assert [p["sku"] for p in items] == ["COAT"]
    bad = setup.get("products", {"cf_season": "spring"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "custom.season"
    patched = setup.patch("products/TSHIRT", {"custom": {"season": "winter"}}).json()
    assert patched["custom"] == {"season": "winter"}


def test_units_and_tax_categories(api, db):
    assert api.post("units", {"code": "kg", "name": "Kilogram", "decimals": 3}).status_code == 201
    assert api.post("units", {"code": "kg", "name": "Again"}).status_code == 409
    bad = api.post("units", {"code": "m2", "name": "Square metre", "decimals": 9})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "decimals"
    assert [u["code"] for u in api.get("units").json()] == ["kg"]
    assert api.patch("units/kg", {"name": "Kilo"}).json()["name"] == "Kilo"
    created = api.post("tax-categories", {"code": "reduced", "name": "Reduced", "rate": "7.5"})
    assert created.status_code == 201 and created.json()["rate"] == "7.5"
    bad = api.post("tax-categories", {"code": "x", "name": "X", "rate": "150"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "rate"
    assert api.patch("tax-categories/reduced", {"rate": "8"}).json()["rate"] == "8"


def test_price_lists_and_quotes(setup):
    api = setup
    api.post("products", SHIRT)
    api.post("customer-groups", {"code": "vip", "name": "VIP"})
    vip_customer = api.post("customers", {"name": "Big Buyer", "currency": "EUR", "customer_group": "vip"}).json()
    plain_customer = api.post("customers", {"name": "Walk-in", "currency": "EUR"}).json()
    retail = api.post("price-lists", {"name": "Retail", "currency": "EUR", "items": [
        {"sku": "TSHIRT", "price": "19.9"}, {"sku": "TSHIRT", "min_quantity": "10", "price": "17.5"}]})
    assert retail.status_code == 201, retail.json()
    assert retail.json()["items"] == [
        {"id": retail.json()["items"][0]["id"], "sku": "TSHIRT", "min_quantity": "1", "price": "19.90"},
        {"id": retail.json()["items"][1]["id"], "sku": "TSHIRT", "min_quantity": "10", "price": "17.50"}]
    vip = api.post("price-lists", {"name": "VIP", "currency": "EUR", "customer_group": "vip",
                                   "valid_from": "2025-01-01", "items": [{"sku": "TSHIRT", "price": "15"}]}).json()
    params = {"sku": "TSHIRT", "on_date": "2025-06-01"}
    q = api.get("prices", {**params, "customer_id": plain_customer["id"], "quantity": "12"}).json()
    assert (q["unit_price"], q["currency"], q["price_list_id"], q["min_quantity"]) == (
        "17.50", "EUR", retail.json()["id"], "10")
    q = api.get("prices", {**params, "customer_id": vip_customer["id"]}).json()
    assert (q["unit_price"], q["price_list_id"]) == ("15.00", vip["id"])
    early = api.get("prices", {**params, "customer_id": vip_customer["id"], "on_date": "2024-12-31"}).json()
    assert early["price_list_id"] == retail.json()["id"]
    none = api.get("prices", {**params, "currency": "USD"})
    assert none.status_code == 422 and none.json()["error"]["code"] == "no_price"
    assert none.json()["error"]["field"] == "product"
    assert api.get("prices", {"sku": "NOPE"}).status_code == 404
    assert api.get("prices", {**params, "customer_id": 999}).json()["error"]["field"] == "customer_id"
    assert api.get("prices", {**params, "currency": "EUR", "quantity": "-1"}).json()["error"]["field"] == "quantity"
    # one price changed without resending the list, then the list switched off
    set_item = api.post(f"price-lists/{vip['id']}/items", {"sku": "TSHIRT", "price": "14"})
    assert set_item.status_code == 200 and set_item.json()["price"] == "14.00"
    assert api.get("prices", {**params, "customer_id": vip_customer["id"]}).json()["unit_price"] == "14.00"
    assert api.delete(f"price-lists/{vip['id']}/items/TSHIRT").status_code == 204
    assert api.get(f"price-lists/{vip['id']}").json()["items"] == []
    assert api.delete(f"price-lists/{vip['id']}").json()["active"] is False
    patched = api.patch(f"price-lists/{retail.json()['id']}", {"priority": 5, "items": [{"sku": "TSHIRT",
                                                                                        "price": "18"}]})
    assert patched.json()["priority"] == 5 and len(patched.json()["items"]) == 1
    listed = api.get("price-lists", {"active": True}).json()["items"]
    assert [p["name"] for p in listed] == ["Retail"]
    bad = api.post("price-lists", {"name": "Bad", "currency": "EUR", "items": [{"sku": "NOPE", "price": "1"}]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "items.0.sku"
    assert PriceList.objects.count() == 2


def test_permissions(make_api, pcs):
    viewer = make_api("viewer", ["catalog.view_product"])
    assert viewer.get("products").status_code == 200
    assert viewer.post("products", {**SHIRT, "tax_category": None}).status_code == 403
    assert viewer.get("prices", {"sku": "TSHIRT"}).status_code == 403
    editor = make_api("editor", ["catalog.add_product"])
    assert editor.post("products", {**SHIRT, "tax_category": None}).status_code == 201
    assert editor.patch("products/TSHIRT", {"name": "x"}).status_code == 403
