"""Bad input: every case gives a clear message per row or per file, the rest goes in, nothing is
half-written and nothing crashes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from test_import_support import SHOPIFY_ORDERS, issues, run, sample, write
from world import make_world

from oms.catalog.models import PriceListItem, Product
from oms.interop.models import ImportIssue
from oms.interop.services_imports import import_errors_csv
from oms.sales.models import SalesOrder, SalesOrderLine

PRODUCTS_HEAD = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Barcode\n"
ORDERS_HEAD = ("Name,Email,Financial Status,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Created at,"
               "Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Id\n")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


def order_row(number, total="10.00", created="2025-05-11 09:55:16 -0400", price="10.00", currency="EUR",
              quantity="1", first=True, sku="", name="Thing"):
    head = f"{number},a@example.com,paid,fulfilled,{currency},{total},0,0,{total},{created}" if first else \
        f"{number},,,,,,,,,{created}"
    return f'{head},{quantity},{name},"{price}",{sku},Ann,{number.strip("#")}\n'


def test_wrong_format_names_the_missing_columns_and_what_the_file_looks_like(world):
    job = run(sample(SHOPIFY_ORDERS), "shopify_products")
    assert job.status == "failed" and job.created_count == 0
    assert "Handle" in job.message and "looks like a Shopify orders export CSV" in job.message
    assert issues(job) == [(0, "Handle", "error", "missing_columns")]


def test_not_a_csv_and_empty_files_are_refused(world, tmp_path):
    binary = tmp_path / "book.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    job = run(binary, "shopify_products")
    assert (job.status, issues(job)[0][3]) == ("failed", "not_csv")
    empty = write(tmp_path, "empty.csv", "")
    assert run(empty, "shopify_products").issues.get().code == "empty_file"


def test_utf8_with_bom_and_windows_1252(world, tmp_path):
    bom = write(tmp_path, "bom.csv", "\ufeff" + PRODUCTS_HEAD + "creme,Crème brûlée,Title,Default Title,CB-1,4.50,\n")
    job = run(bom, "shopify_products")
    assert (job.created_count, job.encoding) == (1, "utf-8-sig")
    assert Product.objects.get(sku="CB-1").name == "Crème brûlée"
    legacy = write(tmp_path, "legacy.csv", PRODUCTS_HEAD + "cafe,Café – Señor’s blend,Title,Default Title,CF-1,9.00,\n",
                   encoding="cp1252")
    job = run(legacy, "shopify_products")
    assert job.created_count == 1 and job.encoding.replace("_", "").lower() == "cp1252"
    assert Product.objects.get(sku="CF-1").name == "Café – Señor’s blend"


def test_semicolons_and_comma_decimals_and_thousands_separators(world, tmp_path):
    text = PRODUCTS_HEAD.replace(",", ";") + "a;A;Title;Default Title;A-1;1.234,50;\n" \
                                             "b;B;Title;Default Title;B-1;12,5;\n"
    job = run(write(tmp_path, "semi.csv", text), "shopify_products")
    assert (job.delimiter, job.created_count, job.error_count) == (";", 2, 0)
    assert PriceListItem.objects.get(product__sku="A-1").price == D("1234.50")
    assert PriceListItem.objects.get(product__sku="B-1").price == D("12.50")
    job = run(write(tmp_path, "thousands.csv", PRODUCTS_HEAD + 'c,C,Title,Default Title,C-1,"1,299.00",\n'),
              "shopify_products")
    assert PriceListItem.objects.get(product__sku="C-1").price == D("1299.00")


def test_missing_required_columns(world, tmp_path):
    job = run(write(tmp_path, "p.csv", "Handle,Title\nx,X\n"), "shopify_products")
    assert job.status == "failed" and "Option1 Value, Variant SKU, Variant Price" in job.message


def test_several_date_formats(world, tmp_path):
    text = ORDERS_HEAD + order_row("#1", created="2025-05-11") + order_row("#2", created="05/11/2025 09:55") \
        + order_row("#3", created="11.05.2025") + order_row("#4", created="2025-05-11T09:55:16Z") \
        + order_row("#5", created="31/12/2025") + order_row("#6", created="not a date")
    job = run(write(tmp_path, "o.csv", text), "shopify_orders")
    assert job.created_count == 5
    assert issues(job) == [(7, "Created at", "error", "invalid_date")]
    dates = {o.number: o.created_at.date().isoformat() for o in SalesOrder.objects.filter(channel="import")}
    assert dates == {"#1": "2025-05-11", "#2": "2025-05-11", "#3": "2025-05-11", "#4": "2025-05-11",
                     "#5": "2025-12-31"}


def test_more_decimals_than_the_currency_and_unknown_currencies(world, tmp_path):
    text = ORDERS_HEAD + order_row("#1", price="10.001") + order_row("#2", currency="XYZ") \
        + order_row("#3", currency="JPY", price="100.5", total="100") + order_row("#4", currency="JPY", price="100",
                                                                                  total="100")
    job = run(write(tmp_path, "o.csv", text), "shopify_orders")
    assert issues(job) == [(2, "Lineitem price", "error", "too_many_decimals"),
                           (3, "Currency", "error", "unknown_currency"),
                           (4, "Lineitem price", "error", "too_many_decimals")]
    assert list(SalesOrder.objects.values_list("number", "total")) == [("#4", D(100))]
    reasons = list(ImportIssue.objects.order_by("line").values_list("reason", flat=True))
    assert "'10.001' has more decimals than EUR allows (2)" in reasons[0]
    assert "unknown currency 'XYZ'" in reasons[1]


def test_a_bad_line_refuses_its_whole_order_and_nothing_else(world, tmp_path):
    text = ORDERS_HEAD + order_row("#1", total="30.00") + order_row("#1", first=False, price="20.00", name="Other") \
        + order_row("#2", total="10.00") + order_row("#2", first=False, quantity="-1") + order_row("#3")
    job = run(write(tmp_path, "o.csv", text), "shopify_orders")
    assert issues(job) == [(5, "Lineitem quantity", "error", "invalid_quantity")]
    assert sorted(SalesOrder.objects.values_list("number", flat=True)) == ["#1", "#3"]
    assert SalesOrderLine.objects.count() == 3  # nothing of #2


def test_duplicated_keys_inside_a_file(world, tmp_path):
    text = ORDERS_HEAD + order_row("#1") + order_row("#2") + order_row("#1", total="99.00")
    job = run(write(tmp_path, "o.csv", text), "shopify_orders")
    assert issues(job) == [(4, "", "error", "duplicate_key")]
    assert "first at line 2" in job.issues.get().reason
    assert SalesOrder.objects.get(number="#1").total == D("10.00")
    products = PRODUCTS_HEAD + "a,A,Title,Default Title,SAME,1.00,\nb,B,Title,Default Title,SAME,2.00,\n"
    job = run(write(tmp_path, "p.csv", products), "shopify_products")
    assert issues(job) == [(3, "Variant SKU", "error", "duplicate_key")]
    assert PriceListItem.objects.get(product__sku="SAME").price == D("1.00")


def test_rows_with_a_wrong_number_of_cells_are_reported(world, tmp_path):
    text = PRODUCTS_HEAD + "a,A,Title,Default Title,A-1,1.00,\nb,B,Title,Default Title,B-1,2.00,,extra,cells\n" \
                           "c,C,Title,Default Title,C-1,3.00,\n"
    job = run(write(tmp_path, "p.csv", text), "shopify_products")
    assert job.created_count == 2 and issues(job) == [(3, "", "error", "unreadable_row")]


def test_an_order_number_taken_by_an_order_entered_here_is_refused(world, tmp_path, api):
    made = api.post("orders", {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "1"}]}).json()
    job = run(write(tmp_path, "o.csv", ORDERS_HEAD + order_row(made["number"])), "shopify_orders")
    assert issues(job) == [(2, "number", "error", "number_taken")]


def test_no_warehouse_rejects_an_orders_file_cleanly(db, tmp_path):
    job = run(write(tmp_path, "o.csv", ORDERS_HEAD + order_row("#1")), "shopify_orders")
    assert job.status == "failed" and "warehouse" in job.message
    assert SalesOrder.objects.count() == 0


def test_the_error_report_names_file_line_column_and_reason(world, tmp_path):
    text = ORDERS_HEAD + order_row("#1", price="1.001") + order_row("#2")
    job = run(write(tmp_path, "orders.csv", text), "shopify_orders")
    rows = list(csv.reader(io.StringIO("".join(import_errors_csv(job=job)))))
    assert rows[0] == ["file", "line", "column", "record", "severity", "code", "reason"]
    assert rows[1][:6] == ["orders.csv", "2", "Lineitem price", "#1", "error", "too_many_decimals"]
    assert len(rows) == 2


def test_a_stray_line_of_an_order_whose_rows_are_not_together_is_a_duplicate(world, tmp_path):
    """Shopify writes an order's rows together; a line of #1 after #2 is reported as what it is (the
    key again), not as the missing currency that follows from it, and #1 keeps its own lines."""
    text = ORDERS_HEAD + order_row("#1", total="30.00") + order_row("#1", first=False, price="20.00", name="Other") \
        + order_row("#2") + order_row("#1", first=False, price="5.00", name="Stray")
    job = run(write(tmp_path, "o.csv", text), "shopify_orders")
    assert issues(job) == [(5, "", "error", "duplicate_key")]
    assert "first at line 2" in job.issues.get().reason
    assert sorted(SalesOrderLine.objects.filter(order__number="#1").values_list("description", flat=True)) == [
        "Other", "Thing"]


def test_nul_characters_past_the_start_of_a_good_file_are_dropped(world, tmp_path):
    """The first 256 kB decide whether a file is text; a NUL further on is dropped from its cell
    (PostgreSQL would refuse it) and the row goes in."""
    head = PRODUCTS_HEAD.replace("\n", ",Notes\n")
    text = head + "a,A,Title,Default Title,A-1,1.00,," + "n" * 300_000 + "\n" \
        + "b,B\x00ee,Title,Default Title,B-1,2.00,,\x00\n"
    job = run(write(tmp_path, "p.csv", text), "shopify_products")
    assert (job.created_count, job.error_count) == (2, 0)
    assert Product.objects.get(sku="B-1").name == "Bee"
