"""Importing the real exports in ../shared/samples: counts and exact values, re-import, dry run."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal as D

import pytest
from test_import_support import (
    ODOO_QUOTATIONS, ODOO_VENDOR_PRICELISTS, SAMPLES, SHOPIFY_ORDERS, SHOPIFY_PRODUCTS, SHOPIFY_PRODUCTS_OLD,
    WOO_PRODUCTS, issues, run, sample,
)
from world import make_world

from oms.catalog.models import PriceListItem, Product
from oms.core.models import AuditRecord
from oms.inventory.models import StockLevel
from oms.interop.models import ExternalKey
from oms.parties.models import Party
from oms.sales.models import SalesOrder, SalesOrderLine


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


def price(sku: str) -> D:
    return PriceListItem.objects.get(product__sku=sku, price_list__currency="USD", price_list__customer_group=None,
                                     min_quantity=1).price


def test_shopify_products_with_variants(world):
    job = run(sample(SHOPIFY_PRODUCTS), "shopify_products")
    assert job.status == "done" and job.error_count == 0
    assert (job.created_count, job.records_seen) == (3, 3)  # shirt, jeans, beanie
    shirt = Product.objects.get(sku="example-shirt")
    assert shirt.name == "Example T-Shirt" and shirt.variants.count() == 12
    green_m = Product.objects.get(sku="SRT_COT_122")
    assert green_m.parent == shirt and green_m.variant_attributes == {"Color": "Green", "Size": "M"}
    assert green_m.name == "Example T-Shirt - Green / M"
    assert price("SRT_COT_122") == D("25.00")
    jeans = Product.objects.get(sku="example-pants")
    assert jeans.variants.count() == 3 and not jeans.active  # draft in Shopify: not for sale here
    assert price("PNT_DEN_305") == D("95.00")
    beanie = Product.objects.get(sku="HAT_GRY_275")  # a single "Default Title" variant: no parent
    assert beanie.parent is None and beanie.variant_attributes == {} and price("HAT_GRY_275") == D("17.99")
    # Shopify's template barcodes have wrong check digits: the products go in, each barcode is a warning.
    assert job.warning_count == 14 and all(s == "warning" for _, _, s, _ in issues(job))
    assert Product.objects.get(sku="SRT_COT_233").barcode == "777979207524"  # one of the two valid ones
    assert Product.objects.get(sku="SRT_COT_111").barcode == ""
    assert (2, "Variant Barcode", "warning", "invalid_barcode") in issues(job)


def test_shopify_products_older_template(world):
    job = run(sample(SHOPIFY_PRODUCTS_OLD), "shopify_products")
    assert (job.created_count, job.error_count) == (2, 0)
    single = Product.objects.get(sku="black-t-shirt-os")  # no Variant SKU: the handle is the SKU
    assert single.parent is None and price("black-t-shirt-os") == D("19.99")
    parent = Product.objects.get(sku="example-t-shirt")
    assert sorted(parent.variants.values_list("sku", flat=True)) == [
        "example-shirt-m", "example-shirt-s", "example-t-shirt-lithograph-height-9-x-width-12"]
    assert price("example-shirt-s") == D("19.99")


def test_woocommerce_products(world):
    job = run(sample(WOO_PRODUCTS), "woocommerce_products")
    assert (job.created_count, job.error_count, job.warning_count) == (24, 0, 1)  # the grouped one is skipped
    assert issues(job) == [(24, "Type", "warning", "unsupported_type")]
    hoodie = Product.objects.get(sku="woo-hoodie")
    assert hoodie.variants.count() == 4
    red = Product.objects.get(sku="woo-hoodie-red")
    assert red.variant_attributes == {"Color": "Red", "Logo": "No"} and price("woo-hoodie-red") == D("45.00")
    assert Product.objects.get(sku="woo-vneck-tee-red").variant_attributes == {"Color": "Red"}
    assert Product.objects.get(sku="woo-album").product_type == "service"  # virtual, downloadable
    assert price("woo-belt") == D("65.00") and price("wp-pennant") == D("11.05")
    assert not PriceListItem.objects.filter(product=hoodie).exists()  # a variable product has no price itself
    assert ExternalKey.objects.get(source="woocommerce", kind="product", external_id="44").object_id == \
        Product.objects.get(sku="woo-vneck-tee").pk


def test_shopify_orders_keep_their_history(world):
    job = run(sample(SHOPIFY_ORDERS), "shopify_orders", currency="EUR")
    assert (job.created_count, job.error_count) == (19, 0)
    orders = SalesOrder.objects.filter(channel="import")
    assert orders.count() == 19 and SalesOrderLine.objects.filter(order__in=orders).count() == 40
    first = SalesOrder.objects.get(number="#1001")
    assert first.total == D("1659.95") and first.lines.count() == 4 and first.currency == "EUR"
    assert first.external_ref == "6634244374859" and first.channel == "import"
    assert first.status == "fulfilled" and first.payment_status == "paid" and first.amount_paid == D("1659.95")
    assert first.created_at == datetime(2025, 5, 11, 13, 55, 16, tzinfo=timezone.utc)  # -0400 kept exactly
    assert first.fulfilled_at == datetime(2025, 5, 11, 13, 57, 5, tzinfo=timezone.utc)
    assert [line.unit_price for line in first.lines.all()] == [D("10.00"), D("24.95"), D("600.00"), D("1025.00")]
    partial = SalesOrder.objects.get(number="#1011")
    assert partial.status == "partially_fulfilled"
    assert [line.quantity_fulfilled for line in partial.lines.all()] == [D(0), D(1), D(1), D(1)]
    pending = SalesOrder.objects.get(number="#1013")
    assert (pending.payment_status, pending.amount_paid, pending.total) == ("pending", D(0), D("127.59"))
    assert pending.billing_address["line1"] == "Box 42 - 151 O'Connor St"
    karine = Party.objects.get(email="karine.ruby@example.com")
    address = karine.addresses.get(kind="billing")
    assert (address.line1, address.city, address.postal_code, address.country) == (
        "151 O'Connor St", "Ottawa", "K2P2L8", "CA")
    assert SalesOrder.objects.get(number="#1008").customer.name == "Russell Winfield"
    assert SalesOrder.objects.get(number="#1017").status == "confirmed"  # unfulfilled
    # History does not touch stock nor the number series.
    assert not StockLevel.objects.filter(reserved__gt=0).exists()
    assert SalesOrder.objects.exclude(channel="import").count() == 0
    batch = AuditRecord.objects.get(action="order.import_batch")  # one record per batch, naming each order
    assert [o["number"] for o in batch.changes["created"]] == [f"#{n}" for n in range(1001, 1020)]
    assert batch.changes["created"][0] == {"number": "#1001", "status": "fulfilled", "currency": "EUR",
                                           "total": "1659.95", "external_ref": "6634244374859"}


def test_odoo_quotations_with_lines(world):
    job = run(sample(ODOO_QUOTATIONS), "odoo_quotations")
    assert (job.created_count, job.error_count) == (2, 0)
    s3 = SalesOrder.objects.get(number="S00003")
    assert s3.status == "draft" and s3.currency == "USD" and s3.customer.name == "Ready Mat"
    assert s3.lines.count() == 3
    assert (s3.subtotal, s3.tax_total, s3.total) == (D("1127.50"), D("37.75"), D("1165.25"))
    chair = s3.lines.get(position=2)
    assert (chair.sku, chair.description, chair.tax_rate, chair.line_total) == ("FURN_7777", "Office Chair",
                                                                                D(10), D("77.00"))
    s2 = SalesOrder.objects.get(number="S00002")
    assert s2.lines.count() == 2 and s2.total == D("3242.25")
    assert s2.created_at == datetime(2025, 11, 1, 11, 37, tzinfo=timezone.utc)
    assert s3.customer == s2.customer  # one customer, found again by name


@pytest.mark.parametrize("path,fmt", [
    (SHOPIFY_PRODUCTS, "shopify_products"), (WOO_PRODUCTS, "woocommerce_products"),
    (SHOPIFY_ORDERS, "shopify_orders"), (ODOO_QUOTATIONS, "odoo_quotations"),
])
def test_running_again_updates_nothing_and_duplicates_nothing(world, path, fmt):
    first = run(sample(path), fmt, currency="EUR" if fmt == "shopify_orders" else "USD")
    counts = (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count(),
              SalesOrderLine.objects.count(), PriceListItem.objects.count())
    again = run(path, fmt, currency="EUR" if fmt == "shopify_orders" else "USD")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, first.created_count)
    assert counts == (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count(),
                      SalesOrderLine.objects.count(), PriceListItem.objects.count())


@pytest.mark.parametrize("path,fmt", [
    (SHOPIFY_PRODUCTS, "shopify_products"), (SHOPIFY_ORDERS, "shopify_orders"), (ODOO_QUOTATIONS, "odoo_quotations"),
])
def test_dry_run_reports_the_changes_and_writes_nothing(world, path, fmt):
    counts = (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count(), AuditRecord.objects.count())
    job = run(sample(path), fmt, dry_run=True, currency="EUR")
    assert job.status == "done" and job.created_count > 0 and job.preview
    assert job.preview[0]["action"] == "created"
    assert counts == (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count(),
                      AuditRecord.objects.count())
    assert job.issues.count() == job.error_count + job.warning_count  # the report is kept for the preview


def test_an_updated_order_is_updated_in_place(world, tmp_path):
    text = sample(SHOPIFY_ORDERS).read_text(encoding="utf-8")
    run(SHOPIFY_ORDERS, "shopify_orders", currency="EUR")
    changed = tmp_path / "orders.csv"
    changed.write_text(text.replace("#1017,,paid,2025-05-17 11:44:45 -0400,unfulfilled",
                                    "#1017,,refunded,2025-05-17 11:44:45 -0400,unfulfilled"), encoding="utf-8")
    job = run(changed, "shopify_orders", currency="EUR")
    assert issues(job) == []
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 18)
    assert SalesOrder.objects.get(number="#1017").payment_status == "refunded"
    assert SalesOrder.objects.filter(number="#1017").count() == 1


def test_every_shop_platform_sample_is_covered():
    """Each CSV of the shop and ERP platforms in ../shared/samples is imported by a test above, or is
    one of the files known not to be an import format here (a new sample must be added to one list)."""
    found = {p for folder in ("shopify", "woocommerce", "odoo-documentation") for p in (SAMPLES / folder).rglob("*.csv")}
    if not found:
        pytest.skip("../shared/samples is not available")
    imported = {SHOPIFY_PRODUCTS, SHOPIFY_PRODUCTS_OLD, SHOPIFY_ORDERS, WOO_PRODUCTS, ODOO_QUOTATIONS}
    assert found == imported | set(ODOO_VENDOR_PRICELISTS)


@pytest.mark.parametrize("path", ODOO_VENDOR_PRICELISTS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", ["odoo_products", "odoo_customers", "odoo_quotations"])
def test_odoo_vendor_pricelists_are_refused_whole_with_their_columns_named(world, path, fmt):
    """Vendor price lists (product.supplierinfo) are purchasing data: given as an Odoo products,
    customers or quotations file, they are refused as a whole, naming the missing columns."""
    counts = (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count())
    job = run(sample(path), fmt)
    assert (job.status, job.created_count) == ("failed", 0)
    assert issues(job) == [(0, job.issues.get().column, "error", "missing_columns")]
    assert "missing" in job.message and "found: " in job.message
    assert counts == (Product.objects.count(), Party.objects.count(), SalesOrder.objects.count())
