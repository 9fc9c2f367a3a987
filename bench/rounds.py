"""A timed round of work shared by worker processes, each with its own database connection: the
throughput, latency and CPU figures of the service-layer benchmarks (invoices.py, fulfilment.py)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Callable

from common import cpu_snapshot, cpu_used, django_setup, fresh_database, percentiles, pgbench_tps, seed

N_PRODUCTS = 50


def bench_args(doc: str, *, default_url: str, count: str) -> argparse.Namespace:
    """--db, --<count> (per step and round), --procs and --pgbench, the database checked to be PostgreSQL."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("OMS_DATABASE_URL", default_url))
    parser.add_argument(f"--{count}", type=int, default=300, help=f"{count} per step and round")
    parser.add_argument("--procs", default="1,2", help="worker process counts, one round each")
    parser.add_argument("--pgbench", type=int, default=10, metavar="SECONDS", help="pgbench run first (0: none)")
    args = parser.parse_args()
    if not args.db.startswith("postgres"):
        parser.error("this bench runs on PostgreSQL (--db postgresql://...)")
    return args


def bench_prepare(args: argparse.Namespace) -> float | None:
    """pgbench first (its tps, or None), then a fresh database with the bench seed, Django set up for it."""
    tps = pgbench_tps(args.pgbench) if args.pgbench else None
    fresh_database(args.db)
    django_setup(args.db)
    seed(N_PRODUCTS)
    return tps


def worker(url: str, run: Callable, keys: list, barrier, results) -> None:
    os.environ.setdefault("OMS_AUDIT_SEAL", "background")  # as the production processes run
    django_setup(url)
    from django.db import connection  # noqa: PLC0415 - Django is set up first

    connection.ensure_connection()
    latencies, outcomes, errors = [], [], 0
    barrier.wait()
    for key in keys:
        started = time.perf_counter()
        try:
            outcomes.append(run(key))
        except Exception as exc:  # noqa: BLE001 - a bench counts failures instead of stopping
            errors += 1
            print(f"  {key} failed: {exc!r}")
            continue
        latencies.append(time.perf_counter() - started)
    results.put((os.getpid(), latencies, outcomes, errors))


def timed_round(url: str, run: Callable, keys: list, procs: int) -> dict:
    """``run(key)`` for every key, shared by ``procs`` processes (``run`` must be picklable: a module-level
    function or a ``functools.partial`` of one). Returns done, errors, seconds, p50/p95/p99 ms, what each
    ``run`` returned, and the CPU ms per done key of the workers and of PostgreSQL."""
    ctx = multiprocessing.get_context("spawn")  # a forked child would share the parent's DB connection
    barrier, results = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [ctx.Process(target=worker, args=(url, run, keys[i::procs], barrier, results)) for i in range(procs)]
    for process in workers:
        process.start()
    barrier.wait()
    cpu_before, started = cpu_snapshot(), time.perf_counter()
    outcomes = [results.get() for _ in workers]
    elapsed, cpu_after = time.perf_counter() - started, cpu_snapshot()
    for process in workers:
        process.join()
    cpu = cpu_used(cpu_before, cpu_after, {"workers": {pid for pid, *_ in outcomes}, "postgres": "postgres"})
    latencies = [x for _, lat, _, _ in outcomes for x in lat]
    count = len(latencies)
    return {"done": count, "results": [r for _, _, done, _ in outcomes for r in done],
            "errors": sum(e for *_, e in outcomes), "seconds": elapsed,
            **{k: v * 1000 for k, v in percentiles(latencies).items()},
            **{f"cpu_{k}": v * 1000 / max(count, 1) for k, v in cpu.items()}}


def print_round(procs: int, step: str, figures: dict, tps: float | None) -> None:
    rate = figures["done"] / figures["seconds"]
    ratio = f"  {rate / tps:.4f}" if tps else ""
    print(f"{procs:>5} {step:<12} {rate:>7.1f} {figures['p50']:>7.1f} {figures['p95']:>7.1f} {figures['p99']:>7.1f} "
          f"{figures['errors']:>6} {figures['cpu_workers']:>18.2f} {figures['cpu_postgres']:>8.2f}{ratio}", flush=True)


def print_head(tps: float | None) -> None:
    print(f"{'procs':>5} {'step':<12} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'CPU ms: workers':>18} {'postgres':>8}{'  ratio to pgbench' if tps else ''}")
