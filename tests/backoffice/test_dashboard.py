"""The home dashboard: sales per period, day and channel; queues; low stock; top sellers; real charts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.utils import timezone

from oms.backoffice.selectors import dashboard as dashboard_selectors
from oms.backoffice.selectors.dashboard import (
    action_queues, bounds_at, low_stock, sales_figures, top_customers, top_products,
)
from oms.backoffice.views import dashboard as dashboard_views
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import OrderSpec, order_create

pytestmark = pytest.mark.django_db


def usd_order(sku="HOODIE-M", quantity="1", channel="web", confirm=True, customer="C0002"):
    return order_create(spec=OrderSpec(customer=customer, channel=channel,
                                       lines=[LineSpec(sku=sku, quantity=quantity)]), confirm=confirm)


def test_sales_per_period_day_and_channel_in_one_currency(demo):
    SalesOrder.objects.filter(currency="USD").update(created_at=timezone.now() - timedelta(days=400))  # out of sight
    bounds = bounds_at(timezone.now())
    today = usd_order(channel="web")  # 49.00 + 11% tax
    yesterday = usd_order(channel="pos", quantity="2")
    SalesOrder.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1))
    usd_order(confirm=False)  # a quotation is not a sale
    figures = sales_figures(bounds=bounds, currency="USD")
    assert figures.currency == "USD" and "IDR" in figures.currencies
    assert figures.periods["today"] == {"orders": 1, "revenue": today.total}
    day_before = bounds.today - timedelta(days=1)
    for key, start in (("week", bounds.week), ("month", bounds.month)):
        both = day_before >= start
        assert figures.periods[key]["orders"] == (2 if both else 1)
        assert figures.periods[key]["revenue"] == today.total + (yesterday.total if both else 0)
    assert len(figures.days) == 30 and figures.days[-1] == bounds.today
    assert figures.per_day["web"][-1] == today.total and figures.per_day["pos"][-2] == yesterday.total
    assert sum(figures.per_day["web"]) == today.total
    month_channels = {"web": today.total, **({"pos": yesterday.total} if day_before >= bounds.month else {})}
    assert figures.per_channel == month_channels


def test_closed_days_come_from_the_cache_and_today_is_live(demo):
    bounds = bounds_at(timezone.now())
    old = usd_order(quantity="3")
    SalesOrder.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    first = sales_figures(bounds=bounds, currency="USD")
    assert sum(first.per_day["web"]) >= old.total
    SalesOrder.objects.filter(pk=old.pk).update(status="cancelled")  # a change to a closed day: seen later
    new = usd_order(quantity="1")
    second = sales_figures(bounds=bounds, currency="USD")
    assert second.periods["today"]["orders"] == first.periods["today"]["orders"] + 1  # today: at once
    assert second.per_day["web"][-3] == first.per_day["web"][-3]  # the closed day: from the cache
    assert second.per_day["web"][-1] == first.per_day["web"][-1] + new.total


def test_default_currency_is_the_companys(demo):
    assert sales_figures(bounds=bounds_at(timezone.now()), currency=None).currency == "IDR"  # demo company


def test_queues_count_what_waits(demo):
    queues = action_queues()
    assert queues["to_confirm"] == SalesOrder.objects.filter(status="draft").count() == 1
    assert queues["on_hold"] == SalesOrder.objects.filter(status="on_hold").count() == 2
    assert queues["to_ship"] == SalesOrder.objects.filter(status__in=["confirmed", "partially_fulfilled"]).count()
    if apps.is_installed("oms.invoicing"):
        before = queues["to_invoice"]
        usd_order()
        assert action_queues()["to_invoice"] == before + 1
        assert "overdue_invoices" in queues
    else:
        assert "to_invoice" not in queues


@pytest.mark.skipif(not apps.is_installed("oms.invoicing"), reason="invoicing is not installed")
def test_invoice_queues_are_counted_up_to_a_cap_shown_with_a_plus(demo, staff, monkeypatch):
    from oms.invoicing.models import Invoice  # noqa: PLC0415 - only where invoicing is installed
    from oms.invoicing.selectors import InvoiceFilter, invoice_list  # noqa: PLC0415
    from oms.invoicing.services import invoice_create_from_order  # noqa: PLC0415

    for _ in range(3):
        invoice_create_from_order(order=usd_order(), issue=True)
    Invoice.objects.filter(status="issued").update(due_date=timezone.localdate() - timedelta(days=3))
    overdue = invoice_list(filters=InvoiceFilter(overdue=True)).count()
    assert overdue >= 3

    def queue_shown(page: str) -> str:
        block = page.split('data-testid="queue-overdue_invoices"', 1)[1]
        return block.split('class="bo-queue-count">', 1)[1].split("<", 1)[0]

    for module in (dashboard_selectors, dashboard_views):
        monkeypatch.setattr(module, "QUEUE_COUNT_CAP", overdue - 1)
    assert action_queues()["overdue_invoices"] == overdue  # one past the cap: "more than"
    assert queue_shown(staff.get("/admin/").content.decode()) == f"{overdue - 1}+"
    for module in (dashboard_selectors, dashboard_views):
        monkeypatch.setattr(module, "QUEUE_COUNT_CAP", overdue)
    assert action_queues()["overdue_invoices"] == overdue
    assert queue_shown(staff.get("/admin/").content.decode()) == str(overdue)
    usd_order(), usd_order()  # sold, not invoiced yet
    to_invoice = dashboard_selectors.orders_to_invoice().count()
    assert to_invoice >= 2
    monkeypatch.setattr(dashboard_selectors, "QUEUE_COUNT_CAP", to_invoice - 1)
    assert action_queues()["to_invoice"] == to_invoice  # one past the cap


def test_low_stock_lists_levels_under_their_threshold(demo):
    rows = low_stock()
    assert [lv.product.sku for lv in rows] == ["TSHIRT-L"]  # ~8 on hand - 2 reserved < threshold 10
    assert rows[0].free == rows[0].on_hand - rows[0].reserved < Decimal(10)


def test_top_products_and_customers_of_the_month(demo):
    bounds = bounds_at(timezone.now())
    usd_order(sku="DESIGN-H", quantity="10", customer="C0004")  # 800.00 USD, the month's biggest USD sale
    products = top_products(bounds=bounds, currency="USD")
    assert products[0]["sku"] == "DESIGN-H" and products[0]["name"] == "Custom design, per hour"
    assert [p["revenue"] for p in products] == sorted((p["revenue"] for p in products), reverse=True)
    customers = top_customers(bounds=bounds, currency="USD")
    assert {c["customer"].code for c in customers} >= {"C0002", "C0004"}
    assert all(c["customer"].currency == "USD" for c in customers)


def test_dashboard_is_the_admin_home_with_charts_served_locally(demo, staff):
    page = staff.get("/admin/?currency=USD")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="bo-chart-days"' in html and 'id="bo-chart-channels"' in html and "bo-chart-data" in html
    assert "/static/backoffice/vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
    assert finders.find("backoffice/vendor/chartjs/chart.umd.min.js")
    assert finders.find("backoffice/vendor/chartjs/LICENSE.md")
    assert 'data-testid="queue-to_confirm"' in html and "TSHIRT-L" in html
    assert 'id="app-list"' in html or "app-list" in html or "module" in html  # the admin's apps stay below
    unknown = staff.get("/admin/?currency=XXX")  # an unknown currency: the default one, not an error
    assert unknown.status_code == 200 and 'data-currency="IDR"' in unknown.content.decode()


def test_dashboard_needs_a_staff_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
