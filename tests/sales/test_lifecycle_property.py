"""Property: whatever sequence of order actions and stock changes happens, the stock stays true.

Stock is never negative, reserved never exceeds on-hand (for products without backorders), the
ledger always equals the stored levels, and each order holds exactly its open quantities.
"""

from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from django.db import transaction

from oms.core.errors import DomainError
from oms.inventory.models import StockLevel
from oms.inventory.selectors import ledger_check, reservations_for
from oms.inventory.services import stock_adjust
from oms.sales.lines import LineSpec
from oms.sales.models import SalesOrder
from oms.sales.services import (
    LineChange, OrderSpec, order_cancel, order_complete, order_confirm, order_create, order_hold,
    order_lines_edit, order_release,
)
from oms.sales.states import RESERVING

SKUS = ["WIDGET", "GADGET", "BACKO", "SETUP"]


class Rollback(Exception):
    pass


actions = st.one_of(
    st.tuples(st.just("create"), st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 6)), min_size=1,
                                           max_size=3), st.booleans()),
    st.tuples(st.sampled_from(["confirm", "cancel", "hold", "release", "complete"]), st.integers(0, 5)),
    st.tuples(st.just("edit"), st.integers(0, 5), st.integers(1, 8)),
    st.tuples(st.just("adjust"), st.sampled_from(["WIDGET", "GADGET"]), st.integers(-6, 6)),
)


def apply(world, action, orders):
    kind = action[0]
    if kind == "create":
        lines = [LineSpec(sku=sku, quantity=str(q)) for sku, q in action[1]]
        orders.append(order_create(spec=OrderSpec(customer="C001", lines=lines), confirm=action[2]))
        return
    if kind == "adjust":
        product = world.widget if action[1] == "WIDGET" else world.gadget
        if action[2]:
            stock_adjust(product=product, location=world.location, quantity=D(action[2]), reason="count")
        return
    if not orders:
        return
    order = orders[action[1] % len(orders)]
    if kind == "edit":
        line = order.lines.order_by("position").first()
        order_lines_edit(order=order, change=[LineChange(line_id=line.pk, quantity=str(action[2]))])
    else:
        run = {"confirm": lambda: order_confirm(order=order), "cancel": lambda: order_cancel(order=order),
               "hold": lambda: order_hold(order=order, reason="check"), "release": lambda: order_release(order=order),
               "complete": lambda: order_complete(order=order)}[kind]
        run()


def check_invariants():
    for lv in StockLevel.objects.all():
        assert lv.reserved >= 0
        if not lv.backorder_allowed:
            assert lv.on_hand >= 0 and lv.reserved <= lv.on_hand
    assert ledger_check() == []
    for order in SalesOrder.objects.prefetch_related("lines__product"):
        expected: dict = {}
        if order.status in RESERVING:
            for line in order.lines.all():
                if line.product and line.product.is_stocked:
                    expected[line.product_id] = expected.get(line.product_id, D(0)) + line.quantity
        assert reservations_for(order.stock_reference) == expected, order.number


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=12))
def test_random_action_sequences_keep_stock_consistent(world, steps):
    try:
        with transaction.atomic():
            orders: list = []
            for action in steps:
                try:
                    with transaction.atomic():
                        apply(world, action, orders)
                except DomainError:
                    pass  # a refused action must leave everything as it was: checked below
                check_invariants()
            raise Rollback
    except Rollback:
        pass
