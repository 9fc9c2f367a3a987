#!/usr/bin/env python3
"""Read-path latency on a large order book: order list filters, lookup, customer search, dashboard.

Creates a fresh PostgreSQL database and migrates it, seeds reference data through the services
(company, customer groups, a warehouse, 200 stocked products with USD and IDR price lists, the API
user and token), bulk-loads 20,000 customers and N orders with 1-5 lines each straight into the
tables with COPY, then runs VACUUM ANALYZE. The rows are valid: line and order totals follow the
pricing rules, numbers are SO-YYYY-NNNNNNN and the number series continues after them, statuses,
channels and dates are spread as in a two-year-old shop. It then measures p50/p95 latency through
the HTTP API in-process (django.test.Client with a bearer token, so auth, filters, serialisation
all count) and of a dashboard query set run with the ORM, and prints PASS/MISS against the targets.
A MISS prints EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of the slowest sample.

    .venv/bin/python bench/queries.py [--orders 1000000] [--samples 200] [--keep]
        [--db postgresql://postgres@127.0.0.1:5432/oms_bench_q]
    .venv/bin/python bench/queries.py --reuse --db ...   # measure a database kept with --keep again
                                                         # (after migrating it), e.g. before/after an index
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta

from common import BIN, django_setup, fresh_database, percentiles

N_PRODUCTS, N_CUSTOMERS, CHUNK = 200, 20_000, 20_000
CHANNELS = {"web": 45, "pos": 20, "api": 15, "back_office": 10, "edi": 7, "import": 3}
STATUS_MIX = [  # (newer than N days, {status: weight}): open orders are recent, old ones are done
    (2, {"draft": 15, "confirmed": 45, "on_hold": 5, "partially_fulfilled": 10, "fulfilled": 15,
         "completed": 5, "cancelled": 5}),
    (30, {"draft": 4, "confirmed": 8, "on_hold": 2, "partially_fulfilled": 4, "fulfilled": 20,
          "completed": 54, "cancelled": 8}),
    (10**6, {"draft": 1, "fulfilled": 1, "completed": 89, "cancelled": 9}),
]
FIRST = ("Budi Siti Agus Dewi Rina Andi Wayan Putu Made Ketut Joko Sri Hendra Maya Rizky Ayu Fajar Indah "
         "John Mary James Linda Robert Susan Michael Karen David Nancy Emily Daniel Olivia Lucas Sofia").split()
LAST = ("Santoso Wijaya Saputra Hidayat Kusuma Pratama Nugroho Lestari Setiawan Gunawan Halim Tanoto Siregar "
        "Nasution Smith Johnson Brown Garcia Miller Davis Wilson Anderson Taylor Moore Martin Clark").split()
FIRMS = ("Maju Jaya|Sinar Abadi|Sumber Rejeki|Cahaya Timur|Mitra Sejati|Karya Utama|Bintang Terang|"
         "Greenleaf|Blue Harbor|Northwind|Summit|Redwood|Pioneer|Silverline").split("|")
CITIES = [("Jakarta", "ID"), ("Surabaya", "ID"), ("Bandung", "ID"), ("Medan", "ID"), ("Denpasar", "ID"),
          ("Makassar", "ID"), ("Portland", "US"), ("Austin", "US"), ("Chicago", "US"), ("Seattle", "US")]
GOODS = ("T-shirt Hoodie Mug Tote Cap Notebook Coffee Tea Sambal Batik Sarong Candle Soap Towel Bottle "
         "Lamp Basket Scarf Sandals Backpack").split()
TARGETS = {"list": 50.0, "lookup": 5.0, "search": 50.0, "dashboard": 300.0}


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def seed_reference(rng: random.Random) -> None:
    """Company, groups, warehouse, products with stock and prices, the first customer: via the services."""
    from decimal import Decimal  # noqa: PLC0415 - Django is set up by now
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from oms.catalog.services import price_list_create, product_create, tax_category_create, unit_create  # noqa
    from oms.core.services.company import company_update  # noqa: PLC0415
    from oms.core.services.numbering import series_set_format  # noqa: PLC0415
    from oms.inventory.services import default_location, stock_adjust, warehouse_create  # noqa: PLC0415
    from oms.parties.services import customer_group_create, party_create  # noqa: PLC0415

    company_update(legal_name="PT Bench Niaga", country="ID", base_currency="IDR", time_zone="Asia/Jakarta")
    series_set_format(doc_type="sales.order", fmt="SO-{YYYY}-{seq:07d}")
    for code in ("retail", "wholesale"):
        customer_group_create(code=code, name=code.title())
    unit_create(code="pcs", name="piece", decimals=0)
    tax_category_create(code="std", name="PPN 11%", rate="11")
    tax_category_create(code="food", name="Basic food (exempt)", rate="0")
    location = default_location(warehouse_create(code="MAIN", name="Jakarta warehouse"))
    usd, idr = [], []
    for i in range(N_PRODUCTS):
        sku, cents = f"SKU-{i:04d}", rng.randrange(300, 25_000)
        product = product_create(sku=sku, name=f"{rng.choice(FIRMS)} {GOODS[i % len(GOODS)]} #{i}", unit="pcs",
                                 tax_category="food" if i % 10 == 7 else "std")
        stock_adjust(product=product, location=location, quantity=Decimal(100_000), reason="opening stock")
        usd.append({"product": sku, "price": money(cents)})
        idr.append({"product": sku, "price": str(cents * 150 // 500 * 500)})  # ~15,000 IDR per USD
    price_list_create(name="Retail USD", currency="USD", items=usd)
    price_list_create(name="Retail IDR", currency="IDR", items=idr)
    party_create(name="Kopi Kita Cafe", email="order@kopikita.id", phone="+62 21 555 0101", currency="IDR",
                 tax_id="01.234.567.8-901.000", customer_group="wholesale",
                 addresses=[{"kind": "billing", "line1": "Jl. Sudirman 12", "city": "Jakarta", "country": "ID"}])
    get_user_model().objects.create_superuser(username="bench", password="bench-bench")


def copy_customers(conn, rng: random.Random, now: datetime) -> None:
    """Customers 2..N with one default billing address each, then move the code series on."""
    cur = conn.cursor()
    first_id, groups = cur.execute("SELECT max(id) + 1, (SELECT array_agg(id) FROM parties_customergroup) "
                                   "FROM parties_party").fetchone()
    parties, addresses = [], []
    for n in range(2, N_CUSTOMERS + 1):
        pid, firm = first_id + n - 2, rng.random() < 0.3
        city, country = rng.choice(CITIES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{'PT' if country == 'ID' else ''} {rng.choice(FIRMS)} {last}".strip() if firm else f"{first} {last}"
        email = f"{first.lower()}.{last.lower()}{n}@{'example.id' if country == 'ID' else 'example.com'}"
        phone = f"+62 8{rng.randrange(10**9, 10**10)}" if country == "ID" else f"+1 {rng.randrange(2 * 10**9, 10**10)}"
        tax_id = f"{rng.randrange(10**14, 10**15)}" if firm or rng.random() < 0.2 else ""
        currency = "IDR" if country == "ID" else "USD"
        created = (now - timedelta(days=800 * rng.random())).isoformat()
        parties.append(f"{pid}\t{{}}\tC{n:05d}\t{name}\tt\tf\t{email}\t{phone}\t{tax_id}\t{currency}\t30\t\\N\t"
                       f"{'id' if country == 'ID' else 'en'}\t\tt\t{created}\t{rng.choice(groups)}\n")
        addresses.append(f"billing\t{name}\tJl. Merdeka {n}\t\t{city}\t\t\t{country}\tt\t{pid}\n")
    with cur.copy("COPY parties_party (id, custom, code, name, is_customer, is_supplier, email, phone, tax_id, "
                  "currency, payment_terms_days, credit_limit, language, notes, active, created_at, "
                  "customer_group_id) FROM STDIN") as copy:
        copy.write("".join(parties))
    with cur.copy("COPY parties_address (kind, name, line1, line2, city, region, postal_code, country, "
                  "is_default, party_id) FROM STDIN") as copy:
        copy.write("".join(addresses))
    cur.execute("SELECT setval(pg_get_serial_sequence('parties_party', 'id'), (SELECT max(id) FROM parties_party))")
    cur.execute("UPDATE core_numbercounter SET last_value = %s WHERE series_id = "
                "(SELECT id FROM core_numberseries WHERE doc_type = 'parties.party')", [N_CUSTOMERS])
    conn.commit()


def drop_secondary(cur, tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes and unique/foreign keys (bulk loads into bare tables
    are several times faster); returns the statements that put them back, foreign keys last."""
    cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE (conrelid = ANY(%(t)s::regclass[]) AND contype IN ('u', 'f')) "
                "OR (confrelid = ANY(%(t)s::regclass[]) AND contype = 'f') ORDER BY contype DESC", {"t": tables})
    constraints = cur.fetchall()
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint)", [tables])
    indexes = cur.fetchall()
    for table, name, _, _ in reversed(constraints):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [d for _, d in indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, _ in constraints]


