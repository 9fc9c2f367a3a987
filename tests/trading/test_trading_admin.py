"""Trading back office: the blotter shows working orders, fills and positions; pages render; actions run services."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from oms.trading.gateway import NewOrder
from oms.trading.models import KillSwitch, TradingOrder
from oms.trading.services import order_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def traded(market):
    market.sim.price_set("ACME", D("10.00"))
    market.run(order_receive, new=NewOrder(account="ALICE", cl_ord_id="filled-1", instrument="ACME", side="buy",
                                           order_type="limit", quantity=D(100), price=D("10.00")))
    market.run(order_receive, new=NewOrder(account="BOB", cl_ord_id="resting-1", instrument="ACME", side="buy",
                                           order_type="limit", quantity=D(50), price=D("9.50")))
    return market


def test_blotter_shows_working_orders_fills_and_positions(client, admin_user, traded):
    client.force_login(admin_user)
    page = client.get(reverse("admin:trading_blotter"))
    assert page.status_code == 200
    html = page.content.decode()
    resting = TradingOrder.objects.get(cl_ord_id="resting-1")
    filled = TradingOrder.objects.get(cl_ord_id="filled-1")
    working = html.split('id="working"')[1].split("</table>")[0]
    assert resting.number in working and filled.number not in working
    fills = html.split('id="fills"')[1].split("</table>")[0]
    assert filled.number in fills
    positions = html.split('id="positions"')[1].split("</table>")[0]
    assert "ALICE" in positions and ">100<" in positions
    assert 'http-equiv="refresh" content="5"' in html
    assert 'http-equiv="refresh"' not in client.get(reverse("admin:trading_blotter") + "?refresh=0").content.decode()


def test_admin_pages_render(client, admin_user, traded):
    client.force_login(admin_user)
    order = TradingOrder.objects.get(cl_ord_id="filled-1")
    changelist = client.get(reverse("admin:trading_tradingorder_changelist"))
    assert changelist.status_code == 200 and reverse("admin:trading_blotter") in changelist.content.decode()
    detail = client.get(reverse("admin:trading_tradingorder_change", args=[order.pk]))
    assert detail.status_code == 200 and "trading_order.filled" in detail.content.decode()
    for name in ("instrument", "tradingaccount", "venue", "execution", "orderevent", "position", "allocation",
                 "risklimit", "restriction", "killswitch"):
        assert client.get(reverse(f"admin:trading_{name}_changelist")).status_code == 200, name


def test_cancel_and_kill_switch_actions(client, admin_user, traded):
    client.force_login(admin_user)
    resting = TradingOrder.objects.get(cl_ord_id="resting-1")
    with_callbacks = traded.run
    with_callbacks(client.post, reverse("admin:trading_tradingorder_changelist"),
                   {"action": "cancel", "_selected_action": [resting.pk]})
    resting.refresh_from_db()
    assert resting.status == "canceled"
    client.post(reverse("admin:trading_tradingaccount_changelist"),
                {"action": "engage_kill_switch", "_selected_action": [traded.alice.pk]})
    assert KillSwitch.objects.get(account=traded.alice).active


def test_blotter_needs_the_view_permission(client, django_user_model, traded):
    user = django_user_model.objects.create_user(username="clerk", password="pw-12345678", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:trading_blotter")).status_code == 403


def test_instrument_form_checks_the_isin(client, admin_user, market):
    client.force_login(admin_user)
    url = reverse("admin:trading_instrument_change", args=[market.acme.pk])
    data = {"symbol": "ACME", "name": "Acme Corp", "isin": "US0378331006", "mic": "XNAS", "currency": "USD",
            "tick_size": "0.01", "lot_size": "1", "price_decimals": "2", "quantity_decimals": "0",
            "reference_price": "10.00", "active": "on"}
    page = client.post(url, data)
    assert page.status_code == 200 and "not a valid ISIN" in page.content.decode()
    market.acme.refresh_from_db()
    assert market.acme.isin == "US0378331005"

