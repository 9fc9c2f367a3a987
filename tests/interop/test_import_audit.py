"""From one imported order to the batch audit records that wrote it, and to their import job and file."""

from __future__ import annotations

import pytest
from test_import_bad_input import ORDERS_HEAD, order_row
from test_import_support import SHOPIFY_ORDERS, run, sample, write
from world import make_world

from oms.core.services.audit import audit_verify
from oms.interop.selectors import import_records_for_order
from oms.sales.models import SalesOrder


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


def test_an_order_leads_to_its_import_records_and_jobs(world, tmp_path):
    first = run(sample(SHOPIFY_ORDERS), "shopify_orders", currency="EUR", batch_size=7)  # 3 batch records
    changed = write(tmp_path, "orders-v2.csv", SHOPIFY_ORDERS.read_text(encoding="utf-8").replace(
        "#1017,,paid,2025-05-17 11:44:45 -0400,unfulfilled", "#1017,,refunded,2025-05-17 11:44:45 -0400,unfulfilled"))
    second = run(changed, "shopify_orders", currency="EUR")

    records = import_records_for_order(order=SalesOrder.objects.get(number="#1017"))
    assert [(r.action, r.job, r.snapshot["external_ref"]) for r in records] == [
        ("created", first, "6644851704139"), ("updated", second, "6644851704139")]
    assert records[0].audit.changes["origin"] == {"import_job": first.pk, "file": "orders_export.csv",
                                                  "sha256": first.file_sha256}
    assert records[1].job.file_name == "orders-v2.csv"
    untouched = import_records_for_order(order=SalesOrder.objects.get(number="#1001"))
    assert [(r.action, r.job) for r in untouched] == [("created", first)]  # unchanged the second time
    assert audit_verify().ok


def test_a_number_inside_another_number_does_not_match(world, tmp_path):
    run(write(tmp_path, "a.csv", ORDERS_HEAD + order_row("#10") + order_row("#100") + order_row("#1000")),
        "shopify_orders")
    for number in ("#10", "#100", "#1000"):
        records = import_records_for_order(order=SalesOrder.objects.get(number=number))
        assert [r.snapshot["number"] for r in records] == [number]


def test_orders_entered_here_have_no_import_record(world, api):
    made = api.post("orders", {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "1"}]}).json()
    assert import_records_for_order(order=SalesOrder.objects.get(number=made["number"])) == []


def test_the_api_answers_for_one_order(world, api, make_api, tmp_path):
    job = run(write(tmp_path, "a.csv", ORDERS_HEAD + order_row("#77")), "shopify_orders")
    response = api.get("imports/audit", {"order": "#77"})
    assert response.status_code == 200, response.content
    [record] = response.json()
    assert (record["action"], record["import_job"], record["file_name"]) == ("created", job.pk, "a.csv")
    assert record["order"]["number"] == "#77" and record["file_sha256"] == job.file_sha256
    missing = api.get("imports/audit", {"order": "#404"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "order"
    clerk = make_api("clerk", ["sales.view_salesorder"])
    assert clerk.get("imports/audit", {"order": "#77"}).status_code == 403
