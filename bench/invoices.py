#!/usr/bin/env python3
"""Invoices issued per second on PostgreSQL, through the services, without and with the PDF.

A fresh database (dropped, created, migrated) gets the bench seed (50 products with deep stock, a
price list, a customer, a 11 % tax category) and, for each round, ``--invoices`` confirmed 3-line
sales orders (untimed). Then, timed, worker processes share the orders and each one:

* ``draft,issue``: ``invoice_create_from_order`` (locks the order, reads what is left to invoice,
  taxes the lines, writes the draft with its lines and tax rows, audit record and event), then
  ``invoice_issue`` (locks the draft, re-taxes it on the issue date, freezes the totals, takes the
  next number of the gap-free series, audit record and event): two transactions;
* ``at once``: ``invoice_create_from_order(issue=True)``, the invoice issued in the same
  transaction (what the API's ``"issue": true`` and the back office's "Invoice" step do);
* ``at once+pdf``: the same, then the PDF rendered from the stored invoice as a download or a mail
  attachment would be (``invoice_pdf``: ReportLab, in the customer's language);
* ``pdf``: the PDF alone, of invoices issued before (a download of an existing invoice).

Prints invoices/s, p50/p95/p99 per invoice and the CPU each invoice cost in the workers and in
PostgreSQL; then the SQL statements of each step. With ``--pgbench SECONDS`` (default 10; 0 skips)
PostgreSQL's own TPC-B figure of the same run is printed beside them, for scale.

    OMS_DATA_DIR=/tmp/bench-var .venv/bin/python bench/invoices.py [--invoices 300] [--procs 1,2] [--pgbench 10]
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import functools
import random

from rounds import N_PRODUCTS, bench_args, bench_prepare, print_head, print_round, timed_round

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_invoice_bench"
STEPS = ("draft,issue", "at once", "at once+pdf", "pdf")


def make_orders(count: int, seed: int) -> list[int]:
    """Confirmed sales orders of 3 distinct random products each (untimed)."""
    from oms.sales.lines import LineSpec
    from oms.sales.services import OrderSpec, order_create

    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        lines = [LineSpec(sku=f"P{s:05d}", quantity=str(rng.randint(1, 9))) for s in rng.sample(range(N_PRODUCTS), 3)]
        ids.append(order_create(spec=OrderSpec(customer="BENCH", lines=lines), confirm=True).pk)
    return ids


def _issue(order_id: int, *, at_once: bool):
    from oms.invoicing.services import invoice_create_from_order, invoice_issue
    from oms.sales.models import SalesOrder

    order = SalesOrder(pk=order_id)
    if at_once:
        return invoice_create_from_order(order=order, issue=True)
    return invoice_issue(invoice=invoice_create_from_order(order=order))


def _render(number: str) -> int:
    from oms.invoicing.pdf import invoice_pdf
    from oms.invoicing.selectors import invoice_find

    return len(invoice_pdf(invoice_find(key=number)))


def _run_step(step: str, key: int | str) -> str:
    """One invoice through ``step`` (``key``: an order id, or for ``pdf`` an invoice number); returns
    the number of the issued invoice."""
    if step == "pdf":
        _render(key)
        return key
    invoice = _issue(key, at_once=step != "draft,issue")
    if step == "at once+pdf":
        _render(invoice.number)
    return invoice.number


def statements_per_step() -> dict[str, int]:
    """SQL statements of one 3-line invoice: a draft from the order and its issue, an invoice issued
    at once, a PDF (after-commit work included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from oms.invoicing.services import invoice_create_from_order, invoice_issue
    from oms.sales.models import SalesOrder

    first, second = make_orders(2, seed=12345)
    steps = {"draft from order": lambda: invoice_create_from_order(order=SalesOrder(pk=first)),
             "its issue": lambda: invoice_issue(invoice=invoice),
             "issued at once": lambda: invoice_create_from_order(order=SalesOrder(pk=second), issue=True),
             "pdf": lambda: _render(invoice.number)}
    counts = {}
    for name, run in steps.items():
        with CaptureQueriesContext(connection) as captured:
            invoice = run()
        counts[name] = len(captured.captured_queries)
    return counts


def main() -> None:
    args = bench_args(__doc__, default_url=DEFAULT_URL, count="invoices")
    tps = bench_prepare(args)
    print(f"PostgreSQL {args.db.rsplit('/', 1)[1]}: {args.invoices} invoices of 3 lines per step and round")
    print_head(tps)
    for round_no, procs in enumerate(int(p) for p in args.procs.split(",")):
        issued = []
        for step in STEPS:
            keys = issued[:args.invoices] if step == "pdf" else make_orders(args.invoices, seed=round_no * 10 + len(issued))
            figures = timed_round(args.db, functools.partial(_run_step, step), keys, procs)
            issued += figures["results"] if step != "pdf" else []
            print_round(procs, step, figures, tps)
    counts = statements_per_step()  # warm: counters, tax rates and the audit head exist
    print("SQL statements per 3-line invoice: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
