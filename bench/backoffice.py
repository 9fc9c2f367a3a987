#!/usr/bin/env python3
"""Back-office pages on a large order book: p50/p95 of the order list, global search, the dashboard
and the order work page, as an operator's browser gets them (full Django request: session login,
middleware, template rendering), on PostgreSQL.

Loads a fresh database with orderbook.py (1 M orders of 1-5 lines by COPY, 20,000 customers, the
same generator as queries.py), or measures one kept with --keep (--reuse).

    .venv/bin/python bench/backoffice.py [--orders 1000000] [--samples 100] [--keep | --reuse]
                                         [--db postgresql://postgres@127.0.0.1:5432/oms_bo_bench]
    (or OMS_BENCH_BO_DATABASE_URL; the database is dropped and made again unless --reuse)
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import warnings

from common import BIN, django_setup, drop_database, fresh_database, percentiles, print_results
from orderbook import CHANNELS, N_PRODUCTS, load

TARGETS = {"list": 100.0, "search": 100.0, "dashboard": 500.0, "order": 100.0}


def cases(rng: random.Random) -> list[tuple]:
    """(name, target kind, path maker), parameters drawn from the data."""
    from oms.parties.models import Party
    from oms.sales.models import SalesOrder
    from oms.sales.states import OrderStatus

    customers = list(Party.objects.filter(is_customer=True).values_list("code", "name", "email"))
    last_id = SalesOrder.objects.order_by("-id").values_list("id", flat=True)[0]
    numbers = list(SalesOrder.objects.filter(id__in=[rng.randint(1, last_id) for _ in range(2000)])
                   .values_list("number", flat=True))

    def word(r):
        name = r.choice(customers)[1].split()[-1]
        return name[: r.randint(4, len(name))] if len(name) > 4 else name

    return [
        ("order list: first page", "list", lambda r: "/backoffice/orders/"),
        ("order list: a page far back", "list", lambda r: f"/backoffice/orders/?before={r.randint(1, last_id)}"),
        ("order list: status", "list", lambda r: f"/backoffice/orders/?status={r.choice(OrderStatus.values)}"),
        ("order list: channel", "list", lambda r: f"/backoffice/orders/?channel={r.choice(list(CHANNELS))}"),
        ("order list: customer", "list", lambda r: f"/backoffice/orders/?customer={r.choice(customers)[0]}"),
        ("order list: queue to ship", "list", lambda r: "/backoffice/orders/?queue=to_ship"),
        ("order list: queue to invoice", "list", lambda r: "/backoffice/orders/?queue=to_invoice"),
        ("admin order changelist", "list", lambda r: "/admin/sales/salesorder/"),
        ("search: order number", "search", lambda r: f"/backoffice/search/?go=0&q={r.choice(numbers)}"),
        ("search: customer email", "search", lambda r: f"/backoffice/search/?go=0&q={r.choice(customers)[2]}"),
        ("search: part of a customer name", "search", lambda r: f"/backoffice/search/?q={word(r)}"),
        ("search: SKU", "search", lambda r: f"/backoffice/search/?go=0&q=SKU-{r.randrange(N_PRODUCTS):04d}"),
        ("search: tracking number", "search", lambda r: f"/backoffice/search/?q=1Z{r.randrange(10**9)}"),
        ("order work page", "order", lambda r: f"/backoffice/orders/{r.choice(numbers)}/"),
        ("dashboard (admin home)", "dashboard", lambda r: "/admin/"),
    ]


def measure(samples: int, rng: random.Random) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    results = []
    for name, kind, make in cases(rng):
        times, worst = [], (0.0, "")
        for i in range(samples + 3):  # the first 3 warm up
            path = make(rng)
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code in (200, 302), (path, response.status_code, response.content[:300])
            if i >= 3:
                times.append(elapsed)
                worst = max(worst, (elapsed, path), key=lambda w: w[0])
        p, target = percentiles(times), TARGETS[kind]
        results.append((name, len(times), p["p50"], p["p95"], f"p95 < {target:g} ms", p["p95"] < target))
        print(f"  {name:<34} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms", flush=True)
        if p["p95"] >= target:
            with CaptureQueriesContext(connection) as ctx:
                client.get(worst[1])
            slow = max(ctx.captured_queries, key=lambda q: float(q["time"]))
            db_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            print(f"    MISS; slowest sample {worst[1]} ({worst[0]:.1f} ms); again: {len(ctx.captured_queries)} "
                  f"statements, {db_ms:.0f} ms in the database; the slowest ({float(slow['time']) * 1000:.0f} ms):\n"
                  f"      {slow['sql'][:400]}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    # Its own variable, never OMS_DATABASE_URL: the benchmark drops and recreates this database.
    parser.add_argument("--db", default=os.environ.get("OMS_BENCH_BO_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/oms_bo_bench"))
    parser.add_argument("--samples", type=int, default=100, help="samples per measurement (after 3 warm-up)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="migrate and measure a kept database, no reload")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files not collected
    rng, began = random.Random(args.seed), time.perf_counter()
    if args.reuse:
        subprocess.run([str(BIN / "oms"), "migrate", "-v0"], check=True, env={**os.environ, "OMS_DATABASE_URL": args.db})
    else:
        fresh_database(args.db)
    django_setup(args.db)
    if not args.reuse:
        load(args.db, args.orders, args.customers, rng)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database())), (SELECT count(*) FROM "
                    "sales_salesorder), (SELECT count(*) FROM sales_salesorderline), "
                    "(SELECT count(*) FROM parties_party)")
        size, orders, lines, parties = cur.fetchone()
    print(f"\nmeasuring, {args.samples} samples each, on {orders:,} orders, {lines:,} lines, {parties:,} customers "
          f"(database {size}); load average {os.getloadavg()[0]:.2f}:")
    print_results(measure(args.samples, rng))
    print(f"\ntotal run time {(time.perf_counter() - began) / 60:.1f} min; {os.cpu_count()} CPUs, load average "
          f"now {os.getloadavg()[0]:.2f}")
    if not args.keep and not args.reuse:
        connection.close()
        drop_database(args.db)


if __name__ == "__main__":
    sys.exit(main())
