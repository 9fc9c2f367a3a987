#!/usr/bin/env python3
"""Purchasing throughput on PostgreSQL, through the services: goods receipts per second and supplier
bills matched per second.

A fresh database (dropped, created, migrated) gets the bench seed (products with deep stock), a
supplier with a price list for every product, and for each round ``--orders`` sent purchase orders
of ``--lines`` lines each (untimed). Then, timed, worker processes share the orders:

* receipts: ``receipt_create`` of everything open on each order (locks the order, its lines, the
  products' cost rows and stock rows; writes the receipt, its ledger moves, the moving-average
  cost, events and audit);
* bills: ``supplier_bill_create`` against each received order with a three-way match; one bill in
  five carries a price difference and goes on hold, the rest are open to pay.

Prints receipts/s, receipt lines/s, bills/s and per-operation latency percentiles for each number of
worker processes. Figures are rough when the machine is shared.

    OMS_DATA_DIR=/tmp/bench-var .venv/bin/python bench/purchasing.py [--orders 300] [--lines 3] [--procs 1,2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time

from common import django_setup, fresh_database, percentiles

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_purch_bench"
N_PRODUCTS = 50


def setup_supplier() -> None:
    from oms.purchasing.services import supplier_create, supplier_item_set  # noqa: PLC0415

    supplier_create(code="SUPP", name="Bench Supplier", currency="USD", payment_terms_days=30)
    for i in range(N_PRODUCTS):
        supplier_item_set(supplier="SUPP", sku=f"P{i:05d}", supplier_sku=f"S-{i}", price=f"{2 + i % 20}.50",
                          preferred=True)


def make_orders(count: int, lines: int, seed: int) -> list[int]:
    """Sent purchase orders of ``lines`` distinct random products each (untimed)."""
    from oms.purchasing.services import POLineSpec, purchase_order_create, purchase_order_send  # noqa: PLC0415

    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        skus = rng.sample(range(N_PRODUCTS), lines)
        order = purchase_order_create(supplier="SUPP", lines=[
            POLineSpec(sku=f"P{s:05d}", quantity=str(rng.randint(5, 50))) for s in skus])
        ids.append(purchase_order_send(order=order).pk)
    return ids


def _receive(order_id: int) -> int:
    from oms.purchasing.models import PurchaseOrder  # noqa: PLC0415
    from oms.purchasing.services import receipt_create  # noqa: PLC0415

    return receipt_create(order=PurchaseOrder(pk=order_id)).lines.count()


def _bill(order_id: int) -> str:
    from oms.purchasing.models import PurchaseOrder, PurchaseOrderLine  # noqa: PLC0415
    from oms.purchasing.services import BillLineSpec, supplier_bill_create  # noqa: PLC0415

    lines = PurchaseOrderLine.objects.filter(order_id=order_id).order_by("position")
    mismatch = order_id % 5 == 0  # one in five: billed 10% above the order price, held
    specs = [BillLineSpec(line_id=line.pk, quantity=line.quantity_received,
                          unit_price=(line.unit_price * 11 / 10 if mismatch else line.unit_price).quantize(
                              line.unit_price)) for line in lines]
    return supplier_bill_create(order=PurchaseOrder(pk=order_id), supplier_reference=f"INV-{order_id}",
                                lines=specs).status


def worker(url: str, kind: str, order_ids: list[int], barrier, results) -> None:
    django_setup(url)
    from django.db import connection  # noqa: PLC0415

    connection.ensure_connection()
    operation = _receive if kind == "receipts" else _bill
    latencies, units, errors = [], 0, 0
    barrier.wait()
    for order_id in order_ids:
        started = time.perf_counter()
        try:
            outcome = operation(order_id)
        except Exception as exc:  # noqa: BLE001 - a bench counts failures instead of stopping
            errors += 1
            print(f"  {kind} of order {order_id} failed: {exc!r}")
            continue
        latencies.append(time.perf_counter() - started)
        units += outcome if isinstance(outcome, int) else int(outcome == "on_hold")
    results.put((latencies, units, errors))


def timed_round(url: str, kind: str, order_ids: list[int], procs: int) -> dict:
    ctx = multiprocessing.get_context("spawn")  # a forked child would share the parent's DB connection
    barrier, results = ctx.Barrier(procs + 1), ctx.Queue()
    shares = [order_ids[i::procs] for i in range(procs)]
    workers = [ctx.Process(target=worker, args=(url, kind, share, barrier, results)) for share in shares]
    for process in workers:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for process in workers:
        process.join()
    latencies = [x for lat, _, _ in outcomes for x in lat]
    return {"done": len(latencies), "units": sum(u for _, u, _ in outcomes), "errors": sum(e for _, _, e in outcomes),
            "seconds": elapsed, **{k: v * 1000 for k, v in percentiles(latencies).items()}}


def statements_per_operation() -> tuple[int, int]:
    """SQL statements of one 3-line receipt and of its bill (after-commit audit sealing included)."""
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    (order_id,) = make_orders(1, 3, seed=12345)
    with CaptureQueriesContext(connection) as receipt:
        _receive(order_id)
    with CaptureQueriesContext(connection) as bill:
        _bill(order_id)
    return len(receipt.captured_queries), len(bill.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("OMS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--orders", type=int, default=300, help="purchase orders per round")
    parser.add_argument("--lines", type=int, default=3, help="lines per purchase order")
    parser.add_argument("--procs", default="1,2", help="worker process counts, one round each")
    args = parser.parse_args()
    if not args.db.startswith("postgres"):
        parser.error("the purchasing bench runs on PostgreSQL (--db postgresql://...)")

    fresh_database(args.db)
    django_setup(args.db)
    from common import seed  # noqa: PLC0415

    seed(N_PRODUCTS)
    setup_supplier()
    print(f"PostgreSQL {args.db.rsplit('/', 1)[1]}: {args.orders} purchase orders of {args.lines} lines per round, "
          f"{N_PRODUCTS} products")
    print(f"{'procs':>5} {'step':<9} {'per s':>8} {'lines/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}  notes")
    for round_no, procs in enumerate(int(p) for p in args.procs.split(",")):
        order_ids = make_orders(args.orders, args.lines, seed=round_no)
        receipts = timed_round(args.db, "receipts", order_ids, procs)
        rate = receipts["done"] / receipts["seconds"]
        print(f"{procs:>5} {'receipts':<9} {rate:>8.1f} {receipts['units'] / receipts['seconds']:>8.1f} "
              f"{receipts['p50']:>8.1f} {receipts['p95']:>8.1f} {receipts['p99']:>8.1f} {receipts['errors']:>6}")
        bills = timed_round(args.db, "bills", order_ids, procs)
        rate = bills["done"] / bills["seconds"]
        print(f"{procs:>5} {'bills':<9} {rate:>8.1f} {rate * args.lines:>8.1f} {bills['p50']:>8.1f} "
              f"{bills['p95']:>8.1f} {bills['p99']:>8.1f} {bills['errors']:>6}  {bills['units']} held on a price "
              f"difference, {bills['done'] - bills['units']} open")
    receipt_sql, bill_sql = statements_per_operation()  # warm: counters, cost rows and audit head exist
    print(f"SQL statements: {receipt_sql} per 3-line receipt, {bill_sql} per 3-line bill")


if __name__ == "__main__":
    main()
