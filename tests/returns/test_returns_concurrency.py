"""Return limits under concurrency (PostgreSQL): concurrent requests never return more than was shipped."""

from decimal import Decimal as D

import pytest
from kit import shipped_order
from racing import race
from world import level, make_world

from oms.inventory.selectors import ledger_check

from oms.returns.models import Return, ReturnLine
from oms.returns.selectors import returnable_quantities
from oms.returns.services import ReturnLineSpec, return_approve, return_create, return_receive, return_reject
from oms.sales.models import SalesOrder


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_returns_never_exceed_what_was_shipped():
    make_world()
    order, lines = shipped_order(("WIDGET", "5"), ("GADGET", "3"), ship={"WIDGET": "5", "GADGET": "2"})
    widget, gadget = lines["WIDGET"], lines["GADGET"]

    def client(i):
        specs = [ReturnLineSpec(widget.pk, "1")] if i % 2 else [ReturnLineSpec(gadget.pk, "1"),
                                                                ReturnLineSpec(widget.pk, "1")]
        return return_create(order=SalesOrder(pk=order.pk), reason="not_needed", lines=specs).number

    results = race(12, client)
    assert not [r for r in results if r is None or r.startswith("error")], results
    made = [r for r in results if r.startswith("RMA-")]
    assert len(made) == 5 and len(set(made)) == 5, results  # 5 widgets shipped
    assert set(results) - set(made) == {"exceeds_returnable"}
    returned = {pk: sum((x.quantity for x in ReturnLine.objects.filter(order_line_id=pk)), D(0))
                for pk in (widget.pk, gadget.pk)}
    assert returned[widget.pk] == D(5) and returned[gadget.pk] <= D(2)
    assert returnable_quantities(order=order) == {widget.pk: D(0), gadget.pk: D(2) - returned[gadget.pk]}
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in made)
    assert numbers == list(range(numbers[0], numbers[0] + 5))  # gap-free


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_on_one_return_apply_once():
    world = make_world()
    order, lines = shipped_order(("WIDGET", "2"))
    rma = return_approve(rma=return_create(order=order, reason="defective",
                                           lines=[ReturnLineSpec(lines["WIDGET"].pk, "2")]))

    def client(i):
        target = Return(pk=rma.pk, order_id=order.pk)
        if i % 2:
            return return_receive(rma=target).status
        return return_reject(rma=target, reason="race").status

    results = race(8, client)
    winners = [r for r in results if r in ("received", "rejected")]
    assert len(winners) == 1 and results.count("invalid_transition") == 7, results
    rma.refresh_from_db()
    assert rma.status == winners[0]
    assert level(world.widget, world.location) == ((D(10), D(0)) if rma.status == "received" else (D(8), D(0)))
    assert ledger_check() == []
