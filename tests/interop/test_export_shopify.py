"""Exports in Shopify's CSV columns: the header is exactly the one of Shopify's own files (read from
../shared/samples), the file reads back as CSV, variants group under one handle, orders carry their
lines, totals and taxes."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from oms.catalog.models import PriceList, PriceListItem, Product
from oms.catalog.services import product_create
from oms.demo import demo_load
from oms.interop.exporters.shopify_orders import HEADER as ORDERS_HEADER
from oms.interop.exporters.shopify_products import HEADER as PRODUCTS_HEADER
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "shopify"
PRODUCT_TEMPLATE = SAMPLES / "GoncharIV-Shopify-training" / "product_template.csv"
ORDERS_SAMPLE = SAMPLES / "luistatera-forezia-mock-data" / "orders_export.csv"


def sample_header(path: Path) -> list[str]:
    if not path.exists():
        pytest.skip(f"Shopify sample not found at {path} (the shared samples folder sits beside the project)")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


@pytest.fixture
def demo(db):
    return demo_load()


def read(response) -> tuple[list[str], list[dict]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    header = next(csv.reader(io.StringIO(text)))
    return header, list(csv.DictReader(io.StringIO(text)))


def test_headers_are_shopifys_own():
    assert PRODUCTS_HEADER == sample_header(PRODUCT_TEMPLATE)
    assert ORDERS_HEADER == sample_header(ORDERS_SAMPLE)


def test_products_in_shopify_columns(api, demo):
    header, rows = read(api.get("exports/products", {"format": "shopify", "price_list": "Retail USD"}))
    assert header == sample_header(PRODUCT_TEMPLATE)
    assert all(len(r) == len(header) and None not in r for r in rows)
    mug = next(r for r in rows if r["Variant SKU"] == "MUG-01")
    assert (mug["Handle"], mug["Title"], mug["Variant Price"], mug["Variant Barcode"]) == (
        "mug-01", "Enamel mug", "12.50", "4006381333931")
    assert (mug["Option1 Name"], mug["Option1 Value"], mug["Status"], mug["Published"]) == (
        "Title", "Default Title", "active", "TRUE")
    assert (mug["Variant Inventory Tracker"], mug["Variant Inventory Qty"], mug["Variant Inventory Policy"]) == (
        "shopify", "96", "deny")  # 120 on hand, 24 reserved
    assert mug["Variant Taxable"] == "TRUE" and mug["Variant Requires Shipping"] == "TRUE"
    service = next(r for r in rows if r["Variant SKU"] == "DESIGN-H")
    assert service["Variant Requires Shipping"] == "FALSE" and service["Variant Inventory Tracker"] == ""
    tote = next(r for r in rows if r["Variant SKU"] == "TOTE-01")
    assert tote["Variant Inventory Policy"] == "continue"


def test_variants_share_their_parents_handle(api, demo):
    product_create(sku="CAP", name="Baseball cap", unit="pcs", tax_category="std", description="Cotton.\n\nOne size")
    for sku, colour in (("CAP-RED", "red"), ("CAP-BLUE", "blue")):
        product_create(sku=sku, name=f"Cap {colour}", parent="CAP", variant_attributes={"colour": colour})
    usd = PriceList.objects.get(name="Retail USD")
    PriceListItem.objects.create(price_list=usd, product=Product.objects.get(sku="CAP-RED"), price=Decimal("15.5"))
    _, rows = read(api.get("exports/products", {"format": "shopify", "price_list": "Retail USD"}))
    caps = [r for r in rows if r["Handle"] == "cap"]
    assert [r["Variant SKU"] for r in caps] == ["CAP-BLUE", "CAP-RED"]
    assert caps[0]["Title"] == "Baseball cap" and caps[1]["Title"] == ""
    assert caps[0]["Body (HTML)"] == "<p>Cotton.</p><p>One size</p>"
    assert (caps[0]["Option1 Name"], caps[0]["Option1 Value"], caps[1]["Option1 Name"], caps[1]["Option1 Value"]) == (
        "Colour", "blue", "", "red")
    assert (caps[0]["Variant Price"], caps[1]["Variant Price"]) == ("", "15.50")
    assert not any(r["Variant SKU"] == "CAP" for r in rows)  # the parent itself is not a Shopify variant


def test_orders_in_shopify_columns(api, demo):
    header, rows = read(api.get("exports/orders", {"format": "shopify"}))
    assert header == sample_header(ORDERS_SAMPLE)
    order = SalesOrder.objects.filter(customer__code="C0001", status="confirmed").order_by("pk").first()
    mine = [r for r in rows if r["Name"] == order.number]
    assert [r["Lineitem sku"] for r in mine] == ["COFFEE-1KG", "MUG-01"]
    first, second = mine
    assert (first["Currency"], first["Subtotal"], first["Taxes"], first["Total"]) == (
        "IDR", "7228800.00", "399168.00", "7627968.00")
    assert first["Financial Status"] == "paid" and first["Fulfillment Status"] == "unfulfilled"
    assert (first["Tax 1 Name"], first["Tax 1 Value"]) == ("Tax 11%", "399168.00")
    assert (first["Lineitem quantity"], first["Lineitem price"], first["Lineitem taxable"]) == (
        "12.5", "288000.00", "false")
    assert first["Email"] == "order@kopikita.id" and first["Billing City"] == "Jakarta" and first["Id"] == str(order.pk)
    assert second["Total"] == "" and second["Email"] == "" and second["Created at"] == first["Created at"]
    assert second["Lineitem taxable"] == "true"
    cancelled = next(r for r in rows if r["Name"] == SalesOrder.objects.get(status="cancelled").number)
    assert cancelled["Financial Status"] == "voided" and cancelled["Cancelled at"] != ""
    assert all(len(r) == len(header) for r in rows)
