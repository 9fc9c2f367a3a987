#!/usr/bin/env python3
"""Trading throughput and latency on PostgreSQL, every order and fill durably committed.

- orders/s through the service layer (``order_receive``: checks, risk, the order, its request and events,
  audit records; then, after commit, the simulated venue's acknowledgement in a second transaction),
  with 1 thread and with several threads on separate accounts;
- orders/s through the HTTP API in-process (Django test client, bearer token, Idempotency-Key);
- latency from a fill arriving (``execution_report_apply``) to its order and position committed, p50/p99;
- the pgbench TPC-B figure of the same server, for scale.

    OMS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/oms_trading_bench .venv/bin/python bench/trading.py \
        [--orders 1000] [--threads 4] [--fills 1000] [--pgbench-seconds 10] [--keep]

The database named in the URL is dropped and re-created (and migrated) first unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid
from decimal import Decimal

from common import django_setup, fresh_database, percentiles, pgbench_tps

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_trading_bench"


def seed(accounts: int) -> str:
    from django.contrib.auth import get_user_model  # noqa: PLC0415 - Django is set up by now

    from oms.core.services.tokens import token_create  # noqa: PLC0415
    from oms.parties.services import party_create  # noqa: PLC0415
    from oms.trading.services import account_create, instrument_create, venue_create  # noqa: PLC0415

    owner = party_create(code="BENCH-TRD", name="Bench trader", currency="USD")
    venue_create(code="SIM", name="Simulated venue")
    instrument_create(symbol="BENCH", name="Bench Corp", currency="USD", tick_size="0.01", isin="US0378331005",
                      reference_price="100.00")
    for i in range(accounts):
        account_create(code=f"ACC{i}", name=f"Account {i}", owner=owner, base_currency="USD", default_venue="SIM",
                       short_selling_allowed=True)
    get_user_model().objects.create_superuser(username="bench-trading", password="bench-bench")
    return token_create(username="bench-trading")[1]


def new_order(account: str, i: int, price: str = "99.00"):
    from oms.trading.gateway import NewOrder  # noqa: PLC0415

    return NewOrder(account=account, cl_ord_id=f"{account}-{i}-{uuid.uuid4().hex[:8]}", instrument="BENCH",
                    side="buy", order_type="limit", quantity=Decimal(100), price=Decimal(price), time_in_force="gtc")


def services_run(n: int, threads: int) -> float:
    """Orders that rest (the market is above nothing: no price fed), each acknowledged by the venue."""
    from django.db import connection  # noqa: PLC0415

    from oms.trading.services import order_receive  # noqa: PLC0415

    per_thread = n // threads
    errors: list[str] = []

    def worker(t: int) -> None:
        try:
            for i in range(per_thread):
                order = order_receive(new=new_order(f"ACC{t}", i))
                if order.reject_code:
                    errors.append(order.reject_code)
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for p in pool:
        p.start()
    for p in pool:
        p.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"  {len(errors)} rejected, e.g. {errors[0]}")
    return per_thread * threads / elapsed


def api_run(n: int, token: str) -> tuple[float, dict]:
    from django.test import Client  # noqa: PLC0415

    client = Client()
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        body = {"account": "ACC0", "cl_ord_id": f"api-{i}-{uuid.uuid4().hex[:8]}", "instrument": "BENCH",
                "side": "buy", "order_type": "limit", "quantity": "100", "price": "98.00", "time_in_force": "gtc"}
        t0 = time.perf_counter()
        response = client.post("/api/v1/trading/orders", data=json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise SystemExit(f"API answered {response.status_code}: {response.content[:300]!r}")
    elapsed = time.perf_counter() - started
    return n / elapsed, {k: v * 1000 for k, v in percentiles(latencies).items()}


def fill_latency(n: int) -> dict:
    """Each fill applied alone: from the report arriving to the order, fill and position committed."""
    from oms.trading.gateway import ExecutionReport  # noqa: PLC0415
    from oms.trading.models import TradingOrder  # noqa: PLC0415
    from oms.trading.services import execution_report_apply  # noqa: PLC0415

    orders = list(TradingOrder.objects.filter(status="new").order_by("id").values_list("routed_cl_ord_id",
                                                                                         flat=True)[:n])
    latencies = []
    for i, routed in enumerate(orders):
        report = ExecutionReport(venue="SIM", exec_id=f"BF{i}", exec_type="trade", ord_status="partially_filled",
                                 cl_ord_id=routed, last_qty=Decimal(10), last_px=Decimal("99.00"))
        t0 = time.perf_counter()
        execution_report_apply(report=report)
        latencies.append(time.perf_counter() - t0)
    return {"n": len(latencies), **{k: v * 1000 for k, v in percentiles(latencies).items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("OMS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--fills", type=int, default=1000)
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="0 skips pgbench")
    parser.add_argument("--keep", action="store_true", help="use the database as it is (already migrated)")
    args = parser.parse_args()
    if not args.db.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benchmark needs PostgreSQL: set OMS_DATABASE_URL or --db")
    tps = pgbench_tps(args.pgbench_seconds) if args.pgbench_seconds else None
    if not args.keep:
        fresh_database(args.db)
    os.environ.setdefault("OMS_AUDIT_SEAL", "background")  # as the production processes run
    django_setup(args.db)
    from django.db import connection  # noqa: PLC0415

    from oms.trading.gateway import gateway_register  # noqa: PLC0415
    from oms.trading.simulator import SimulatedVenue  # noqa: PLC0415

    token = seed(max(args.threads, 1))
    gateway_register(venue="SIM", gateway=SimulatedVenue(venue="SIM"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        print(f"PostgreSQL synchronous_commit = {cursor.fetchone()[0]} (every commit durable)")
    services_run(50, 1)  # warm-up
    one = services_run(args.orders, 1)
    print(f"service layer, 1 thread:  {one:8.1f} orders/s  (receive + venue ack: 2 transactions per order)")
    many = services_run(args.orders, args.threads)
    print(f"service layer, {args.threads} threads: {many:8.1f} orders/s  (one account per thread)")
    per_s, lat = api_run(args.orders, token)
    print(f"HTTP API in-process, 1 client: {per_s:8.1f} orders/s, p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms")
    fills = fill_latency(args.fills)
    print(f"fill -> position committed ({fills['n']} fills): p50 {fills['p50']:.2f} ms, p95 {fills['p95']:.2f} ms, "
          f"p99 {fills['p99']:.2f} ms")
    if tps:
        print(f"pgbench {tps:.0f} tps; service layer {one / tps:.1%} (1 thread), {many / tps:.1%} "
              f"({args.threads} threads) of it")


if __name__ == "__main__":
    main()
