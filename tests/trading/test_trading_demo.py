"""The trading part of the demo: loaded through the services inside one transaction, consistent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import transaction

from oms.trading.demo import trading_demo_load
from oms.trading.gateway import gateway_for
from oms.trading.models import Allocation, Position, TradingOrder
from oms.trading.services import positions_check

pytestmark = pytest.mark.django_db


def test_demo_loads_orders_fills_positions_and_an_allocation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            assert trading_demo_load().startswith("trading:")
    statuses = dict(TradingOrder.objects.values_list("cl_ord_id", "status"))
    assert statuses == {"DEMO-1": "filled", "DEMO-2": "filled", "DEMO-3": "new", "DEMO-4": "denied",
                        "DEMO-5": "filled"}
    assert TradingOrder.objects.get(cl_ord_id="DEMO-4").reject_code == "restricted_instrument"
    positions = {(p.account.code, p.instrument.symbol): p.quantity for p in Position.objects.select_related(
        "account", "instrument")}
    assert positions == {("FUND-1", "AAPL"): D(60), ("FUND-1", "MSFT"): D(72), ("FAMILY-1", "MSFT"): D(48)}
    assert Position.objects.get(account__code="FUND-1", instrument__symbol="AAPL").realised_pnl > 0
    assert Allocation.objects.count() == 2 and positions_check() == []
    assert gateway_for("SIM") is None
