"""An operator's day in a real browser: log in, create a customer, enter an order by SKU, confirm,
ship, invoice, take the payment, and see the dashboard move."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from oms.demo import demo_load
from oms.sales.models import SalesOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not all(apps.is_installed(f"oms.{m}") for m in ("shipping", "invoicing", "payments")),
                                 reason="needs the shipping, invoicing and payments modules")]
PASSWORD = "pw-operator-123"


@pytest.fixture
def operator(django_user_model):
    demo_load()
    return django_user_model.objects.create_superuser(username="operator", password=PASSWORD)


def login(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#bo-dashboard")


def dashboard_in_usd(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/?currency=USD")  # the demo company's base currency is IDR
    page.wait_for_function("document.documentElement.dataset.charts === 'drawn'")


def today_orders(page) -> int:
    return int(page.text_content("[data-testid=sales-today] .bo-orders"))


def queue(page, key: str) -> int:
    return int(page.text_content(f"[data-testid=queue-{key}] .bo-queue-count"))


def test_operator_sells_ships_invoices_and_takes_payment(page, live_server, operator, screenshot):
    login(page, live_server)
    dashboard_in_usd(page, live_server)
    assert page.locator("#bo-chart-days").bounding_box()["height"] > 100  # Chart.js drew into the canvas
    before = {"today": today_orders(page), "to_ship": queue(page, "to_ship"), "to_invoice": queue(page, "to_invoice")}

    # A new customer through the admin (which saves through the parties service).
    page.goto(f"{live_server.url}/admin/parties/party/add/")
    page.fill("#id_code", "C0100")
    page.fill("#id_name", "Toko Browser Test")
    page.fill("#id_email", "owner@toko-browser.test")
    page.fill("#id_currency", "USD")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    # Fast order entry, keyboard only: customer, then SKUs (and a quantity) typed into the scan field.
    page.goto(f"{live_server.url}/backoffice/orders/new/")
    page.fill("#bo-customer", "Toko Browser")
    page.wait_for_selector("#bo-customer-hits li")
    page.press("#bo-customer", "Enter")
    page.wait_for_selector("#bo-customer-chosen:has-text('C0100')")
    page.fill("#bo-scan", "MUG-01")
    page.wait_for_selector("#bo-product-hits li:has-text('12.50 USD')")  # price and stock as you type
    assert re.search(r"available \d+", page.text_content("#bo-product-hits li"))
    page.press("#bo-scan", "Enter")
    page.wait_for_selector("#bo-entry-lines tr[data-sku='MUG-01']")
    page.fill("#bo-scan", "2*TSHIRT-M")
    page.press("#bo-scan", "Enter")
    page.wait_for_selector("#bo-entry-lines tr[data-sku='TSHIRT-M']")
    page.fill("#bo-scan", "4006381333931")  # the mug's barcode, as a scanner types it
    page.press("#bo-scan", "Enter")
    page.wait_for_function("document.querySelector(\"tr[data-sku='MUG-01'] .bo-qty\").value === '2'")
    page.uncheck("#bo-confirm")
    screenshot(page, "order-entry.png")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/backoffice/orders/SO-"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    order = SalesOrder.objects.get(number=number)
    assert order.status == "draft" and order.customer.code == "C0100" and order.lines.count() == 2
    assert page.text_content("[data-testid=order-status]").strip() == "draft (quotation)"
    assert page.locator("[data-action=ship]").count() == 0  # only the actions allowed in the state

    page.click("[data-action=confirm]")
    page.wait_for_selector(".messagelist .success")
    assert page.text_content("[data-testid=order-status]").strip() == "confirmed"
    assert page.locator("[data-action=confirm]").count() == 0

    page.fill("input[name=carrier]", "JNE")
    page.fill("input[name=tracking_number]", "JNE-BROWSER-0001")
    page.click("[data-action=ship]")
    page.wait_for_selector("#bo-shipments:has-text('JNE-BROWSER-0001')")
    assert page.text_content("[data-testid=order-status]").strip() == "fulfilled"

    page.click("[data-action=invoice]")
    page.wait_for_selector("#bo-invoices:has-text('INV-')")
    page.select_option("select[name=method]", "bank_transfer")
    page.fill("input[name=reference]", "BCA 7781")
    page.click("[data-action=pay]")
    page.wait_for_selector("#bo-payments:has-text('BCA 7781')")
    assert page.locator("[data-action=pay]").count() == 0  # nothing left to pay
    for action in ("order.confirmed", "shipment.shipped", "invoice.issued", "payment.recorded"):
        assert action in page.text_content("#bo-timeline")
    order.refresh_from_db()
    assert order.status == "fulfilled"
    invoice = order.invoices.get()
    assert invoice.status == "paid"
    screenshot(page, "order-page.png")

    # The global search finds the order by its tracking number, from any page.
    page.fill("#bo-search-q", "JNE-BROWSER-0001")
    page.press("#bo-search-q", "Enter")
    page.wait_for_url(re.compile(rf"/backoffice/orders/{number}/"))

    # The dashboard moved: one more order today; it went through shipping and invoicing queues.
    dashboard_in_usd(page, live_server)
    assert today_orders(page) == before["today"] + 1
    assert queue(page, "to_ship") == before["to_ship"]
    assert queue(page, "to_invoice") == before["to_invoice"]
    assert "MUG-01" in page.text_content("#bo-dashboard")


def test_language_switch_is_kept_for_the_user(page, live_server, operator):
    login(page, live_server)
    page.select_option("#bo-language", "id")
    page.wait_for_selector("text=Keluar")  # the admin itself, now in Indonesian
    page.context.clear_cookies()  # a new session (another device): the choice comes back from the database
    login(page, live_server)
    assert page.locator("#bo-language").input_value() == "id"
