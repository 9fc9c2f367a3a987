#!/usr/bin/env python3
"""One big order through the services and the HTTP API: create it, confirm it, edit one line.

On a fresh PostgreSQL database with reference data from orderbook.seed_reference (one product per
line, each with stock and USD/IDR prices), every round: creates a draft order of --lines lines
(oms.sales.services.order_create), confirms it (order_confirm: reserves stock for every line),
changes one line's quantity with order_lines_edit (one LineChange), then the same kind of edit
through POST /api/v1/orders/{number}/edit (django.test.Client with a bearer token, so parsing and
the response with every line count too). Prints p50/p95 over the rounds and the SQL statements
each step runs, with PASS/MISS against the targets (edit < 1 s, confirm < 3 s). A MISS (or every
step, with --profile) is run once more under cProfile and the functions taking the time printed.

    .venv/bin/python bench/big_order.py [--lines 1000] [--rounds 5] [--profile] [--keep]
                                        [--db postgresql://postgres@127.0.0.1:5432/oms_bench_big]
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import site
import sys
import time
import warnings

from common import ROOT, django_setup, drop_database, fresh_database, percentiles, print_results
from orderbook import seed_reference

TARGETS_MS = {"confirm (reserve stock)": 3000, "edit one line (service)": 1000, "edit one line (API)": 1000}


class Statements:
    """Counts the SQL statements run while installed (a cheap execute wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def steps(lines: int, client, rng: random.Random) -> list[tuple[str, object]]:
    """The steps of one round, as (name, callable); each callable sees the order the steps before made."""
    from oms.sales.lines import LineSpec
    from oms.sales.models import SalesOrder
    from oms.sales.services import LineChange, OrderSpec, order_confirm, order_create, order_lines_edit

    state: dict = {}
    specs = [LineSpec(sku=f"SKU-{i:04d}", quantity=str(rng.randint(1, 5))) for i in range(lines)]

    def create():
        state["order"] = order_create(spec=OrderSpec(customer="C00001", lines=specs, channel="edi"))

    def confirm():
        state["order"] = order_confirm(order=state["order"])
        state["line_ids"] = list(state["order"].lines.order_by("position").values_list("id", flat=True))

    def edit_service():
        change = LineChange(line_id=state["line_ids"][lines // 2], quantity=str(rng.randint(6, 9)))
        state["order"] = order_lines_edit(order=state["order"], change=[change])

    def edit_api():
        body = {"change": [{"line_id": state["line_ids"][lines // 3], "quantity": str(rng.randint(6, 9))}]}
        response = client.post(f"/api/v1/orders/{state['order'].number}/edit", data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        assert len(response.json()["lines"]) == lines
        assert SalesOrder.objects.get(pk=state["order"].pk).status == "confirmed"

    return [("create draft", create), ("confirm (reserve stock)", confirm),
            ("edit one line (service)", edit_service), ("edit one line (API)", edit_api)]


def profile(name: str, run) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.perf_counter()
    run()
    took = (time.perf_counter() - started) * 1000
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    body = "\n".join(line.replace(str(ROOT / "src") + "/", "").replace(site.getsitepackages()[0] + "/", "")
                     for line in out.getvalue().splitlines() if line.strip() and "Ordered by" not in line)
    print(f"\n--- cProfile of {name!r} ({took:.0f} ms under the profiler) ---\n{body}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="orders to run through the steps (at least 2)")
    parser.add_argument("--profile", action="store_true", help="profile every step, not only misses")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--db", default=os.environ.get("OMS_BENCH_BIG_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/oms_bench_big"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files not collected
    fresh_database(args.db)
    django_setup(args.db)
    from django.db import connection
    from django.test import Client
    from oms.core.services.tokens import token_create

    rng, started = random.Random(1), time.perf_counter()
    seed_reference(rng, n_products=max(args.lines, 200))
    print(f"reference data through the services ({max(args.lines, 200)} products with stock and prices): "
          f"{time.perf_counter() - started:.1f} s")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(username='bench', name='bench')[1]}")
    for _, run in steps(10, client, rng):  # warm up imports, caches and connections on a small order
        run()

    times: dict[str, list[float]] = {}
    statements: dict[str, int] = {}
    for round_no in range(max(args.rounds, 2)):
        for name, run in steps(args.lines, client, rng):
            counter = Statements()
            with connection.execute_wrapper(counter):
                began = time.perf_counter()
                run()
                took = (time.perf_counter() - began) * 1000
            times.setdefault(name, []).append(took)
            statements[name] = counter.count
            print(f"  round {round_no + 1}: {name:<26} {took:8.1f} ms  {counter.count:5} SQL statements", flush=True)

    rows = []
    for name, samples in times.items():
        p, target = percentiles(samples), TARGETS_MS.get(name)
        rows.append((f"{name} [{statements[name]} stmts]", len(samples), p["p50"], p["p95"],
                     f"< {target / 1000:g} s" if target else "(none)", None if target is None else p["p95"] < target))
    print(f"\n{args.lines}-line order, {max(args.rounds, 2)} rounds, PostgreSQL; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}:")
    print_results(rows)

    missed = {name for name, samples in times.items()
              if args.profile or percentiles(samples)["p95"] >= TARGETS_MS.get(name, float("inf"))}
    if missed:
        for name, run in steps(args.lines, client, rng):
            if name in missed:
                profile(name, run)
            else:
                run()
    connection.close()
    if not args.keep:
        drop_database(args.db)


if __name__ == "__main__":
    sys.exit(main())
