"""The import API and back office: upload, dry run, job with progress, error report; preview then confirm."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_import_support import SHOPIFY_ORDERS, sample
from world import make_world

from oms.interop.models import ImportJob
from oms.sales.models import SalesOrder

CSV = ("Name,Email,Financial Status,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Created at,"
       "Lineitem quantity,Lineitem name,Lineitem price,Id\n"
       "#9001,a@example.com,paid,fulfilled,EUR,12.00,0,0,12.00,2025-01-02,1,Mug,12.00,501\n"
       "#9002,b@example.com,paid,fulfilled,EUR,1.00,0,0,1.00,2025-01-02,1,Pen,1.005,502\n")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


def upload(api, content: bytes = CSV.encode(), *, key: str | None = None, **fields):
    data = {"file": SimpleUploadedFile("orders.csv", content, content_type="text/csv"),
            "format": "shopify_orders", **fields}
    headers = dict(api.headers)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post("/api/v1/imports", data=data, **headers)


def test_upload_imports_and_reports_errors(world, api):
    response = upload(api, key="k1")
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["created"], job["errors"], job["dry_run"]) == ("done", 1, 1, False)
    assert job["progress_percent"] == 100
    assert SalesOrder.objects.filter(number="#9001").exists()
    report = api.client.get(job["errors_url"], **api.headers)
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    body = b"".join(report.streaming_content).decode()
    assert "orders.csv,3,Lineitem price,#9002,error,too_many_decimals" in body
    again = api.get(f"imports/{job['id']}").json()
    assert again["created"] == 1 and again["errors_url"] == job["errors_url"]
    replay = upload(api, key="k1")  # a retried upload replays the first answer, no second job
    assert replay.json()["id"] == job["id"] and ImportJob.objects.count() == 1


def test_dry_run_writes_nothing(world, api):
    job = upload(api, dry_run="true").json()
    assert job["dry_run"] and job["created"] == 1 and job["errors"] == 1
    assert job["preview"][0] == {"line": 2, "key": "#9001", "action": "created", "changes": {"total": "12.00"}}
    assert not SalesOrder.objects.exists()


def test_bad_requests(world, api, make_api):
    assert upload(api, format="excel").status_code == 422
    assert upload(api, b"").status_code in (400, 422)
    response = upload(api, currency="XYZ")
    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_currency"
    assert api.get("imports/999").status_code == 404
    viewer = make_api("viewer", ["interop.view_importjob"])
    assert upload(viewer).status_code == 403


def test_admin_preview_then_confirm(world, client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:interop_importjob_upload"))
    assert page.status_code == 200
    with open(sample(SHOPIFY_ORDERS), "rb") as handle:
        response = client.post(reverse("admin:interop_importjob_upload"),
                               {"file": handle, "format": "shopify_orders", "currency": "EUR"})
    preview = ImportJob.objects.get()
    assert response.status_code == 302 and preview.dry_run and preview.created_count == 19
    assert not SalesOrder.objects.exists()
    detail = client.get(reverse("admin:interop_importjob_change", args=[preview.pk]))
    assert b"Confirm: import this file" in detail.content and b"#1001" in detail.content
    response = client.post(reverse("admin:interop_importjob_confirm", args=[preview.pk]))
    real = ImportJob.objects.get(dry_run=False)
    assert response.status_code == 302 and real.created_count == 19
    assert SalesOrder.objects.filter(channel="import").count() == 19
    order = SalesOrder.objects.get(number="#1013")
    page = client.get(reverse("admin:sales_salesorder_change", args=[order.pk]))
    assert b"payment status" in page.content.lower() and b"127.59" in page.content
    assert client.get(reverse("admin:interop_importjob_changelist")).status_code == 200


def test_list_pages_link_to_the_import(world, client, admin_user):
    client.force_login(admin_user)
    for name, fmt in (("catalog_product", "shopify_products"), ("parties_party", "odoo_customers"),
                      ("sales_salesorder", "shopify_orders")):
        page = client.get(reverse(f"admin:{name}_changelist"))
        assert f"{reverse('admin:interop_importjob_upload')}?format={fmt}".encode() in page.content, name
    upload = client.get(reverse("admin:interop_importjob_upload") + "?format=odoo_customers")
    assert b'<option value="odoo_customers" selected>' in upload.content
