#!/usr/bin/env python3
"""Two code trees placing orders at the same time: a before/after comparison that the shared
machine's drift cannot skew (both sides run under the same load, in one window).

Each side runs its own processes (PYTHONPATH = its ``src`` folder) against one PostgreSQL database.
Through the services (the default), the script prints per side the orders placed and the CPU
milliseconds per order of its processes and of the PostgreSQL backends serving them. With
``--http``, each side is an ``oms serve`` of its own (``--procs`` workers) and one load generator
keeps ``--clients`` connections open to each; it prints per side orders, p50/p99 latency and the
CPU milliseconds per order of its gunicorn workers.

    .venv/bin/python bench/ab.py --a /tmp/before/src --b src [--procs 2] [--seconds 20] [--rounds 2] [--http]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import uvloop
from common import BIN, DEFAULT_URL, cpu_snapshot, cpu_used, django_setup, fresh_database, percentiles, seed, wait_for
from orders import client, workers_of

N_PRODUCTS = 50


def worker(seconds: float) -> None:
    """One process of one side: reports its PostgreSQL backend, waits for the start, places orders."""
    os.environ.setdefault("OMS_AUDIT_SEAL", "background")  # as `oms serve` runs
    django_setup(os.environ["OMS_DATABASE_URL"])
    from django.db import connection  # noqa: PLC0415 - Django must be set up first

    from oms.sales.lines import LineSpec  # noqa: PLC0415
    from oms.sales.services import OrderSpec, order_create  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        print(cursor.fetchone()[0], flush=True)
    sys.stdin.readline()  # the start signal
    rng, done, stop_at = random.Random(), 0, time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        lines = [LineSpec(sku=f"P{s:05d}", quantity=str(rng.randint(1, 3))) for s in rng.sample(range(N_PRODUCTS), 3)]
        order_create(spec=OrderSpec(customer="BENCH", lines=lines), confirm=True)
        done += 1
    print(done, flush=True)
    sys.stdin.readline()  # stay alive until the parent has read this process's CPU time


def round_of(sides: dict[str, str], procs: int, seconds: float, url: str) -> dict[str, tuple[int, float, float]]:
    """side -> (orders, CPU ms per order of its processes, of its PostgreSQL backends)."""
    started = {}
    for name, src in sides.items():
        env = {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "OMS_DATABASE_URL": url}
        started[name] = [subprocess.Popen([sys.executable, __file__, "--worker", str(seconds)], env=env, text=True,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(procs)]
    backends = {name: {int(p.stdout.readline()) for p in ps} for name, ps in started.items()}
    before = cpu_snapshot()
    for ps in started.values():
        for p in ps:
            p.stdin.write("go\n")
            p.stdin.flush()
    orders = {name: sum(int(p.stdout.readline()) for p in ps) for name, ps in started.items()}
    groups = {}
    for name, ps in started.items():
        groups[name] = {p.pid for p in ps}
        groups[f"{name} postgres"] = backends[name]
    used = cpu_used(before, cpu_snapshot(), groups)
    for ps in started.values():
        for p in ps:
            p.communicate("done\n")
    return {name: (n, used[name] * 1000 / max(n, 1), used[f"{name} postgres"] * 1000 / max(n, 1))
            for name, n in orders.items()}


def http_round(ports: dict[str, int], servers: dict[str, subprocess.Popen], token: str, clients: int,
               seconds: float) -> dict[str, tuple[int, float, float, float]]:
    """side -> (orders, p50 ms, p99 ms, CPU ms per order of its workers)."""
    latencies = {name: [] for name in ports}
    errors: list[str] = []

    async def load():
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(client(port, token, stop_at, latencies[name], errors, None)
                               for name, port in ports.items() for _ in range(clients)))

    before = cpu_snapshot()
    uvloop.run(load())
    used = cpu_used(before, cpu_snapshot(), {name: workers_of(server.pid) for name, server in servers.items()})
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[0]}")
    result = {}
    for name, samples in latencies.items():
        p = percentiles(samples)
        result[name] = (len(samples), p["p50"] * 1000, p["p99"] * 1000, used[name] * 1000 / max(len(samples), 1))
    return result


def http_compare(sides: dict[str, str], args, token: str) -> None:
    ports = {name: 8941 + i for i, name in enumerate(sides)}
    servers = {}
    try:
        for name, src in sides.items():
            env = {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "OMS_DATABASE_URL": args.db,
                   "OMS_WORKERS": str(args.procs), "PORT": str(ports[name]), "OMS_ACCESS_LOG": "0",
                   "OMS_DB_CONN_MAX_AGE": "600"}
            servers[name] = subprocess.Popen([str(BIN / "oms"), "serve"], env=env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        for port in ports.values():
            wait_for(f"http://127.0.0.1:{port}/health")
        http_round(ports, servers, token, 1, 3)  # warm-up
        print(f"{'round':>5} {'side':>6} {'orders':>7} {'p50 ms':>8} {'p99 ms':>8} {'worker CPU ms/order':>20}")
        for i in range(1, args.rounds + 1):
            for name, (n, p50, p99, cpu) in http_round(ports, servers, token, args.clients, args.seconds).items():
                print(f"{i:>5} {name:>6} {n:>7} {p50:>8.1f} {p99:>8.1f} {cpu:>20.2f}")
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(float(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the 'before' tree's src folder")
    parser.add_argument("--b", required=True, help="the 'after' tree's src folder")
    parser.add_argument("--db", default=os.environ.get("OMS_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--procs", type=int, default=2, help="processes per side")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--http", action="store_true", help="through the HTTP API, one server per side")
    parser.add_argument("--clients", type=int, default=2, help="connections per side (--http)")
    args = parser.parse_args()
    fresh_database(args.db)  # migrated by the current tree; both sides must run on its schema
    django_setup(args.db)
    token = seed(N_PRODUCTS)
    if args.http:
        http_compare({"a": args.a, "b": args.b}, args, token)
        return
    print(f"{'round':>5} {'side':>6} {'orders':>7} {'CPU ms/order':>13} {'PostgreSQL ms/order':>20}")
    for i in range(1, args.rounds + 1):
        for name, (n, own, pg) in round_of({"a": args.a, "b": args.b}, args.procs, args.seconds, args.db).items():
            print(f"{i:>5} {name:>6} {n:>7} {own:>13.2f} {pg:>20.2f}")


if __name__ == "__main__":
    main()
