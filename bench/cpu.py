#!/usr/bin/env python3
"""CPU time per placed order in one process: through the services and through the API (Django test
client, no network). Wall-clock throughput is noisy on a shared machine; the CPU a worker spends per
order is what caps throughput on 2 cores, and it is stable between runs.

    .venv/bin/python bench/cpu.py [--orders 500] [--profile services|api]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
import uuid

from common import DEFAULT_URL, django_setup, drop_database, fresh_database, seed
from orders import N_PRODUCTS, order_body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("OMS_BENCH_DATABASE_URL", DEFAULT_URL + "_cpu"))
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--profile", choices=["services", "api"], help="print a CPU profile of one path")
    parser.add_argument("--sort", default="tottime", help="pstats sort key for --profile (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    fresh_database(args.db)
    django_setup(args.db)
    token = seed(N_PRODUCTS)
    from django.db import connection, reset_queries  # noqa: PLC0415 - Django must be set up first
    from django.test import Client  # noqa: PLC0415

    from oms.sales.lines import LineSpec  # noqa: PLC0415
    from oms.sales.services import OrderSpec, order_create  # noqa: PLC0415

    rng = random.Random(7)
    client = Client()

    def by_service():
        lines = [LineSpec(sku=f"P{s:05d}", quantity=str(rng.randint(1, 3))) for s in rng.sample(range(N_PRODUCTS), 3)]
        order_create(spec=OrderSpec(customer="BENCH", lines=lines), confirm=True)

    def by_api():
        response = client.post("/api/v1/orders", data=order_body(rng), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 201, response.content

    try:
        for name, place in (("services", by_service), ("api", by_api)):
            for _ in range(50):  # warm-up: imports, caches, prepared plans
                place()
            if args.profile == name:
                profiler = cProfile.Profile(time.process_time)  # CPU time, not time spent waiting
                profiler.enable()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.orders):
                place()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if args.profile == name:
                profiler.disable()
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
            print(f"{name:<9} {args.orders} orders: CPU {cpu / args.orders * 1000:.2f} ms/order, "
                  f"wall {wall / args.orders * 1000:.2f} ms/order")
            reset_queries()
    finally:
        connection.close()
        drop_database(args.db)


if __name__ == "__main__":
    sys.exit(main())
