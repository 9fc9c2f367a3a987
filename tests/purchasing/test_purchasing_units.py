"""The plain-Python rules of purchasing: three-way match, moving-average cost, replenishment, lifecycles."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.errors import InvalidTransition
from oms.purchasing.costing import moving_average
from oms.purchasing.matching import MatchLine, Tolerance, three_way_match
from oms.purchasing.replenishment import Position, SupplierOption, suggest, supplier_choose
from oms.purchasing.states import BILL_TRANSITIONS, TRANSITIONS, bill_transition_check, transition_check

qty = st.decimals(min_value=1, max_value=10_000, places=2)
price = st.decimals(min_value=0, max_value=10_000, places=4)


def _line(**kw):
    base = dict(line=1, sku="W", ordered=D(10), received=D(10), billed_before=D(0), billed=D(10),
                order_price=D("4.00"), billed_price=D("4.00"))
    return MatchLine(**{**base, **kw})


def test_a_bill_matching_order_and_receipt_has_no_difference():
    assert three_way_match([_line()], Tolerance()) == []


def test_each_kind_of_difference_is_listed_with_what_was_expected():
    found = three_way_match([_line(line=2, received=D(6), billed_price=D("4.20")),
                             _line(line=1, billed_before=D(5), billed=D(6))], Tolerance())
    assert [(d.line, d.kind, d.expected, d.actual) for d in found] == [
        (1, "quantity_over_ordered", D(10), D(11)), (2, "quantity_not_received", D(6), D(10)),
        (2, "price", D("4.00"), D("4.20"))]


def test_tolerances_absorb_small_differences_only():
    tolerance = Tolerance(quantity_percent=D(10), price_percent=D(5))
    assert three_way_match([_line(received=D(9), billed_price=D("4.20"))], tolerance) == []
    assert [d.kind for d in three_way_match([_line(received=D("8.9"), billed_price=D("4.21"))], tolerance)] == [
        "quantity_not_received", "price"]


@given(ordered=qty, received_share=st.decimals(min_value=0, max_value=1, places=2), billed=qty,
       order_price=price, billed_price=price)
def test_match_flags_exactly_what_exceeds_received_or_differs_in_price(ordered, received_share, billed,
                                                                        order_price, billed_price):
    received = (ordered * received_share).quantize(D("0.01"))
    found = three_way_match([_line(ordered=ordered, received=received, billed=billed, order_price=order_price,
                                   billed_price=billed_price)], Tolerance())
    kinds = {d.kind for d in found}
    assert ("price" in kinds) == (order_price != billed_price)
    assert bool(kinds - {"price"}) == (billed > received)
    assert ("quantity_over_ordered" in kinds) == (billed > ordered)


def test_moving_average_blends_by_quantity_and_ignores_stock_without_cost():
    assert moving_average(on_hand_before=D(10), average_before=D("4.00"), received=D(10), unit_cost=D("5.00")) == \
        D("4.5000")
    assert moving_average(on_hand_before=D(10), average_before=None, received=D(3), unit_cost=D("2.5")) == D("2.5000")
    assert moving_average(on_hand_before=D(-4), average_before=D(9), received=D(4), unit_cost=D(3)) == D("3.0000")
    with pytest.raises(ValueError):
        moving_average(on_hand_before=D(0), average_before=None, received=D(0), unit_cost=D(1))


@given(before=st.decimals(min_value=0, max_value=1000, places=3), avg=price, received=qty, cost=price)
def test_moving_average_stays_between_the_old_average_and_the_new_cost(before, avg, received, cost):
    result = moving_average(on_hand_before=before, average_before=avg, received=received, unit_cost=cost)
    low, high = min(avg, cost), max(avg, cost)
    assert low - D("0.0001") <= result <= high + D("0.0001")
    exact = (before * avg + received * cost) / (before + received)
    assert abs(result - exact) <= D("0.00005")


def _position(**kw):
    base = dict(sku="W", warehouse="MAIN", on_hand=D(10), reserved=D(0), incoming=D(0), backordered=D(0))
    return Position(**{**base, **kw})


OPTION = SupplierOption("S1", D("4.00"), "USD", D(10), 7, preferred=True)


def test_replenishment_buys_up_to_max_at_least_the_moq_rounded_to_the_unit():
    today = date(2026, 11, 1)
    assert suggest(_position(min_level=D(5), max_level=D(20)), [OPTION], today=today) is None
    low = suggest(_position(on_hand=D(10), reserved=D(8), min_level=D(5), max_level=D(20)), [OPTION], today=today)
    assert (low.quantity, low.reason, low.expected_on) == (D(18), "below_min", date(2026, 11, 8))
    small = suggest(_position(on_hand=D(4), min_level=D(5), max_level=D(6)), [OPTION], today=today)
    assert small.quantity == D(10)  # the supplier's minimum order
    kilos = suggest(_position(on_hand=D("0.25"), min_level=D(1), unit_decimals=0), [], today=today)
    assert (kilos.quantity, kilos.option, kilos.expected_on) == (D(1), None, None)


def test_backorders_and_incoming_goods_count():
    today = date(2026, 11, 1)
    waiting = suggest(_position(on_hand=D(0), reserved=D(4), backordered=D(4)), [OPTION], today=today)
    assert (waiting.reason, waiting.quantity) == ("backorder", D(10))
    assert suggest(_position(on_hand=D(0), reserved=D(4), backordered=D(4), incoming=D(4)), [OPTION], today=today) \
        is None


def test_supplier_choice_preferred_then_cheapest_then_quickest():
    cheap = SupplierOption("S2", D("3.00"), "USD", D(1), 20)
    quick = SupplierOption("S3", D("3.00"), "USD", D(1), 2)
    assert supplier_choose([cheap, OPTION, quick]) == OPTION
    assert supplier_choose([cheap, quick]) == quick
    assert supplier_choose([]) is None


def test_lifecycles_allow_only_their_transitions():
    transition_check("draft", "sent")
    transition_check("partially_received", "closed")
    with pytest.raises(InvalidTransition):
        transition_check("received", "cancelled")
    with pytest.raises(InvalidTransition):
        bill_transition_check("paid", "open")
    for table in (TRANSITIONS, BILL_TRANSITIONS):
        assert all(target in table for targets in table.values() for target in targets)
