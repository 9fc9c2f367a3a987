"""Exports in our own columns: CSV and XLSX of products, customers, orders, invoices and payments,
their filters, errors and permissions, through the API."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from oms.catalog.models import Product
from oms.core.services.customfields import custom_field_define
from oms.demo import demo_load
from oms.invoicing.models import Invoice
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return demo_load()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def header_of(response) -> list[str]:
    return next(csv.reader(io.StringIO(body(response).decode("utf-8"))))


def test_products_csv_has_our_columns_and_the_price_with_its_currency(api, demo):
    response = api.get("exports/products", {"price_list": "Retail USD"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="products-' in response["Content-Disposition"]
    rows = {r["sku"]: r for r in rows_of(response)}
    assert list(next(iter(rows.values())))[:6] == ["sku", "name", "description", "type", "unit", "barcode"]
    mug = rows["MUG-01"]
    assert (mug["price"], mug["currency"], mug["price_list"]) == ("12.50", "USD", "Retail USD")
    assert (mug["barcode"], mug["unit"], mug["tax_category"], mug["tax_rate"]) == ("4006381333931", "pcs", "std", "11")
    assert mug["on_hand"] == "120" and mug["active"] == "true"
    coffee = rows["COFFEE-1KG"]
    assert (coffee["price"], coffee["unit"], coffee["on_hand"]) == ("24.00", "kg", "85.5")
    assert rows["TOTE-01"]["allow_backorder"] == "true"
    assert rows["TSHIRT-L"]["low_stock_threshold"] == "10"
    assert len(rows) == 9


def test_products_default_price_list_is_the_general_one_in_the_base_currency(api, demo):
    rows = {r["sku"]: r for r in rows_of(api.get("exports/products"))}
    assert (rows["MUG-01"]["price"], rows["MUG-01"]["currency"]) == ("189000.00", "IDR")
    assert rows["MUG-01"]["price_list"] == "Retail IDR (PPN included)"
    assert rows["MUG-01"]["price_includes_tax"] == "true"


def test_products_with_custom_field_columns_and_active_filter(api, demo):
    custom_field_define(target="catalog.product", key="origin", label="Origin", field_type="text")
    Product.objects.filter(sku="COFFEE-1KG").update(custom={"origin": "Toraja"}, active=False)
    rows = {r["sku"]: r for r in rows_of(api.get("exports/products"))}
    assert rows["COFFEE-1KG"]["custom.origin"] == "Toraja" and rows["MUG-01"]["custom.origin"] == ""
    active = rows_of(api.get("exports/products", {"active": "true"}))
    assert "COFFEE-1KG" not in {r["sku"] for r in active} and len(active) == 8


def test_customers_csv_with_addresses_and_credit_limit(api, demo):
    rows = {r["code"]: r for r in rows_of(api.get("exports/customers"))}
    assert "S0001" not in rows  # a supplier only
    carter = rows["C0004"]
    assert (carter["name"], carter["email"], carter["currency"], carter["credit_limit"]) == (
        "John Carter", "john.carter@example.com", "USD", "150.00")
    assert (carter["billing_line1"], carter["billing_city"], carter["billing_country"]) == (
        "14 Elm Road", "Austin", "US")
    assert carter["shipping_city"] == "Austin" and carter["customer_group"] == "retail"
    assert rows["C0001"]["credit_limit"] == ""


def test_orders_csv_has_one_row_per_line_with_the_order_totals(api, demo):
    order = SalesOrder.objects.filter(customer__code="C0001", status="confirmed").order_by("pk").first()
    rows = [r for r in rows_of(api.get("exports/orders")) if r["number"] == order.number]
    assert [r["line_sku"] for r in rows] == ["COFFEE-1KG", "MUG-01"]
    assert [r["line_quantity"] for r in rows] == ["12.5", "24"]
    assert [r["line_position"] for r in rows] == ["1", "2"]
    first = rows[0]
    assert (first["currency"], first["subtotal"], first["tax_total"], first["total"]) == (
        "IDR", "7228800.00", "399168.00", "7627968.00")
    assert rows[1]["line_tax_rate"] == "11" and rows[1]["line_unit_price"] == "151200.00"
    assert sum(Decimal(r["line_total"]) for r in rows) == Decimal(first["total"])
    assert first["customer_code"] == "C0001" and first["warehouse"] == "JKT" and first["status"] == "confirmed"


def test_orders_filters_by_status_customer_and_channel(api, demo):
    held = rows_of(api.get("exports/orders", {"status": "on_hold"}))
    assert {r["status"] for r in held} == {"on_hold"} and len({r["number"] for r in held}) == 2
    web = rows_of(api.get("exports/orders", {"channel": "web", "customer": "C0002"}))
    assert {r["external_ref"] for r in web} == {"GL-88812"}
    several = rows_of(api.get("exports/orders", {"status": "cancelled,on_hold"}))
    assert {r["status"] for r in several} == {"cancelled", "on_hold"}


def test_invoices_csv_with_paid_and_balance(api, demo):
    rows = {r["number"]: r for r in rows_of(api.get("exports/invoices"))}
    partly = next(r for r in rows.values() if r["customer_code"] == "C0002" and r["kind"] == "invoice"
                  and r["status"] == "partially_paid")
    assert (partly["currency"], partly["total"], partly["paid"], partly["balance"]) == ("USD", "638.25", "500.00",
                                                                                        "138.25")
    note = next(r for r in rows.values() if r["kind"] == "credit_note" and r["customer_code"] == "C0001")
    invoice = Invoice.objects.get(number=note["adjusts_invoice"])
    assert note["balance"] == "" and rows[invoice.number]["balance"] == "0.00"
    assert note["reason"] == "2 mugs arrived chipped" and note["total"] == "335664.00"
    drafts = rows_of(api.get("exports/invoices", {"status": "draft"}))
    assert drafts and all(r["number"] == "" and r["status"] == "draft" for r in drafts)
    notes = rows_of(api.get("exports/invoices", {"kind": "credit_note"}))
    assert notes and {r["kind"] for r in notes} == {"credit_note"}


def test_payments_csv_with_allocations_and_credit(api, demo):
    rows = rows_of(api.get("exports/payments"))
    maya = next(r for r in rows if r["customer_code"] == "C0003")
    assert (maya["amount"], maya["allocated"], maya["unallocated"], maya["currency"]) == (
        "698000.00", "598000.00", "100000.00", "IDR")
    invoice = Invoice.objects.get(customer__code="C0003", kind="invoice", status="paid")
    assert maya["allocations"] == f"{invoice.number}=598000.00"
    assert maya["method"] == "bank_transfer" and maya["kind"] == "payment"


def test_xlsx_opens_with_typed_cells(api, demo):
    response = api.get("exports/orders", {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header == tuple(header_of(api.get("exports/orders")))
    order = SalesOrder.objects.filter(customer__code="C0001", status="confirmed").order_by("pk").first()
    mine = [dict(zip(header, r)) for r in rows[1:] if r[0] == order.number]
    assert [r["line_sku"] for r in mine] == ["COFFEE-1KG", "MUG-01"]
    assert mine[0]["total"] == 7627968 and mine[0]["line_quantity"] == 12.5
    assert mine[0]["created_at"].replace(microsecond=0) == order.created_at.replace(tzinfo=None, microsecond=0)
    assert mine[0]["prices_include_tax"] is False


def test_every_entity_exports_as_xlsx(api, demo):
    for entity in ("products", "customers", "invoices", "payments"):
        response = api.get(f"exports/{entity}", {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == header_of(api.get(f"exports/{entity}")), entity
        assert len(rows) == len(rows_of(api.get(f"exports/{entity}"))) + 1, entity


def test_bad_requests_name_the_field_and_send_nothing(api, demo):
    cases = [
        ("exports/widgets", {}, 404, "unknown_export", "entity"),
        ("exports/customers", {"format": "shopify"}, 422, "unsupported_format", "format"),
        ("exports/customers", {"status": "paid"}, 422, "unsupported_filter", "status"),
        ("exports/orders", {"status": "shipped"}, 422, "invalid_filter", "status"),
        ("exports/orders", {"channel": "fax"}, 422, "invalid_filter", "channel"),
        ("exports/payments", {"kind": "gift"}, 422, "invalid_filter", "kind"),
        ("exports/products", {"price_list": "Nope"}, 404, "not_found", "price_list"),
    ]
    for path, params, status, code, field in cases:
        response = api.get(path, params)
        assert response.status_code == status, (path, params, response.content)
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (code, field), (path, params)
    assert api.get("exports/orders", {"format": "pdf"}).status_code == 422
    assert api.get("exports/orders", {"created_from": "yesterday"}).json()["error"]["code"] == "validation_error"


def test_created_date_range_filter(api, demo):
    today = SalesOrder.objects.order_by("pk").first().created_at.date()
    assert len(rows_of(api.get("exports/orders", {"created_from": str(today), "created_to": str(today)}))) > 0
    assert rows_of(api.get("exports/orders", {"created_to": "2000-01-01"})) == []


def test_each_export_needs_its_view_permission(make_api, anon_api, demo):
    viewer = make_api("viewer", ["catalog.view_product"])
    assert viewer.get("exports/products").status_code == 200
    for entity in ("customers", "orders", "invoices", "payments"):
        response = viewer.get(f"exports/{entity}")
        assert response.status_code == 403, entity
        assert response.json()["error"]["code"] == "permission_denied"
    assert viewer.get("exports/orders", {"format": "shopify"}).status_code == 403
    sales = make_api("sales", ["sales.view_salesorder"])
    assert sales.get("exports/orders", {"format": "xlsx"}).status_code == 200
    assert sales.get("exports/products").status_code == 403
    assert anon_api.get("exports/products").status_code == 401
