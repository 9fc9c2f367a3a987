"""Export buttons on the back office's list pages, and exports that stream in flat memory."""

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from oms.catalog.models import PriceList, PriceListItem, Product, UnitOfMeasure
from oms.demo import demo_load
from oms.interop.admin_exports import ExportButtonsMixin
from oms.interop.exporters import ExportRequest, export_csv, export_for
from oms.interop.exporters import base as export_base
from oms.interop.exporters import orders as orders_export
from oms.inventory.models import Warehouse
from oms.invoicing.models import Invoice
from oms.parties.models import Address, Party
from oms.payments.models import Payment
from oms.sales.models import SalesOrder, SalesOrderLine

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_list_pages_of_exported_models_have_export_buttons(client, admin_user):
    demo_load()
    client.force_login(admin_user)
    for model, formats in ((Product, ["csv", "xlsx", "shopify"]), (Party, ["csv", "xlsx"]),
                           (SalesOrder, ["csv", "xlsx", "shopify"]), (Invoice, ["csv", "xlsx"]),
                           (Payment, ["csv", "xlsx"])):
        assert isinstance(admin.site.get_model_admin(model), ExportButtonsMixin)
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        page = client.get(url).content.decode()
        for fmt in formats:
            assert f'href="{url}export/{fmt}/"' in page, (model, fmt)
        assert ("export/shopify/" in page) == ("shopify" in formats)


def test_admin_export_takes_the_lists_filters(client, admin_user):
    demo_load()
    client.force_login(admin_user)
    page = client.get("/admin/sales/salesorder/?status__exact=on_hold").content.decode()
    assert 'href="/admin/sales/salesorder/export/csv/?status__exact=on_hold"' in page
    rows = csv_rows(client.get("/admin/sales/salesorder/export/csv/?status__exact=on_hold"))
    assert {r["status"] for r in rows} == {"on_hold"} and len({r["number"] for r in rows}) == 2
    found = csv_rows(client.get("/admin/catalog/product/export/csv/?q=MUG"))
    assert [r["sku"] for r in found] == ["MUG-01"]
    shopify = csv_rows(client.get("/admin/catalog/product/export/shopify/?active__exact=1"))
    assert len(shopify) == 9 and "Variant SKU" in shopify[0]
    book = client.get("/admin/invoicing/invoice/export/xlsx/")
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    assert sheet.cell(1, 1).value == "number" and sheet.max_row == Invoice.objects.count() + 1
    assert client.get("/admin/parties/party/export/shopify/").status_code == 404


def test_admin_export_needs_the_view_permission(client):
    demo_load()
    clerk = User.objects.create_user("clerk", password="pw-12345678", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(clerk)
    assert client.get("/admin/sales/salesorder/export/csv/").status_code == 200
    assert client.get("/admin/invoicing/invoice/export/csv/").status_code == 403
    assert "export/csv/" in client.get("/admin/sales/salesorder/").content.decode()


def _many_products(prefix: str, count: int) -> None:
    pcs = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "piece"})[0]
    prices = PriceList.objects.get_or_create(name="List", defaults={"currency": "USD"})[0]
    made = Product.objects.bulk_create([Product(sku=f"{prefix}{n:07d}", name=f"Product {n}", unit=pcs)
                                        for n in range(count)], batch_size=2000)
    PriceListItem.objects.bulk_create([PriceListItem(price_list=prices, product=p, price=Decimal("1.25"))
                                       for p in made], batch_size=2000)


def _peak_while_streaming() -> tuple[int, int]:
    tracemalloc.start()
    try:
        lines = 0
        for block in export_csv(export_for("products", "csv"), ExportRequest()):
            lines += block.count("\r\n")
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_export_streams_in_flat_memory():
    """Four times the rows must not need four times the memory: rows are read in chunks and sent
    in blocks (docs/export.md has the figures for 100,000 rows)."""
    _many_products("P", 2000)
    small_lines, small_peak = _peak_while_streaming()
    _many_products("Q", 6000)
    big_lines, big_peak = _peak_while_streaming()
    assert (small_lines, big_lines) == (2001, 8001)
    assert big_peak < small_peak * 1.6, (small_peak, big_peak)


