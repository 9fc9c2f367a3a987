"""The shared frame of the read-path benchmarks on a large order book (queries.py, backoffice.py):
their command-line options, loading or reusing the database, and timing each case against its target.

A case is ``(name, target kind, maker)``: the maker draws one probe (a URL path, or None) from the
data; ``fetch(probe)`` runs it. A case whose p95 misses its target is run once more with its slowest
probe, and the statements of that run are printed (with EXPLAIN ANALYZE of the slowest on request).
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import argparse
import os
import random
import subprocess
import time
import warnings
from collections.abc import Callable

from common import BIN, django_setup, drop_database, fresh_database, percentiles, print_results
from orderbook import load

Case = tuple[str, str, Callable[[random.Random], str] | None]


def read_bench_args(doc: str, *, db_env: str, db_default: str, samples: int, warmup: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    # Its own variable, never OMS_DATABASE_URL: the benchmark drops and recreates this database.
    parser.add_argument("--db", default=os.environ.get(db_env, db_default))
    parser.add_argument("--samples", type=int, default=samples,
                        help=f"samples per measurement (after {warmup} warm-up)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="migrate and measure a kept database, no reload")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def measure_cases(cases: list[Case], *, rng: random.Random, samples: int, warmup: int, targets: dict[str, float],
                  fetch: Callable[[str | None], None], explain: bool = False) -> list[tuple]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for name, kind, make in cases:
        times, worst = [], (0.0, None)
        for i in range(samples + warmup):
            probe = make(rng) if make else None
            started = time.perf_counter()
            fetch(probe)
            elapsed = (time.perf_counter() - started) * 1000
            if i >= warmup:
                times.append(elapsed)
                worst = max(worst, (elapsed, probe), key=lambda w: w[0])
        p, target = percentiles(times), targets[kind]
        results.append((name, len(times), p["p50"], p["p95"], f"p95 < {target:g} ms", p["p95"] < target))
        print(f"  {name:<34} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms", flush=True)
        if p["p95"] >= target:  # show where the slowest sample's time goes
            with CaptureQueriesContext(connection) as ctx:
                fetch(worst[1])
            slow = max(ctx.captured_queries, key=lambda q: float(q["time"]))
            plan = ""
            if explain:
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slow["sql"])
                    plan = "\n      " + "\n      ".join(row[0] for row in cur.fetchall())
            db_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            print(f"    MISS; slowest sample {worst[1] or name} ({worst[0]:.1f} ms); run again: "
                  f"{len(ctx.captured_queries)} statements, {db_ms:.0f} ms in the database; the slowest "
                  f"({float(slow['time']) * 1000:.0f} ms):\n      {slow['sql'][:400]}{plan}", flush=True)
    return results


def read_bench_run(args: argparse.Namespace, measure: Callable[[int, random.Random], list[tuple]]) -> None:
    """Load (or migrate a kept) order book, print its size, run ``measure``, print the results, clean up."""
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files not collected
    rng, began = random.Random(args.seed), time.perf_counter()
    if args.reuse:
        subprocess.run([str(BIN / "oms"), "migrate", "-v0"], check=True,
                       env={**os.environ, "OMS_DATABASE_URL": args.db})
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
    from oms.core.gc_tuning import gc_tune_for_serving

    gc_tune_for_serving()  # the garbage collector as in `oms serve`'s workers (the loader's rows freed first)
    print_results(measure(args.samples, rng))
    print(f"\ntotal run time {(time.perf_counter() - began) / 60:.1f} min; {os.cpu_count()} CPUs, load average "
          f"now {os.getloadavg()[0]:.2f}")
    if not args.keep and not args.reuse:
        connection.close()
        drop_database(args.db)
