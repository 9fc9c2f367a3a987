#!/usr/bin/env python3
"""Orders fulfilled per second on PostgreSQL, through the services: shipped, then shipped and invoiced.

A fresh database (dropped, created, migrated) gets the bench seed (50 products with deep stock, a
price list, a customer) and, for each step and round, ``--orders`` confirmed 3-line sales orders
(untimed). Then, timed, worker processes share the orders and each one:

* ``ship``: the back office's one-click "ship everything open" (``order_ship_open``: a shipment of
  every line on hand, created and shipped in one transaction: the order's reservations consumed,
  stock and ledger written, the order fulfilled, the shipment numbered, events and audit records);
* ``ship,invoice``: the same, then the order invoiced and issued at once
  (``invoice_create_from_order(issue=True)``): the day's work of a warehouse and its billing.

Prints orders/s, p50/p95/p99 per order and the CPU each cost in the workers and in PostgreSQL;
then the SQL statements of each step. With ``--pgbench SECONDS`` (default 10; 0 skips)
PostgreSQL's own TPC-B figure of the same run is printed beside them, for scale.

    .venv/bin/python bench/fulfilment.py [--orders 300] [--procs 1,2] [--pgbench 10]
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import functools

from invoices import make_orders
from rounds import bench_args, bench_prepare, print_head, print_round, timed_round

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_fulfilment_bench"
STEPS = ("ship", "ship,invoice")


def _run_step(step: str, order_id: int) -> str:
    """One order through ``step``; returns the shipment's number."""
    from oms.backoffice.services import order_ship_open
    from oms.invoicing.services import invoice_create_from_order
    from oms.sales.models import SalesOrder

    shipment = order_ship_open(order=SalesOrder(pk=order_id))
    if step == "ship,invoice":
        invoice_create_from_order(order=SalesOrder(pk=order_id), issue=True)
    return shipment.number


def statements_per_step() -> dict[str, int]:
    """SQL statements of one 3-line order shipped, then invoiced at once (after-commit work included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from oms.backoffice.services import order_ship_open
    from oms.invoicing.services import invoice_create_from_order
    from oms.sales.models import SalesOrder

    (order_id,) = make_orders(1, seed=54321)
    with CaptureQueriesContext(connection) as shipped:
        order_ship_open(order=SalesOrder(pk=order_id))
    with CaptureQueriesContext(connection) as invoiced:
        invoice_create_from_order(order=SalesOrder(pk=order_id), issue=True)
    return {"ship": len(shipped.captured_queries), "invoice at once": len(invoiced.captured_queries)}


def main() -> None:
    args = bench_args(__doc__, default_url=DEFAULT_URL, count="orders")
    tps = bench_prepare(args)
    print(f"PostgreSQL {args.db.rsplit('/', 1)[1]}: {args.orders} confirmed orders of 3 lines per step and round")
    print_head(tps)
    for round_no, procs in enumerate(int(p) for p in args.procs.split(",")):
        for step_no, step in enumerate(STEPS):
            keys = make_orders(args.orders, seed=round_no * 10 + step_no)
            print_round(procs, step, timed_round(args.db, functools.partial(_run_step, step), keys, procs), tps)
    counts = statements_per_step()  # warm: counters and the audit head exist
    print("SQL statements per 3-line order: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
