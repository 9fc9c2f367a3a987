#!/usr/bin/env python3
"""Read-path latency on a large order book: order and invoice list filters, lookups, customer search
and balance, dashboard.

Loads a fresh, migrated PostgreSQL database with orderbook.py (reference data through the services;
customers, N orders of 1-5 lines, their invoices and payments by COPY, valid and consistent; then
VACUUM ANALYZE), and measures p50/p95 through the HTTP API in-process (django.test.Client with a
bearer token, so auth, filters and serialisation count) and of a dashboard query set written here
with the ORM. A MISS also prints EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of the slowest
sample. A case whose first request is 20 times over its target is measured with 3 samples only.

    .venv/bin/python bench/queries.py [--orders 1000000] [--customers 20000] [--samples 200] [--keep]
                                      [--db postgresql://postgres@127.0.0.1:5432/oms_bench_q]
    .venv/bin/python bench/queries.py --reuse   # migrate a database kept with --keep, measure it again
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import base64
import random
import sys
import time
from datetime import timedelta

from orderbook import CHANNELS, N_PRODUCTS
from readpaths import measure_cases, read_bench_args, read_bench_run

TARGETS = {"list": 50.0, "lookup": 5.0, "search": 50.0, "dashboard": 300.0}
# A case whose first request takes SLOW times its target gets FEW samples (its first request is its
# warm-up): a path seconds slow would otherwise hold the run up for hours, and misses all the same.
SLOW, FEW = 20, 3


def dashboard() -> list:
    """Sales today / this week / this month per channel and currency, orders per status, and the
    month's top 10 products by revenue in each currency."""
    from django.db.models import Count, F, Min, Q, Sum, Window
    from django.db.models.functions import RowNumber
    from django.utils import timezone
    from oms.sales.models import SalesOrder, SalesOrderLine

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week, month = today - timedelta(days=today.weekday()), today.replace(day=1)
    since = {"today": Q(created_at__gte=today), "week": Q(created_at__gte=week), "month": Q(created_at__gte=month)}
    sales = list(SalesOrder.objects.filter(created_at__gte=min(week, month)).exclude(status__in=["draft", "cancelled"])
                 .order_by().values("channel", "currency")
                 .annotate(**{f"sales_{k}": Sum("total", filter=q) for k, q in since.items()},
                           **{f"orders_{k}": Count("id", filter=q) for k, q in since.items()}))
    per_status = list(SalesOrder.objects.order_by().values("status").annotate(orders=Count("id")))
    # A redundant but exact bound (each order of the month has an id >= the month's smallest): without
    # it PostgreSQL hash-joins by scanning every line; with it, it reads the month's lines by order_id.
    # The smallest id since a date is cheap thanks to the index sales_order_id_created_idx.
    first_id = SalesOrder.objects.filter(created_at__gte=month).aggregate(first=Min("id"))["first"] or 0
    top = list(SalesOrderLine.objects.filter(order_id__gte=first_id, order__created_at__gte=month).exclude(
               order__status__in=["draft", "cancelled"]).values("sku", currency=F("order__currency"))
               .annotate(revenue=Sum("line_total"), quantity=Sum("quantity"))
               .annotate(rank=Window(RowNumber(), partition_by=F("order__currency"), order_by=F("revenue").desc()))
               .filter(rank__lte=10).order_by("currency", "rank"))
    return [sales, per_status, top]


