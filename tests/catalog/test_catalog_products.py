from decimal import Decimal

import pytest

from oms.catalog.models import Product
from oms.catalog.selectors import product_by_barcode, product_list
from oms.catalog.services import (
    catalog_settings_update, product_create, product_deactivate, product_update, quantity_validate,
)
from oms.core.errors import Conflict, DomainError
from oms.core.models import AuditRecord, CustomFieldDefinition, OutboxEvent


def audit_actions(sku):
    return list(AuditRecord.objects.filter(object_type="catalog.product", object_id=sku).order_by("id")
                .values_list("action", flat=True))


def test_create_is_audited_under_the_sku(make_product, vat):
    product = make_product(tax_category="std", low_stock_threshold="5")
    assert product.tax_category == vat and product.product_type == "stocked"
    record = AuditRecord.objects.get(object_type="catalog.product", object_id="TSHIRT")
    assert record.action == "product.created"
    assert record.changes["unit"] == [None, "pcs"] and record.changes["tax_category"] == [None, "std"]
    assert OutboxEvent.objects.filter(event_type="product.created", aggregate_id="TSHIRT").exists()


@pytest.mark.parametrize("barcode", ["4006381333931", "036000291452", "73513537", " 4006381333931 "])
def test_valid_barcodes(make_product, barcode):
    assert make_product(barcode=barcode).barcode == barcode.strip()


@pytest.mark.parametrize("barcode", ["4006381333932", "036000291453", "73513538", "400638133393", "ABCDEFGH",
                                     "40063813339310", "4006381333931X", "1234567"])
def test_invalid_barcodes_refused(make_product, barcode):
    with pytest.raises(DomainError) as exc:
        make_product(barcode=barcode)
    assert (exc.value.field, exc.value.code) == ("barcode", "invalid_barcode")
    assert not Product.objects.exists()


def test_barcode_belongs_to_one_product_across_upc_and_ean_spelling(make_product):
    make_product(sku="A", barcode="036000291452")
    with pytest.raises(Conflict) as exc:
        make_product(sku="B", barcode="0036000291452")
    assert exc.value.field == "barcode"
    assert product_by_barcode(barcode="0036000291452").sku == "A"
    assert product_by_barcode(barcode="4006381333931") is None


def test_sku_unique(make_product):
    make_product()
    with pytest.raises(Conflict) as exc:
        make_product(name="Another")
    assert (exc.value.status, exc.value.field, exc.value.code) == (409, "sku", "duplicate_sku")


@pytest.mark.parametrize("sku", ["", "  ", "HAS SPACE", "A/B", "A?B", "A#B", "x" * 65])
def test_sku_must_be_usable_in_urls(make_product, sku):
    with pytest.raises(DomainError) as exc:
        make_product(sku=sku)
    assert exc.value.field == "sku"


def test_business_sku_pattern(make_product):
    catalog_settings_update(sku_pattern=r"[A-Z]{3}-\d{4}")
    assert make_product(sku="TEE-0001").sku == "TEE-0001"
    for sku in ("TEE-001", "tee-0001", "TEE-00012", "XTEE-0001"):
        with pytest.raises(DomainError) as exc:
            make_product(sku=sku)
        assert (exc.value.field, exc.value.code) == ("sku", "invalid_sku")
    with pytest.raises(DomainError) as exc:
        catalog_settings_update(sku_pattern="[unclosed")
    assert exc.value.field == "sku_pattern"


def test_unit_must_exist_tax_category_optional(db, pcs):
    with pytest.raises(DomainError) as exc:
        product_create(sku="X", name="X", unit="box")
    assert (exc.value.field, exc.value.status) == ("unit", 422)
    with pytest.raises(DomainError) as exc:
        product_create(sku="X", name="X")
    assert exc.value.field == "unit"
    with pytest.raises(DomainError) as exc:
        product_create(sku="X", name="X", unit="pcs", tax_category="nope")
    assert exc.value.field == "tax_category"
    assert product_create(sku="X", name="X", unit="pcs").tax_category is None


def test_variants(make_product, kg, vat):
    parent = make_product(tax_category=vat, product_type="consumable")
    red_m = make_product(sku="TSHIRT-RED-M", parent="TSHIRT", variant_attributes={"colour": "red", "size": "M"})
    assert (red_m.parent, red_m.unit.code, red_m.tax_category, red_m.product_type) == (
        parent, "pcs", vat, "consumable")  # inherited from the parent
    make_product(sku="TSHIRT-RED-L", parent=parent, unit=kg, variant_attributes={"colour": "red", "size": "L"})
    assert sorted(parent.variants.values_list("sku", flat=True)) == ["TSHIRT-RED-L", "TSHIRT-RED-M"]
    assert [p.sku for p in product_list(parent="TSHIRT").order_by("sku")] == ["TSHIRT-RED-L", "TSHIRT-RED-M"]
    assert [p.sku for p in product_list(is_variant=False)] == ["TSHIRT"]


