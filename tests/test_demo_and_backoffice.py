"""The demo business loads through the services, and every back-office page an operator opens renders."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from oms.demo import demo_load
from oms.inventory.selectors import ledger_check
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return demo_load()


def test_demo_loads_once_with_a_live_order_book(demo):
    assert demo.startswith("demo data loaded")
    assert demo_load() == "demo data already loaded: nothing to do"
    statuses = set(SalesOrder.objects.values_list("status", flat=True))
    assert {"draft", "confirmed", "on_hold", "cancelled"} <= statuses
    assert ledger_check() == []
    if apps.is_installed("oms.invoicing") and apps.is_installed("oms.payments"):
        invoices = apps.get_model("invoicing", "Invoice").objects.filter(kind="invoice")
        assert {"issued", "partially_paid", "paid"} <= set(invoices.values_list("status", flat=True))
    call_command("audit", "verify")


def test_every_admin_list_and_detail_page_renders(demo, client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        if model_admin.search_fields:
            assert client.get(url, {"q": "a"}).status_code == 200, url
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


def test_order_page_shows_lines_and_timeline(demo, client, admin_user):
    client.force_login(admin_user)
    order = SalesOrder.objects.filter(status="on_hold").first()
    page = client.get(reverse("admin:sales_salesorder_change", args=[order.pk])).content.decode()
    assert order.number in page and "order.held" in page and "waiting for the signed design brief" in page
    assert order.lines.first().sku in page


def test_admin_confirm_action_runs_the_service(demo, client, admin_user):
    client.force_login(admin_user)
    draft = SalesOrder.objects.get(status="draft")
    response = client.post(reverse("admin:sales_salesorder_changelist"),
                           {"action": "confirm", "_selected_action": [draft.pk]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "confirmed"
    assert ledger_check() == []


def test_back_office_speaks_indonesian(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Keluar" in page  # "Log out"


@pytest.mark.skipif(not apps.is_installed("oms.shipping"), reason="shipping module is not enabled")
def test_demo_has_a_delivered_and_a_partial_shipment(demo):
    assert SalesOrder.objects.filter(status="fulfilled", channel="pos").exists()
    assert SalesOrder.objects.filter(status="partially_fulfilled", external_ref="GL-88812").exists()
    assert ledger_check() == []
