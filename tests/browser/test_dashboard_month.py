"""The dashboard of a busy month in a real browser: both charts drawn, the numbers agree with the data."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from oms.catalog.models import Product
from oms.demo import demo_load
from oms.inventory.models import Warehouse
from oms.inventory.services import default_location, stock_adjust
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import OrderSpec, order_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-operator-123"
SKUS = ["TSHIRT-S", "TSHIRT-M", "HOODIE-M", "MUG-01", "COFFEE-1KG", "TOTE-01"]


def busy_month(rng: random.Random) -> None:
    """The demo business plus ~60 orders over the last 30 days from every channel (through the services,
    then dated back: an order's creation time is what the dashboard groups by)."""
    demo_load()
    location = default_location(Warehouse.objects.get(code="JKT"))
    for sku in SKUS:
        stock_adjust(product=Product.objects.get(sku=sku), location=location, quantity=Decimal(1000),
                     reason="restock")
    now = timezone.now()
    for age in range(29, -1, -1):
        for _ in range(rng.choice((1, 1, 2, 2, 3)) + (30 - age) // 12):
            lines = [LineSpec(sku=sku, quantity=str(rng.choice((1, 1, 2, 3)))) for sku in rng.sample(SKUS, 2)]
            order = order_create(spec=OrderSpec(customer=rng.choice(["C0001", "C0003"]), lines=lines,
                                                channel=rng.choice(["web", "web", "pos", "back_office", "api"])),
                                 confirm=True)
            SalesOrder.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=age, hours=rng.random()))


def test_a_busy_month_on_the_dashboard(page, live_server, django_user_model, screenshot):
    busy_month(random.Random(7))
    django_user_model.objects.create_superuser(username="operator", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_function("document.documentElement.dataset.charts === 'drawn'")
    assert page.get_attribute("#bo-dashboard", "data-currency") == "IDR"
    month = int(page.text_content("[data-testid=sales-month] .bo-orders"))
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sold = SalesOrder.objects.filter(currency="IDR", created_at__gte=start).exclude(status__in=["draft", "cancelled"])
    assert month == sold.count()
    # Both canvases hold a drawing: some pixels are not blank.
    painted = page.evaluate("""() => ['bo-chart-days', 'bo-chart-channels'].map(id => {
        const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; })""")
    assert all(n > 1000 for n in painted), painted
    page.set_viewport_size({"width": 1440, "height": 1100})
    screenshot(page, "dashboard.png", full_page=False)  # the dashboard; the admin's app list follows below