@pytest.mark.parametrize("kwargs, field, code", [
    ({"parent": "NOPE", "variant_attributes": {"size": "S"}}, "parent", "not_found"),
    ({"parent": "TSHIRT-S", "variant_attributes": {"size": "XS"}}, "parent", "nested_variant"),
    ({"parent": "TSHIRT", "variant_attributes": {}}, "variant_attributes", "invalid"),
    ({"parent": "TSHIRT", "variant_attributes": {"size": "S"}}, "variant_attributes", "duplicate_variant"),
    ({"parent": "TSHIRT", "variant_attributes": {"size": 1}}, "variant_attributes.size", "invalid"),
    ({"parent": "TSHIRT", "variant_attributes": {"size": " "}}, "variant_attributes.size", "required"),
    ({"variant_attributes": {"size": "S"}}, "variant_attributes", "invalid"),
])
def test_variant_rules(make_product, kwargs, field, code):
    make_product()
    make_product(sku="TSHIRT-S", parent="TSHIRT", variant_attributes={"size": "S"})
    with pytest.raises(DomainError) as exc:
        make_product(sku="NEW", **kwargs)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_product_with_variants_cannot_become_a_variant(make_product):
    parent = make_product()
    make_product(sku="TSHIRT-S", parent=parent, variant_attributes={"size": "S"})
    other = make_product(sku="OTHER")
    with pytest.raises(DomainError) as exc:
        product_update(product=parent, parent=other, variant_attributes={"kind": "x"})
    assert exc.value.code == "nested_variant"
    with pytest.raises(DomainError):
        product_update(product=other, parent=other, variant_attributes={"kind": "x"})


def test_update_audits_changes_and_sku_is_fixed(make_product, vat):
    product = make_product(low_stock_threshold="3")
    product = product_update(product=product, name="T-shirt classic", tax_category="std", low_stock_threshold="3")
    record = AuditRecord.objects.filter(object_id="TSHIRT", action="product.updated").get()
    assert record.changes == {"name": ["T-shirt", "T-shirt classic"], "tax_category": [None, "std"]}
    with pytest.raises(DomainError) as exc:
        product_update(product=product, sku="TSHIRT-2")
    assert (exc.value.field, exc.value.code) == ("sku", "immutable")
    product_update(product=product, sku="TSHIRT")  # the same SKU is not a change
    product_deactivate(product=product)
    assert not Product.objects.get(sku="TSHIRT").active
    assert audit_actions("TSHIRT") == ["product.created", "product.updated", "product.updated"]


def test_low_stock_threshold_follows_unit_decimals(make_product, kg):
    assert make_product(unit=kg, low_stock_threshold="2.5").low_stock_threshold == Decimal("2.500")
    with pytest.raises(DomainError) as exc:
        make_product(sku="B", low_stock_threshold="2.5")
    assert exc.value.field == "low_stock_threshold"


def test_custom_fields_validated_and_filterable(make_product):
    CustomFieldDefinition.objects.create(target="catalog.product", key="material", label="Material",
                                         field_type="choice", choices=["cotton", "wool"])
    CustomFieldDefinition.objects.create(target="catalog.product", key="weight_g", label="Weight (g)",
                                         field_type="number", min_value=1)
    product = make_product(custom={"material": "cotton", "weight_g": "180"})
    assert product.custom == {"material": "cotton", "weight_g": 180}
    make_product(sku="SCARF", custom={"material": "wool"})
    for bad, field in (({"material": "silk"}, "custom.material"), ({"weight_g": 0}, "custom.weight_g"),
                       ({"colour": "red"}, "custom.colour")):
        with pytest.raises(DomainError) as exc:
            product_update(product=product, custom=bad)
        assert exc.value.field == field
    assert [p.sku for p in product_list(custom={"cf_material": "wool"})] == ["SCARF"]
    product = product_update(product=product, custom={"weight_g": None})
    assert product.custom == {"material": "cotton"}


@pytest.mark.parametrize("quantity, expected", [(1, Decimal(1)), ("2", Decimal(2)), (Decimal("3.000"), Decimal(3)),
                                                ("999999999999", Decimal("999999999999"))])
def test_quantity_validate_accepts(make_product, quantity, expected):
    assert quantity_validate(product=make_product(), quantity=quantity) == expected


@pytest.mark.parametrize("quantity", [0, -1, "1.5", 1.0, "abc", "NaN", "Infinity", 10**12, "1e12", True])
def test_quantity_validate_refuses(make_product, quantity):
    with pytest.raises(DomainError) as exc:
        quantity_validate(product=make_product(), quantity=quantity)
    assert (exc.value.field, exc.value.code) == ("quantity", "invalid_quantity")


def test_quantity_decimals_follow_the_unit(make_product, kg):
    product = make_product(unit=kg)
    assert quantity_validate(product=product, quantity="1.25") == Decimal("1.250")
    with pytest.raises(DomainError) as exc:
        quantity_validate(product=product, quantity="1.2505", field="lines.0.quantity")
    assert exc.value.field == "lines.0.quantity"