def cases(rng: random.Random) -> list[tuple]:
    """(name, target kind, request path maker or None for the dashboard), with parameters drawn from the data."""
    from oms.parties.models import Party
    from oms.sales.models import SalesOrder
    from oms.sales.states import OrderStatus

    customers = list(Party.objects.filter(is_customer=True).values_list("code", "name", "email"))
    last_id = SalesOrder.objects.order_by("-id").values_list("id", flat=True)[0]
    orders = list(SalesOrder.objects.filter(id__in=[rng.randint(1, last_id) for _ in range(3000)])
                  .values_list("number", "total"))
    first, last = (SalesOrder.objects.order_by(f).values_list("created_at", flat=True)[0] for f in ("id", "-id"))

    def page(r):  # 30% the first page, else a random one further back
        value = str(r.randint(1, last_id)).encode()
        return "" if r.random() < 0.3 else "cursor=" + base64.urlsafe_b64encode(value).decode().rstrip("=")

    def created(r):
        since = first + (last - first) * r.random()
        until = since + timedelta(days=r.choice((1, 7, 31)))
        return f"created_from={since:%Y-%m-%dT00:00:00Z}&created_to={until:%Y-%m-%dT00:00:00Z}"

    def total(r):
        value = r.choice(orders)[1]
        return f"total_min={value * 9 // 10}&total_max={value * 11 // 10}"

    def part_of_name(r):
        word = r.choice(r.choice(customers)[1].split())
        at = r.randrange(max(1, len(word) - 3))
        return word[at:at + r.randint(3, 5)].lower()

    orders_url = "/api/v1/orders?limit=50&"
    return [
        ("orders: no filter (random page)", "list", lambda r: orders_url + page(r)),
        ("orders: status", "list", lambda r: orders_url + f"status={r.choice(OrderStatus.values)}"),
        ("orders: customer", "list", lambda r: orders_url + f"customer={r.choice(customers)[0]}"),
        ("orders: channel", "list", lambda r: orders_url + f"channel={r.choice(list(CHANNELS))}"),
        ("orders: sku", "list", lambda r: orders_url + f"sku=SKU-{r.randrange(N_PRODUCTS):04d}"),
        ("orders: created 1/7/31 days", "list", lambda r: orders_url + created(r)),
        ("orders: total +-10%", "list", lambda r: orders_url + total(r)),
        ("order by number", "lookup", lambda r: f"/api/v1/orders/{r.choice(orders)[0]}"),
        ("customers: q=part of a name", "search", lambda r: f"/api/v1/customers?q={part_of_name(r)}"),
        ("customers: q=email", "search", lambda r: f"/api/v1/customers?q={r.choice(customers)[2]}"),
        *invoice_cases(rng),
        ("dashboard (ORM, 4 queries)", "dashboard", None),
    ]


def invoice_cases(rng: random.Random) -> list[tuple]:
    """The invoice list with each filter, a lookup by number, and a customer's balance."""
    from django.utils import timezone

    from oms.invoicing.models import Invoice
    from oms.parties.models import Party

    customers = list(Party.objects.filter(is_customer=True).values_list("id", "code"))
    last_id = Invoice.objects.order_by("-id").values_list("id", flat=True)[0]
    numbers = list(Invoice.objects.filter(id__in=[rng.randint(1, last_id) for _ in range(3000)], number__isnull=False)
                   .values_list("number", flat=True))
    today = timezone.localdate()

    def page(r):  # 30% the first page, else a random one further back
        value = str(r.randint(1, last_id)).encode()
        return "" if r.random() < 0.3 else "cursor=" + base64.urlsafe_b64encode(value).decode().rstrip("=")

    invoices_url = "/api/v1/invoices?limit=50&"
    return [
        ("invoices: no filter (random page)", "list", lambda r: invoices_url + page(r)),
        ("invoices: status", "list", lambda r: invoices_url + f"status={r.choice(Invoice.Status.values)}"),
        ("invoices: customer", "list", lambda r: invoices_url + f"customer={r.choice(customers)[1]}"),
        ("invoices: overdue", "list", lambda r: invoices_url + "overdue=true"),
        # What falls due by a day around today (a dunning run, a cash forecast).
        ("invoices: due before +-30 days", "list",
         lambda r: invoices_url + f"due_before={today + timedelta(days=r.randint(-30, 30))}"),
        ("invoice by number", "lookup", lambda r: f"/api/v1/invoices/{r.choice(numbers)}"),
        ("customer balance", "lookup", lambda r: f"/api/v1/customers/{r.choice(customers)[0]}/balance"),
    ]


def measure(samples: int, rng: random.Random) -> list[tuple]:
    from django.test import Client

    from oms.core.services.tokens import token_create

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(username='bench', name='bench')[1]}")

    def fetch(path: str | None) -> None:
        if path is None:  # the dashboard case is a query set, not a page
            dashboard()
            return
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])

    results = []
    for case in cases(rng):
        slow = first_request_ms(case, fetch, rng) > SLOW * TARGETS[case[1]]
        results += measure_cases([case], rng=rng, samples=FEW if slow else samples, warmup=0 if slow else 5,
                                 targets=TARGETS, fetch=fetch, explain=True)
    return results


def first_request_ms(case: tuple, fetch, rng: random.Random) -> float:
    started = time.perf_counter()
    fetch(case[2](rng) if case[2] else None)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    args = read_bench_args(__doc__, db_env="OMS_BENCH_Q_DATABASE_URL",
                           db_default="postgresql://postgres@127.0.0.1:5432/oms_bench_q", samples=200, warmup=5)
    read_bench_run(args, measure)


if __name__ == "__main__":
    sys.exit(main())