def copy_orders(conn, n: int, rng: random.Random, now: datetime) -> tuple[int, float]:
    """N orders over two years (more recent ones: the shop grows) with 1-5 lines; returns (lines, seconds)."""
    cur = conn.cursor()
    products = cur.execute("SELECT p.id, p.sku, p.name, t.rate::int, u.price, i.price FROM catalog_product p "
                           "JOIN catalog_taxcategory t ON t.id = p.tax_category_id "
                           "JOIN catalog_pricelistitem u ON u.product_id = p.id AND u.price_list_id = "
                           "(SELECT id FROM catalog_pricelist WHERE currency = 'USD') "
                           "JOIN catalog_pricelistitem i ON i.product_id = p.id AND i.price_list_id = "
                           "(SELECT id FROM catalog_pricelist WHERE currency = 'IDR') ORDER BY p.id").fetchall()
    products = [(pid, sku, name, rate, {"USD": int(usd * 100), "IDR": int(idr * 100)})
                for pid, sku, name, rate, usd, idr in products]
    customers = [(pid, currency, json.dumps({"name": name, "line1": line1, "city": city, "country": country}))
                 for pid, currency, name, line1, city, country in cur.execute(
                     "SELECT p.id, p.currency, p.name, a.line1, a.city, a.country FROM parties_party p "
                     "JOIN parties_address a ON a.party_id = p.id ORDER BY p.id")]
    rng.shuffle(customers)  # popularity (below) is by position, not by id
    warehouse = cur.execute("SELECT id FROM inventory_warehouse").fetchone()[0]
    product_cw = list(_cumulative(1 / (r + 1) ** 0.9 for r in range(len(products))))  # a few bestsellers
    customer_cw = list(_cumulative(1 / (r + 1) ** 0.6 for r in range(len(customers))))  # some regulars
    channels, channel_cw = list(CHANNELS), list(_cumulative(CHANNELS.values()))
    mixes = [(days, list(mix), list(_cumulative(mix.values()))) for days, mix in STATUS_MIX]
    span, start = 730 * 86400, now.timestamp() - 730 * 86400
    seq: dict[int, int] = {}
    restore = drop_secondary(cur, ["sales_salesorder", "sales_salesorderline"])
    cur.execute("TRUNCATE sales_salesorderline, sales_salesorder")  # same transaction: COPY FREEZE allowed
    order_buf, line_buf, line_id, started = [], [], 0, time.perf_counter()
    for oid in range(1, n + 1):
        ts = start + span * math.sqrt(oid / n)
        created = datetime.fromtimestamp(ts, UTC)
        seq[created.year] = number = seq.get(created.year, 0) + 1
        age_days = (now.timestamp() - ts) / 86400
        _, statuses, status_cw = next(m for m in mixes if age_days < m[0])
        status = rng.choices(statuses, cum_weights=status_cw)[0]
        customer_id, currency, address = rng.choices(customers, cum_weights=customer_cw)[0]
        channel = rng.choices(channels, cum_weights=channel_cw)[0]
        ext = f"{channel.upper()}-{oid}" if channel in ("web", "edi", "import") else ""
        picks = set(rng.choices(range(len(products)), cum_weights=product_cw, k=rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5))))
        sub = disc_t = tax_t = 0
        for position, j in enumerate(sorted(picks), 1):
            pid, sku, name, rate, prices = products[j]
            qty, price = rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 24)), prices[currency]
            pct = 10 if rng.random() < 0.08 else 0
            gross = qty * price
            disc = (gross * pct + 50) // 100  # half up, as oms.sales.pricing rounds
            net = gross - disc
            tax = (net * rate + 50) // 100
            sub, disc_t, tax_t = sub + net, disc_t + disc, tax_t + tax
            shipped = qty if status in ("fulfilled", "completed") else qty // 2 if status == "partially_fulfilled" else 0
            line_id += 1
            line_buf.append(f"{line_id}\t{position}\t{sku}\t{name}\t{qty}\t{money(price)}\t{pct}\t0\t{rate}\t"
                            f"{money(disc)}\t{money(tax)}\t{money(net + tax)}\t{shipped}\t{oid}\t{pid}\n")
        confirmed = "\\N" if status == "draft" else (created + timedelta(minutes=5)).isoformat()
        updated = min(created + timedelta(days=min(age_days, 9) * rng.random()), now).isoformat()
        held = ("credit limit exceeded", "confirmed") if status == "on_hold" else ("", "")
        order_buf.append(f"{oid}\t{{}}\tSO-{created.year}-{number:07d}\t{status}\t{currency}\t{channel}\t{ext}\tf\t"
                         f"{address}\t{address}\t{money(sub)}\t{money(disc_t)}\t{money(tax_t)}\t{money(sub + tax_t)}\t"
                         f"{held[0]}\t{held[1]}\t\t{created.isoformat()}\t{updated}\t{confirmed}\t{customer_id}\t"
                         f"{warehouse}\n")
        if oid % CHUNK == 0 or oid == n:
            with cur.copy("COPY sales_salesorder (id, custom, number, status, currency, channel, external_ref, "
                          "tax_inclusive, billing_address, shipping_address, subtotal, discount_total, tax_total, "
                          "total, hold_reason, held_from, notes, created_at, updated_at, confirmed_at, customer_id, "
                          "warehouse_id) FROM STDIN (FREEZE)") as copy:
                copy.write("".join(order_buf))
            with cur.copy("COPY sales_salesorderline (id, position, sku, description, quantity, unit_price, "
                          "discount_percent, discount_amount, tax_rate, line_discount, line_tax, line_total, "
                          "quantity_fulfilled, order_id, product_id) FROM STDIN (FREEZE)") as copy:
                copy.write("".join(line_buf))
            order_buf, line_buf = [], []
    loaded = time.perf_counter() - started
    print(f"  COPY: {n:,} orders + {line_id:,} lines in {loaded:.1f} s = {(n + line_id) / loaded:,.0f} rows/s "
          f"({n / loaded:,.0f} orders/s)", flush=True)
    t = time.perf_counter()
    cur.execute("SET maintenance_work_mem = '1GB'")
    for sql in restore:
        cur.execute(sql)
    for table in ("sales_salesorder", "sales_salesorderline"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cur.execute("INSERT INTO core_numbercounter (series_id, period, last_value) SELECT s.id, y.period, y.n "
                "FROM core_numberseries s, unnest(%s::text[], %s::bigint[]) AS y(period, n) "
                "WHERE s.doc_type = 'sales.order' ON CONFLICT (series_id, period) "
                "DO UPDATE SET last_value = EXCLUDED.last_value", [[str(y) for y in seq], list(seq.values())])
    conn.commit()
    print(f"  {len(restore)} indexes and constraints rebuilt (foreign keys validated) in "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    return line_id, loaded


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def check_data() -> None:
    """Totals add up, the pricing code agrees with a sample of lines, and numbering continues."""
    from django.db import connection  # noqa: PLC0415
    from oms.sales.lines import LineSpec  # noqa: PLC0415
    from oms.sales.models import SalesOrderLine  # noqa: PLC0415
    from oms.sales.pricing import LineInput, line_amounts  # noqa: PLC0415
    from oms.sales.services import OrderSpec, order_create  # noqa: PLC0415

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sales_salesorder o JOIN (SELECT order_id, sum(line_total) t, "
                    "sum(line_tax) x FROM sales_salesorderline GROUP BY order_id) l ON l.order_id = o.id "
                    "WHERE l.t <> o.total OR l.x <> o.tax_total")
        bad = cur.fetchone()[0]
    for line in SalesOrderLine.objects.select_related("order").order_by("?")[:200]:
        a = line_amounts(LineInput(line.quantity, line.unit_price, line.discount_percent, line.discount_amount,
                                   line.tax_rate), currency=line.order.currency, tax_inclusive=False)
        bad += (a.total, a.tax, a.discount) != (line.line_total, line.line_tax, line.line_discount)
    order = order_create(spec=OrderSpec(customer="C00002", lines=[LineSpec(sku="SKU-0001", quantity="1")]))
    print(f"  consistency: {bad} mismatching orders/lines; a new order through the service is {order.number}")
    assert bad == 0


def dashboard() -> list:
    """What a sales dashboard shows: sales today / this week / this month per channel and currency,
    orders per status, the month's top 10 products by revenue in each currency."""
    from django.db.models import Count, F, Q, Sum, Window  # noqa: PLC0415
    from django.db.models.functions import RowNumber  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415
    from oms.sales.models import SalesOrder, SalesOrderLine  # noqa: PLC0415

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week, month = today - timedelta(days=today.weekday()), today.replace(day=1)
    sold = ~Q(status__in=["draft", "cancelled"])
    sales = list(SalesOrder.objects.filter(sold, created_at__gte=min(week, month)).order_by()
                 .values("channel", "currency")
                 .annotate(today=Sum("total", filter=Q(created_at__gte=today)),
                           orders_today=Count("id", filter=Q(created_at__gte=today)),
                           week=Sum("total", filter=Q(created_at__gte=week)),
                           month=Sum("total", filter=Q(created_at__gte=month)),
                           orders_month=Count("id", filter=Q(created_at__gte=month))))
    per_status = list(SalesOrder.objects.order_by().values("status").annotate(orders=Count("id")))
    top = list(SalesOrderLine.objects.filter(order__created_at__gte=month, order__status__in=
                                             ["confirmed", "on_hold", "partially_fulfilled", "fulfilled", "completed"])
               .values("sku", currency=F("order__currency"))
               .annotate(revenue=Sum("line_total"), quantity=Sum("quantity"))
               .annotate(rank=Window(RowNumber(), partition_by=F("order__currency"), order_by=F("revenue").desc()))
               .filter(rank__lte=10).order_by("currency", "rank"))
    return [sales, per_status, top]


def measure(samples: int, rng: random.Random) -> list[tuple]:
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415
    from oms.core.services.tokens import token_create  # noqa: PLC0415
    from oms.parties.models import Party  # noqa: PLC0415
    from oms.sales.models import SalesOrder  # noqa: PLC0415
    from oms.sales.states import OrderStatus  # noqa: PLC0415

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(username='bench', name='bench')[1]}")
    customers = list(Party.objects.filter(is_customer=True).values_list("code", "name", "email"))
    skus = [f"SKU-{i:04d}" for i in range(N_PRODUCTS)]
    last_id = SalesOrder.objects.order_by("-id").values_list("id", flat=True)[0]
    orders = list(SalesOrder.objects.filter(id__in=[rng.randint(1, last_id) for _ in range(3000)])
                  .values_list("number", "total"))
    first, last = (SalesOrder.objects.order_by(f).values_list("created_at", flat=True)[0] for f in ("id", "-id"))

    def cursor(value: int) -> str:
        return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")

    def created(r):
        since = first + (last - first) * r.random()
        until = since + timedelta(days=r.choice((1, 7, 31)))
        return f"created_from={since:%Y-%m-%dT00:00:00Z}&created_to={until:%Y-%m-%dT00:00:00Z}"

    def total(r):
        value = r.choice(orders)[1]
        return f"total_min={value * 9 // 10}&total_max={value * 11 // 10}"

    def substring(r):
        word = r.choice(r.choice(customers)[1].split())
        at = r.randrange(max(1, len(word) - 3))
        return word[at:at + r.randint(3, 5)].lower()

    lst = "/api/v1/orders?limit=50&"
    cases = [
        ("orders: no filter (random page)", "list", lambda r: lst + (f"cursor={cursor(r.randint(1, last_id))}"
                                                                   if r.random() < 0.7 else "")),
        ("orders: status", "list", lambda r: lst + f"status={r.choice(OrderStatus.values)}"),
        ("orders: customer", "list", lambda r: lst + f"customer={r.choice(customers)[0]}"),
        ("orders: channel", "list", lambda r: lst + f"channel={r.choice(list(CHANNELS))}"),
        ("orders: sku", "list", lambda r: lst + f"sku={r.choice(skus)}"),
        ("orders: created 1/7/31 days", "list", lambda r: lst + created(r)),
        ("orders: total +-10%", "list", lambda r: lst + total(r)),
        ("order by number", "lookup", lambda r: f"/api/v1/orders/{r.choice(orders)[0]}"),
        ("customers: q=part of name", "search", lambda r: f"/api/v1/customers?q={substring(r)}"),
        ("customers: q=email", "search", lambda r: f"/api/v1/customers?q={r.choice(customers)[2]}"),
        ("dashboard (ORM, 3 queries)", "dashboard", None),
    ]
    results = []
    for name, kind, make in cases:
        times, worst = [], (0.0, None)
        for i in range(samples + 5):  # the first 5 warm up
            path = make(rng) if make else None
            started = time.perf_counter()
            if path:
                response = client.get(path)
                assert response.status_code == 200, (path, response.content[:300])
            else:
                dashboard()
            elapsed = (time.perf_counter() - started) * 1000
            if i >= 5:
                times.append(elapsed)
                worst = max(worst, (elapsed, path), key=lambda w: w[0])
        p = percentiles(times)
        passed = p["p95"] < TARGETS[kind]
        results.append((name, len(times), p["p50"], p["p95"], TARGETS[kind], passed))
        print(f"  {name:<34} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms  {'PASS' if passed else 'MISS'}",
              flush=True)
        if not passed:
            with CaptureQueriesContext(connection) as ctx:
                client.get(worst[1]) if worst[1] else dashboard()
            slow = max(ctx.captured_queries, key=lambda q: float(q["time"]))
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slow["sql"])
                plan = "\n      ".join(row[0] for row in cur.fetchall())
            db_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            print(f"    slowest sample {worst[1] or name} ({worst[0]:.1f} ms): {len(ctx.captured_queries)} statements "
                  f"taking {db_ms:.1f} ms in all on a re-run; the slowest ({float(slow['time']) * 1000:.1f} ms):\n"
                  f"      {slow['sql'][:400]}...\n      {plan}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", default=os.environ.get("OMS_BENCH_Q_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/oms_bench_q"))
    parser.add_argument("--samples", type=int, default=200, help="samples per measured query (after 5 warm-up)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure an existing (kept) database, no reload")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static files
    rng, began = random.Random(args.seed), time.perf_counter()

    if args.reuse:
        subprocess.run([str(BIN / "oms"), "migrate", "-v0"], check=True, env={**os.environ, "OMS_DATABASE_URL": args.db})
        django_setup(args.db)
    else:
        fresh_database(args.db)
        django_setup(args.db)
        import psycopg  # noqa: PLC0415
        from django.utils import timezone  # noqa: PLC0415

        t = time.perf_counter()
        seed_reference(rng)
        print(f"reference data through the services: {time.perf_counter() - t:.1f} s", flush=True)
        now = timezone.now()
        with psycopg.connect(args.db) as conn:
            t = time.perf_counter()
            copy_customers(conn, rng, now)
            print(f"{N_CUSTOMERS:,} customers with addresses by COPY: {time.perf_counter() - t:.1f} s", flush=True)
            print(f"generating {args.orders:,} orders:", flush=True)
            t = time.perf_counter()
            lines, _ = copy_orders(conn, args.orders, rng, now)
            conn.autocommit = True
            t2 = time.perf_counter()
            conn.execute("VACUUM (ANALYZE) sales_salesorder, sales_salesorderline")
            conn.execute("ANALYZE")
            print(f"  VACUUM ANALYZE: {time.perf_counter() - t2:.1f} s; generation total {time.perf_counter() - t:.1f} s "
                  f"= {(args.orders + lines) / (time.perf_counter() - t):,.0f} rows/s", flush=True)
        check_data()

    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database())), "
                    "(SELECT count(*) FROM sales_salesorder), (SELECT count(*) FROM sales_salesorderline)")
        size, n_orders, n_lines = cur.fetchone()
    print(f"\nmeasuring ({args.samples} samples each) on {n_orders:,} orders, {n_lines:,} lines, database {size}:")
    results = measure(args.samples, rng)
    print(f"\n{'query':<34} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}  {'target':<12} result")
    for name, n, p50, p95, target, passed in results:
        print(f"{name:<34} {n:>4} {p50:>8.1f} {p95:>8.1f}  {'p95 < ' + format(target, 'g') + ' ms':<12} "
              f"{'PASS' if passed else 'MISS'}")
    print(f"\ntotal run time {(time.perf_counter() - began) / 60:.1f} min")
    if not args.keep and not args.reuse:
        connection.close()
        base, name = args.db.rsplit("/", 1)
        import psycopg  # noqa: PLC0415

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
