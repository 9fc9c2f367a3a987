"""How many SQL statements an order costs on its hot path: counted, not timed, so it cannot grow unnoticed.

Counted with the after-commit work run (routing to the venue and the announcements) in a test
transaction, so each service's BEGIN/COMMIT shows up as a SAVEPOINT/RELEASE pair. Sealing the audit
chain runs in its own short transaction after commit and is counted too.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.trading.gateway import CancelRequest, ExecutionReport, NewOrder, gateway_register
from oms.trading.services import execution_report_apply, order_cancel_receive, order_receive, risk_limit_set

pytestmark = pytest.mark.django_db

# order_receive of a limit order with a quantity and a position limit: BEGIN, the account (locked, with its
# default venue), the instrument, the limits, one query for kill switches, restrictions, the position and the
# open quantity, the number, the order, its request, its event, its audit record, COMMIT (11); then routing
# after commit: BEGIN, the venue's lock, the pending requests (with their orders locked), marking them sent,
# the "routed" event (order, event, audit), COMMIT (8). It was 21 before the routing outbox and these cuts.
RECEIVE_BUDGET = 19
# The venue's acknowledgement: BEGIN, the request, the order (locked), the ExecID check, the execution, the
# order, its event, the audit record, COMMIT. It was 11 (a savepoint around the execution's insert).
ACK_BUDGET = 9
# A partial fill: the ack's statements, plus the order's live fills (for the exact average price), the
# position (locked) and its update, the outbox event. It was 15.
FILL_BUDGET = 13
# A cancel of an acknowledged order: BEGIN, the account, the request and the order (locked), the cancel request,
# the order, the event, the audit, COMMIT, then the routing pass (6: it checks that the cancel is still pending).
# It was 12, with no routing outbox (the cancel went to the gateway's hands straight after commit).
CANCEL_BUDGET = 15


class QuietVenue:
    def send_new(self, order):
        pass

    def send_cancel(self, request):
        pass

    def send_replace(self, request):
        pass


def counted(run, func, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        result = run(func, **kwargs)
    return result, [q["sql"] for q in queries.captured_queries]


def report(order, exec_id, exec_type, status, **kw):
    return ExecutionReport(venue="SIM", exec_id=exec_id, exec_type=exec_type, ord_status=status,
                           cl_ord_id=order.routed_cl_ord_id, venue_order_id="V1", **kw)


def test_an_order_its_ack_and_a_fill_stay_within_their_statement_budgets(market, run):
    gateway_register(venue="SIM", gateway=QuietVenue())
    risk_limit_set(account="ALICE", max_order_quantity=D("1000"), max_position=D("5000"))

    def place(cl):
        return order_receive(new=NewOrder(account="ALICE", cl_ord_id=cl, instrument="ACME", side="buy",
                                          order_type="limit", quantity=D("100"), price=D("10.00")))

    warm = run(place, "warm")
    run(execution_report_apply, report=report(warm, "W0", "new", "new"))
    run(execution_report_apply, report=report(warm, "W1", "trade", "partially_filled", last_qty=D("10"),
                                              last_px=D("10.00")))

    order, receive = counted(run, place, cl="counted")
    assert order.status == "pending_new"
    _, ack = counted(run, execution_report_apply, report=report(order, "C0", "new", "new"))
    _, fill = counted(run, execution_report_apply, report=report(order, "C1", "trade", "partially_filled",
                                                                 last_qty=D("10"), last_px=D("10.00")))
    _, cancel = counted(run, order_cancel_receive, request=CancelRequest(account="ALICE", cl_ord_id="counted-x",
                                                                        orig_cl_ord_id="counted"))
    print(f"\nstatements: receive {len(receive)}, ack {len(ack)}, fill {len(fill)}, cancel {len(cancel)}")
    for name, statements, budget in (("cancel", cancel, CANCEL_BUDGET), ("fill", fill, FILL_BUDGET),
                                     ("ack", ack, ACK_BUDGET), ("receive", receive, RECEIVE_BUDGET)):
        assert len(statements) <= budget, f"{name}: {len(statements)}\n" + "\n".join(s[:140] for s in statements)
