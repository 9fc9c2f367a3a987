"""The back office saves through the services: same rules, and every change audited."""

import pytest

from oms.catalog.models import PriceList, Product
from oms.core.models import AuditRecord


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def product_form(pcs, **kw):
    return {"sku": "TSHIRT", "name": "T-shirt", "description": "", "product_type": "stocked", "unit": str(pcs.pk),
            "barcode": "", "tax_category": "", "parent": "", "variant_attributes": "{}", "low_stock_threshold": "",
            "active": "on", **management("variants"), **kw}


def test_pages_render(staff, make_product):
    product = make_product()
    make_product(sku="TSHIRT-S", parent=product, variant_attributes={"size": "S"})
    for url in ("/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/",
                "/admin/catalog/product/add/", "/admin/catalog/pricelist/add/", "/admin/catalog/unitofmeasure/",
                "/admin/catalog/taxcategory/add/", "/admin/catalog/catalogsettings/add/"):
        assert staff.get(url).status_code == 200, url
    response = staff.get("/admin/catalog/product/", {"q": "tshirt", "product_type__exact": "stocked",
                                                     "parent__isempty": "1"})
    assert response.status_code == 200


def test_add_product_audited_and_barcode_checked(staff, pcs):
    bad = staff.post("/admin/catalog/product/add/", product_form(pcs, barcode="4006381333932"))
    assert bad.status_code == 200 and "barcode" in bad.context["adminform"].form.errors
    response = staff.post("/admin/catalog/product/add/", product_form(pcs, barcode="4006381333931"))
    assert response.status_code == 302
    assert Product.objects.get().barcode == "4006381333931"
    assert AuditRecord.objects.filter(object_type="catalog.product", object_id="TSHIRT",
                                      action="product.created").exists()


def test_rule_the_form_cannot_see_becomes_a_message(staff, make_product, pcs):
    make_product(barcode="4006381333931")
    response = staff.post("/admin/catalog/product/add/", product_form(pcs, sku="OTHER", barcode="4006381333931"),
                          follow=True)
    assert "already belongs to TSHIRT" in response.content.decode()
    assert not Product.objects.filter(sku="OTHER").exists()


def test_price_list_with_items(staff, make_product):
    product = make_product()
    data = {"name": "Retail", "currency": "EUR", "customer_group": "", "valid_from": "", "valid_to": "",
            "priority": "0", "active": "on", **management("items", 1), "items-0-product": str(product.pk),
            "items-0-min_quantity": "1", "items-0-price": "9.99"}
    response = staff.post("/admin/catalog/pricelist/add/", data)
    assert response.status_code == 302
    price_list = PriceList.objects.get()
    assert [str(i.price) for i in price_list.items.all()] == ["9.9900"]
    actions = set(AuditRecord.objects.filter(object_type="catalog.pricelist").values_list("action", flat=True))
    assert actions == {"price_list.created", "price_list.updated"}


def test_change_product(staff, make_product, pcs):
    product = make_product(custom={})
    data = {k: v for k, v in product_form(pcs, name="Tee").items() if k != "sku"}
    response = staff.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302
    record = AuditRecord.objects.get(object_id="TSHIRT", action="product.updated")
    assert record.changes == {"name": ["T-shirt", "Tee"]}
