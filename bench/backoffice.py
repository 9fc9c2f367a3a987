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

import random
import sys

from orderbook import CHANNELS, N_PRODUCTS
from readpaths import measure_cases, read_bench_args, read_bench_run

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
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))

    def fetch(path: str | None) -> None:
        response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code, response.content[:300])

    return measure_cases(cases(rng), rng=rng, samples=samples, warmup=3, targets=TARGETS, fetch=fetch)


def main() -> None:
    args = read_bench_args(__doc__, db_env="OMS_BENCH_BO_DATABASE_URL",
                           db_default="postgresql://postgres@127.0.0.1:5432/oms_bo_bench", samples=100, warmup=3)
    read_bench_run(args, measure)


if __name__ == "__main__":
    sys.exit(main())