def _many_orders(count: int) -> None:
    customer = Party.objects.get_or_create(code="BULK", defaults={"name": "Bulk buyer", "currency": "USD"})[0]
    warehouse = Warehouse.objects.get_or_create(code="BULK", defaults={"name": "Bulk"})[0]
    start = SalesOrder.objects.count()
    orders = SalesOrder.objects.bulk_create(
        [SalesOrder(number=f"B{start + n:07d}", customer=customer, currency="USD", warehouse=warehouse,
                    total=Decimal("12.50")) for n in range(count)], batch_size=2000)
    SalesOrderLine.objects.bulk_create(
        [SalesOrderLine(order=o, position=1, sku="X", description="Thing", quantity=Decimal(1),
                        unit_price=Decimal("12.50"), line_total=Decimal("12.50")) for o in orders], batch_size=2000)


def _orders_peak() -> tuple[int, int]:
    tracemalloc.start()
    try:
        lines = sum(block.count("\r\n") for block in export_csv(export_for("orders", "csv"), ExportRequest()))
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_orders_export_memory_is_bounded_by_its_chunk(monkeypatch):
    """Orders are read a chunk at a time with their lines (100 here, 500 in use): past a few chunks,
    four times the orders need no more memory."""
    monkeypatch.setattr(orders_export, "ORDER_CHUNK", 100)
    _many_orders(400)
    small_lines, small_peak = _orders_peak()
    _many_orders(1200)
    big_lines, big_peak = _orders_peak()
    assert (small_lines, big_lines) == (401, 1601)
    assert big_peak < small_peak * 1.6, (small_peak, big_peak)


def _many_customers(count: int) -> None:
    start = Party.objects.count()
    parties = Party.objects.bulk_create([Party(code=f"K{start + n:07d}", name=f"Customer {n}", currency="USD")
                                         for n in range(count)], batch_size=2000)
    Address.objects.bulk_create([Address(party=p, kind=kind, line1="1 Main St", city="Springfield", country="US",
                                         is_default=True) for p in parties for kind in ("billing", "shipping")],
                                batch_size=2000)


def _customers_peak() -> tuple[int, int]:
    tracemalloc.start()
    try:
        lines = sum(block.count("\r\n") for block in export_csv(export_for("customers", "csv"), ExportRequest()))
        return lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_customers_export_reads_addresses_per_chunk_in_bounded_memory(monkeypatch):
    """Customers and their addresses are read a chunk at a time (100 here), without prefetch's
    back-references: past a few chunks, four times the customers need no more memory, and there
    is no query per customer."""
    monkeypatch.setattr(export_base, "CHUNK", 100)
    _many_customers(1000)
    small_lines, small_peak = _customers_peak()
    _many_customers(3000)
    with CaptureQueriesContext(connection) as queries:
        big_lines, big_peak = _customers_peak()
    assert (small_lines, big_lines) == (1001, 4001)
    assert big_peak < small_peak * 1.6, (small_peak, big_peak)
    assert len(queries) < 4000 / 100 * 2 + 10  # a query for the parties' chunk, one for their addresses
    row = next(csv.DictReader(io.StringIO("".join(export_csv(export_for("customers", "csv"), ExportRequest())))))
    assert (row["billing_line1"], row["shipping_city"]) == ("1 Main St", "Springfield")


def test_payments_export_keeps_each_payments_allocations_across_chunks(monkeypatch):
    """Chunks of one payment: every payment still gets its own allocations, none of its neighbours'."""
    demo_load()
    whole = list(csv.DictReader(io.StringIO("".join(export_csv(export_for("payments", "csv"), ExportRequest())))))
    monkeypatch.setattr(export_base, "CHUNK", 1)
    chunked = list(csv.DictReader(io.StringIO("".join(export_csv(export_for("payments", "csv"), ExportRequest())))))
    assert chunked == whole and any(row["allocations"] for row in whole)
    expected = {p.number: len(p.allocations.all()) for p in Payment.objects.all()}
    assert {r["number"]: len([a for a in r["allocations"].split("; ") if a]) for r in whole} == expected
