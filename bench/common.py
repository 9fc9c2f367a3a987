"""Shared pieces of the benchmarks: a fresh PostgreSQL database, seed data, figures."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_bench"


def fresh_database(url: str) -> None:
    """Drop and recreate the benchmark database, then migrate it."""
    import psycopg  # noqa: PLC0415 - only the benchmark needs it before Django is configured

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([str(BIN / "oms"), "migrate", "-v0"], check=True, env={**os.environ, "OMS_DATABASE_URL": url})


def django_setup(url: str) -> None:
    os.environ["OMS_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django  # noqa: PLC0415

    django.setup()


def seed(n_products: int = 50) -> str:
    """A company, a customer, a warehouse and products with deep stock; returns an API token."""
    from decimal import Decimal  # noqa: PLC0415

    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.contrib.auth.models import Group, Permission  # noqa: PLC0415

    from oms.catalog.services import price_list_create, product_create, tax_category_create, unit_create  # noqa
    from oms.core.services.tokens import token_create  # noqa: PLC0415
    from oms.inventory.services import default_location, stock_adjust, warehouse_create  # noqa: PLC0415
    from oms.parties.services import party_create  # noqa: PLC0415

    unit_create(code="pcs", name="piece", decimals=0)
    tax_category_create(code="std", name="VAT 11%", rate="11")
    party_create(code="BENCH", name="Bench Customer", currency="USD")
    location = default_location(warehouse_create(code="MAIN", name="Main"))
    items = []
    for i in range(n_products):
        product = product_create(sku=f"P{i:05d}", name=f"Product {i}", unit="pcs", tax_category="std")
        stock_adjust(product=product, location=location, quantity=Decimal(10**9), reason="bench stock")
        items.append({"product": product.sku, "price": f"{10 + i % 90}.{i % 100:02d}"})
    price_list_create(name="Bench USD", currency="USD", items=items)
    get_user_model().objects.create_superuser(username="bench", password="bench-bench")
    # The API load runs as an integration user whose rights come from a group, as in production
    # (a superuser skips the permission lookup).
    clerk = get_user_model().objects.create_user(username="bench-clerk", password="bench-bench")
    group = Group.objects.create(name="bench integration")
    group.permissions.set(Permission.objects.filter(content_type__app_label="sales"))
    clerk.groups.add(group)
    return token_create(username="bench-clerk")[1]


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def pgbench_tps(seconds: int = 30) -> float:
    out = subprocess.run([str(ROOT / "bench" / "pgbench_baseline"), "8", str(seconds)], check=True,
                         capture_output=True, text=True).stdout
    print(out.strip())
    return float(out.rsplit(":", 1)[1].split()[0])


def wait_for(url: str, timeout: float = 30) -> None:
    import urllib.request  # noqa: PLC0415

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server did not answer at {url}")


def drop_database(url: str) -> None:
    import psycopg  # noqa: PLC0415

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def strip_for_bulk_load(cur, tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes, unique and foreign keys (a bulk load into bare tables is
    several times faster); returns the statements that put them back, foreign keys (validated) last."""
    cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE (conrelid = ANY(%(t)s::regclass[]) AND contype IN ('u', 'f')) "
                "OR (confrelid = ANY(%(t)s::regclass[]) AND contype = 'f') ORDER BY contype DESC", {"t": tables})
    constraints = cur.fetchall()
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)", [tables])
    indexes = cur.fetchall()
    for table, name, _ in reversed(constraints):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [d for _, d in indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints]


def print_results(rows: list[tuple[str, int, float, float, str, bool | None]]) -> None:
    """The results table: (what, samples, p50 ms, p95 ms, target text, passed or None without a target)."""
    print(f"\n{'measurement':<36} {'n':>4} {'p50 ms':>9} {'p95 ms':>9}  {'target':<14} result")
    for name, n, p50, p95, target, passed in rows:
        result = "-" if passed is None else "PASS" if passed else "MISS"
        print(f"{name:<36} {n:>4} {p50:>9.1f} {p95:>9.1f}  {target:<14} {result}")


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process on the machine, by pid: (role, seconds).
    The role is "postgres" for the database's processes, else the process's command name."""
    tick = os.sysconf("SC_CLK_TCK")
    snapshot = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            owner = Path(f"/proc/{entry}").stat().st_uid
        except OSError:
            continue  # the process ended while we looked
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        role = "postgres" if owner != 0 and name.startswith("postgres") else name
        snapshot[int(entry)] = (role, (int(fields[11]) + int(fields[12])) / tick)
    return snapshot


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
             groups: dict[str, set[int] | str]) -> dict[str, float]:
    """CPU seconds used between two snapshots, per group; a group is a set of pids or a role name.
    A process that ended in between is not counted (the benchmarks keep their processes alive)."""
    used = dict.fromkeys(groups, 0.0)
    for pid, (role, seconds) in after.items():
        spent = seconds - before.get(pid, (role, 0.0))[1]
        for group, members in groups.items():
            if (pid in members) if isinstance(members, set) else role == members:
                used[group] += spent
    return used
