"""Goods received with their cost, and open backorders: what is reserved beyond on hand, and who waits."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from world import level

from oms.core.errors import DomainError
from oms.inventory.backorders import Claim, cover_in_order, newly_covered
from oms.inventory.models import StockMove
from oms.inventory.selectors import ledger_check, open_backorders
from oms.inventory.services import Receipt, reservation_set, stock_receive


def _reserve(reference, product, location, quantity):
    with transaction.atomic():
        reservation_set(reference=reference, location=location, wanted={product: D(quantity)})


def test_receive_adds_on_hand_and_records_the_unit_cost_in_the_ledger(world):
    with transaction.atomic():
        (move,) = stock_receive(location=world.location, reference="purchasing.receipt:1",
                                items=[Receipt(world.widget, D(4), D("2.5000"), "USD")])
    assert level(world.widget, world.location) == (D(14), D(0))
    move = StockMove.objects.get(pk=move.pk)
    assert (move.kind, move.on_hand_delta, move.unit_cost, move.cost_currency) == ("receipt", D(4), D("2.5"), "USD")
    assert move.reference == "purchasing.receipt:1"
    assert ledger_check() == []


def test_receive_refuses_bad_quantities_and_services_and_writes_nothing(world):
    for items, code in (([Receipt(world.widget, D("1.5"), D(1), "USD")], "invalid_quantity"),
                        ([Receipt(world.service, D(1), D(1), "USD")], "not_stocked"),
                        ([Receipt(world.widget, D(1), D(-1), "USD")], "invalid_amount"),
                        ([], "required")):
        with pytest.raises(DomainError) as err, transaction.atomic():
            stock_receive(location=world.location, reference="r", items=items)
        assert err.value.code == code
    assert not StockMove.objects.filter(kind="receipt").exists()


def test_open_backorders_list_waiting_documents_oldest_first_and_receipts_fill_them(world):
    _reserve("sales.order:1", world.backorderable, world.location, 3)
    _reserve("sales.order:2", world.backorderable, world.location, 4)
    _reserve("sales.order:3", world.widget, world.location, 2)  # covered: no backorder
    (row,) = open_backorders()
    assert (row.level.product.sku, row.level.on_hand, row.level.reserved, row.short) == ("BACKO", D(0), D(7), D(7))
    assert [(w.reference, w.quantity, w.covered) for w in row.waiting] == [("sales.order:1", D(3), D(0)),
                                                                            ("sales.order:2", D(4), D(0))]
    with transaction.atomic():
        stock_receive(location=world.location, reference="purchasing.receipt:9",
                      items=[Receipt(world.backorderable, D(5), D(1), "USD")])
    (row,) = open_backorders(sku="BACKO")
    assert row.short == D(2)
    assert [(w.reference, w.covered, w.short) for w in row.waiting] == [("sales.order:1", D(3), D(0)),
                                                                         ("sales.order:2", D(2), D(2))]
    with transaction.atomic():
        stock_receive(location=world.location, reference="purchasing.receipt:10",
                      items=[Receipt(world.backorderable, D(2), D(1), "USD")])
    assert open_backorders() == []
    assert ledger_check() == []


def test_backorders_api(api, world):
    _reserve("sales.order:7", world.backorderable, world.location, 2)
    body = api.get("backorders").json()
    assert body == [{"sku": "BACKO", "warehouse": "MAIN", "location": "STOCK", "on_hand": "0.0000",
                     "reserved": "2.0000", "short": "2.0000",
                     "waiting": [{"reference": "sales.order:7", "quantity": "2.0000", "covered": "0.0000",
                                  "short": "2.0000"}]}]
    assert api.get("backorders", {"sku": "WIDGET"}).json() == []


quantities = st.decimals(min_value=0, max_value=1000, places=2)


@given(on_hand=quantities, wanted=st.lists(quantities, max_size=8), arrived=quantities)
def test_cover_in_order_never_covers_more_than_on_hand_and_fills_oldest_first(on_hand, wanted, arrived):
    claims = [Claim(f"doc:{i}", q) for i, q in enumerate(wanted)]
    before = cover_in_order(on_hand, claims)
    assert sum(c.covered for c in before) == min(on_hand, sum(wanted, D(0)))
    assert all(D(0) <= c.covered <= c.quantity for c in before)
    # once one document is short, every later one is uncovered
    shorts = [i for i, c in enumerate(before) if c.short > 0]
    assert all(before[j].covered == 0 for j in range(shorts[0] + 1, len(before))) if shorts else True
    after = cover_in_order(on_hand + arrived, claims)
    gained = newly_covered(before, after)
    assert sum(gained.values(), D(0)) == min(arrived, sum(c.short for c in before))
