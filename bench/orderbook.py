"""A large, valid order book, loaded fast: reference data through the services; customers, orders,
and the orders' invoices and payments by COPY.

Used by queries.py (and big_order.py for its reference data). Rows are written straight into the
tables, but valid: line amounts are rounded per line as oms.sales.pricing does and add up to the
order totals (checked after loading), numbers are SO-YYYY-NNNNNNN and the number series continues
after them, customer codes continue in theirs. Orders spread over two years, more of them lately;
open statuses are recent. Invoices (INV-YYYY-NNNNN, as the invoicing services would write them)
for every fulfilled or completed order and half of the confirmed and partially fulfilled ones,
each paid, partly paid or open with the payments allocated to it: see invoicebook.py. Not written:
stock reservations, audit records and outbox events of the generated orders and invoices (an order
or invoice made through the services afterwards has all of them).
"""

# ruff: noqa: PLC0415 - Django pieces are imported once Django is set up for the chosen database
from __future__ import annotations

import json
import math
import random
import time
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from common import strip_for_bulk_load
from invoicebook import PAYMENT_TERMS_DAYS, InvoiceBook, Line, Order, check_invoices, money
from invoicebook import TABLES as INVOICE_TABLES

N_PRODUCTS, CHUNK = 200, 20_000
ORDER_TABLES = ["sales_salesorder", "sales_salesorderline"]
ORDER_COLUMNS = {
    "sales_salesorder": "id, custom, number, status, currency, channel, external_ref, tax_inclusive, billing_address, "
                        "shipping_address, subtotal, discount_total, tax_total, total, hold_reason, held_from, notes, "
                        "created_at, updated_at, confirmed_at, customer_id, warehouse_id",
    "sales_salesorderline": "id, position, sku, description, quantity, unit_price, discount_percent, discount_amount, "
                            "tax_rate, line_discount, line_tax, line_total, quantity_fulfilled, order_id, product_id",
}
CHANNELS = {"web": 45, "pos": 20, "api": 15, "back_office": 10, "edi": 7, "import": 3}
STATUS_MIX = [  # (younger than N days, status weights): open orders are recent, old ones are done
    (2, dict(draft=15, confirmed=45, on_hold=5, partially_fulfilled=10, fulfilled=15, completed=5, cancelled=5)),
    (30, dict(draft=4, confirmed=8, on_hold=2, partially_fulfilled=4, fulfilled=20, completed=54, cancelled=8)),
    (10**6, dict(draft=1, fulfilled=1, completed=89, cancelled=9)),
]
FIRST = "Budi Siti Agus Dewi Rina Andi Wayan Putu Made Joko Maya Rizky Ayu John Mary James Linda Emily Lucas".split()
LAST = "Santoso Wijaya Saputra Hidayat Kusuma Pratama Nugroho Lestari Halim Smith Johnson Brown Garcia Miller".split()
FIRMS = "Maju Jaya|Sinar Abadi|Sumber Rejeki|Cahaya Timur|Karya Utama|Greenleaf|Blue Harbor|Northwind".split("|")
CITIES = [(c, "ID") for c in ("Jakarta", "Surabaya", "Bandung", "Medan", "Denpasar")] + [
    (c, "US") for c in ("Portland", "Austin", "Chicago")]
GOODS = "T-shirt Hoodie Mug Tote Cap Notebook Coffee Tea Sambal Batik Sarong Candle Soap Towel Lamp".split()


def seed_reference(rng: random.Random, n_products: int = N_PRODUCTS) -> tuple[list, object]:
    """Company, groups, warehouse, products with stock and prices, the first customer: via the services.
    Returns the products as (id, sku, name, tax rate, {currency: price in cents}) and the customer."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from oms.catalog.services import price_list_create, product_create, tax_category_create, unit_create
    from oms.core.services.company import company_update
    from oms.core.services.numbering import series_set_format
    from oms.inventory.services import default_location, stock_adjust, warehouse_create
    from oms.parties.services import customer_group_create, party_create

    company_update(legal_name="PT Bench Niaga", country="ID", base_currency="IDR", time_zone="Asia/Jakarta")
    series_set_format(doc_type="sales.order", fmt="SO-{YYYY}-{seq:07d}")
    for code in ("retail", "wholesale"):
        customer_group_create(code=code, name=code.title())
    unit_create(code="pcs", name="piece", decimals=0)
    tax_category_create(code="std", name="PPN 11%", rate="11")
    tax_category_create(code="food", name="Basic food (exempt)", rate="0")
    location = default_location(warehouse_create(code="MAIN", name="Jakarta warehouse"))
    products = []
    for i in range(n_products):
        sku, usd, food = f"SKU-{i:04d}", rng.randrange(300, 25_000), i % 10 == 7
        product = product_create(sku=sku, name=f"{rng.choice(FIRMS)} {GOODS[i % len(GOODS)]} #{i}", unit="pcs",
                                 tax_category="food" if food else "std")
        stock_adjust(product=product, location=location, quantity=Decimal(100_000), reason="opening stock")
        prices = {"USD": usd, "IDR": usd * 150 // 500 * 50_000}  # multiples of 500 rupiah, ~15,000 per USD
        products.append((product.pk, sku, product.name, 0 if food else 11, prices))
    for currency in ("USD", "IDR"):
        price_list_create(name=f"Retail {currency}", currency=currency,
                          items=[{"product": p[1], "price": money(p[4][currency])} for p in products])
    customer = party_create(name="Kopi Kita Cafe", email="order@kopikita.id", phone="+62 21 555 0101", currency="IDR",
                            tax_id="01.234.567.8-901.000", customer_group="wholesale", addresses=[
                                {"kind": "billing", "line1": "Jl. Sudirman 12", "city": "Jakarta", "country": "ID"}])
    get_user_model().objects.create_superuser(username="bench", password="bench-bench")
    return products, customer


def copy_customers(conn, count: int, seeded, rng: random.Random, now: datetime) -> list[tuple]:
    """Customers C00002..count after the ``seeded`` one, one billing address each; the code series moves on.
    Returns all of them as (id, currency, address as JSON, language)."""
    cur = conn.cursor()
    groups = cur.execute("SELECT array_agg(id) FROM parties_customergroup").fetchone()[0]
    address = {"name": seeded.name, "line1": "Jl. Sudirman 12", "city": "Jakarta", "country": "ID"}
    parties, addresses, customers = [], [], [(seeded.pk, seeded.currency, json.dumps(address), seeded.language)]
    for n in range(2, count + 1):
        pid, firm, (city, country) = seeded.pk + n - 1, rng.random() < 0.3, rng.choice(CITIES)
        first, last, local = rng.choice(FIRST), rng.choice(LAST), country == "ID"
        name = f"{'PT ' if local else ''}{rng.choice(FIRMS)} {last}" if firm else f"{first} {last}"
        email = f"{first.lower()}.{last.lower()}{n}@example.{'id' if local else 'com'}"
        phone = f"+62 8{rng.randrange(10**9, 10**10)}" if local else f"+1 {rng.randrange(2 * 10**9, 10**10)}"
        tax_id = f"{rng.randrange(10**14, 10**15)}" if firm or rng.random() < 0.2 else ""
        created = (now - timedelta(days=800 * rng.random())).isoformat()
        parties.append(f"{pid}\t{{}}\tC{n:05d}\t{name}\tt\tf\t{email}\t{phone}\t{tax_id}\t{'IDR' if local else 'USD'}"
                       f"\t{PAYMENT_TERMS_DAYS}\t\\N\t{'id' if local else 'en'}\t\tt\t{created}\t{rng.choice(groups)}\n")
        addresses.append(f"billing\t{name}\tJl. Merdeka {n}\t\t{city}\t\t\t{country}\tt\t{pid}\n")
        address = {"name": name, "line1": f"Jl. Merdeka {n}", "city": city, "country": country}
        customers.append((pid, "IDR" if local else "USD", json.dumps(address), "id" if local else "en"))
    with cur.copy("COPY parties_party (id, custom, code, name, is_customer, is_supplier, email, phone, tax_id, "
                  "currency, payment_terms_days, credit_limit, language, notes, active, created_at, "
                  "customer_group_id) FROM STDIN") as copy:
        copy.write("".join(parties))
    with cur.copy("COPY parties_address (kind, name, line1, line2, city, region, postal_code, country, "
                  "is_default, party_id) FROM STDIN") as copy:
        copy.write("".join(addresses))
    cur.execute("SELECT setval(pg_get_serial_sequence('parties_party', 'id'), (SELECT max(id) FROM parties_party))")
    cur.execute("UPDATE core_numbercounter SET last_value = %s WHERE series_id = "
                "(SELECT id FROM core_numberseries WHERE doc_type = 'parties.party')", [count])
    conn.commit()
    return customers


class OrderDraw:
    """Orders as the shop gets them: over two years, more of them lately (the shop grows), from some
    regular customers, bestsellers on most lines; open statuses are recent, old orders are done."""

    def __init__(self, n: int, products: list, customers: list, rng: random.Random, now: datetime) -> None:
        rng.shuffle(customers)  # popularity (below) goes by list position, not by id
        self.n, self.products, self.customers, self.rng, self.now = n, products, customers, rng, now.timestamp()
        self.product_cw = list(accumulate(1 / (r + 1) ** 0.9 for r in range(len(products))))  # a few bestsellers
        self.customer_cw = list(accumulate(1 / (r + 1) ** 0.6 for r in range(len(customers))))  # some regulars
        self.channels, self.channel_cw = list(CHANNELS), list(accumulate(CHANNELS.values()))
        self.mixes = [(days, list(mix), list(accumulate(mix.values()))) for days, mix in STATUS_MIX]
        self.span, self.start = 730 * 86400, self.now - 730 * 86400
        self.seq: dict[int, int] = {}
        self.line_id = 0

    def order(self, oid: int, warehouse: int) -> tuple[Order, str]:
        """Order ``oid`` of n and its COPY row (oldest first)."""
        rng, ts = self.rng, self.start + self.span * math.sqrt(oid / self.n)
        created, age_days = datetime.fromtimestamp(ts, UTC), (self.now - ts) / 86400
        self.seq[created.year] = number = self.seq.get(created.year, 0) + 1
        _, statuses, status_cw = next(m for m in self.mixes if age_days < m[0])
        status = rng.choices(statuses, cum_weights=status_cw)[0]
        customer_id, currency, address, language = rng.choices(self.customers, cum_weights=self.customer_cw)[0]
        channel = rng.choices(self.channels, cum_weights=self.channel_cw)[0]
        ext = f"{channel.upper()}-{oid}" if channel in ("web", "edi", "import") else ""
        lines = self.lines(currency)
        sub, disc, tax = (sum(x.net for x in lines), sum(x.discount for x in lines), sum(x.tax for x in lines))
        confirmed = None if status == "draft" else min(ts + 300, self.now)  # the last ones: not in the future
        updated = min(created + timedelta(days=min(age_days, 9) * rng.random()), datetime.fromtimestamp(self.now, UTC))
        hold = "credit limit exceeded\tconfirmed" if status == "on_hold" else "\t"
        order = Order(oid, status, customer_id, currency, address, language, ts, confirmed, lines)
        confirmed_at = "\\N" if confirmed is None else datetime.fromtimestamp(confirmed, UTC).isoformat()
        return order, (f"{oid}\t{{}}\tSO-{created.year}-{number:07d}\t{status}\t{currency}\t{channel}\t{ext}\tf\t"
                       f"{address}\t{address}\t{money(sub)}\t{money(disc)}\t{money(tax)}\t{money(sub + tax)}\t"
                       f"{hold}\t\t{created.isoformat()}\t{updated.isoformat()}\t{confirmed_at}\t{customer_id}\t"
                       f"{warehouse}\n")

    def lines(self, currency: str) -> list[Line]:
        """1-5 lines of distinct products; amounts in minor units, rounded half up per line as oms.sales.pricing does."""
        rng, lines = self.rng, []
        picks = rng.choices(range(len(self.products)), cum_weights=self.product_cw,
                            k=rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5)))
        for position, j in enumerate(sorted(set(picks)), 1):
            pid, sku, name, rate, prices = self.products[j]
            qty, price = rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 24)), prices[currency]
            pct = 10 if rng.random() < 0.08 else 0
            disc = (qty * price * pct + 50) // 100
            net = qty * price - disc
            self.line_id += 1
            lines.append(Line(self.line_id, position, pid, sku, name, qty, price, pct, disc, rate, net,
                              (net * rate + 50) // 100))
        return lines


def line_row(line: Line, order: Order) -> str:
    shipped = {"fulfilled": line.quantity, "completed": line.quantity,
               "partially_fulfilled": line.quantity // 2}.get(order.status, 0)
    return (f"{line.id}\t{line.position}\t{line.sku}\t{line.name}\t{line.quantity}\t{money(line.price)}\t"
            f"{line.discount_percent}\t0\t{line.rate}\t{money(line.discount)}\t{money(line.tax)}\t"
            f"{money(line.net + line.tax)}\t{shipped}\t{order.id}\t{line.product}\n")


def copy_orders(conn, n: int, products: list, customers: list, rng: random.Random, now: datetime) -> int:
    """N orders with 1-5 lines (OrderDraw), and their invoices and payments (InvoiceBook) written
    as the orders are made, COPYed chunk by chunk into bare tables; returns the rows written."""
    cur = conn.cursor()
    warehouse = cur.execute("SELECT id FROM inventory_warehouse").fetchone()[0]
    draw = OrderDraw(n, products, customers, rng, now)
    restore = strip_for_bulk_load(cur, ORDER_TABLES + INVOICE_TABLES)
    cur.execute(f"TRUNCATE {', '.join(ORDER_TABLES + INVOICE_TABLES)}")  # in this transaction: COPY FREEZE allowed
    # A random stream of its own: the orders are the same as they were before invoices were written.
    book = InvoiceBook(cur, random.Random(sum(rng.getstate()[1])), now)
    rows, started = {table: [] for table in ORDER_TABLES}, time.perf_counter()
    for oid in range(1, n + 1):
        order, row = draw.order(oid, warehouse)
        rows["sales_salesorder"].append(row)
        rows["sales_salesorderline"].extend(line_row(x, order) for x in order.lines)
        book.release(until=order.created)  # what was issued and paid before this order came in
        book.add(order)
        if oid % CHUNK == 0 or oid == n:
            for table, chunk in rows.items():
                with cur.copy(f"COPY {table} ({ORDER_COLUMNS[table]}) FROM STDIN (FREEZE)") as copy:
                    copy.write("".join(chunk))
                chunk.clear()
            book.copy(cur)
    written = n + draw.line_id + book.finish(cur)
    took = time.perf_counter() - started
    print(f"  generated and copied with {draw.line_id:,} lines, {book.ids['invoicing_invoice']:,} invoices "
          f"({book.ids['invoicing_invoiceline']:,} lines), {book.ids['payments_payment']:,} payments: {took:.1f} s "
          f"= {written / took:,.0f} rows/s ({n / took:,.0f} orders/s)", flush=True)
    t = time.perf_counter()
    cur.execute("SET maintenance_work_mem = '1GB'")
    for sql in restore:
        cur.execute(sql)
    for table in ORDER_TABLES:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cur.execute("INSERT INTO core_numbercounter (series_id, period, last_value) SELECT s.id, y.period, y.n "
                "FROM core_numberseries s, unnest(%s::text[], %s::bigint[]) AS y(period, n) "
                "WHERE s.doc_type = 'sales.order' ON CONFLICT (series_id, period) "
                "DO UPDATE SET last_value = EXCLUDED.last_value", [[str(y) for y in draw.seq], list(draw.seq.values())])
    book.sequences_set(cur)
    conn.commit()
    print(f"  {len(restore)} indexes and constraints rebuilt, foreign keys validated: "
          f"{time.perf_counter() - t:.1f} s", flush=True)
    return written


def check_data() -> None:
    """Totals add up, the pricing code agrees with a sample of lines, the numbering continues; the
    same for the invoices (invoicebook.check_invoices), with an invoice for a new order."""
    from django.db import connection
    from oms.sales.lines import LineSpec
    from oms.sales.models import SalesOrderLine
    from oms.sales.pricing import LineInput, line_amounts
    from oms.sales.services import OrderSpec, order_create

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM sales_salesorder o JOIN (SELECT order_id, sum(line_total) t, "
                    "sum(line_tax) x FROM sales_salesorderline GROUP BY order_id) l ON l.order_id = o.id "
                    "WHERE l.t <> o.total OR l.x <> o.tax_total")
        bad = cur.fetchone()[0]
    for line in SalesOrderLine.objects.select_related("order").order_by("?")[:200]:
        a = line_amounts(LineInput(line.quantity, line.unit_price, line.discount_percent, line.discount_amount,
                                   line.tax_rate), currency=line.order.currency, tax_inclusive=False)
        bad += (a.total, a.tax, a.discount) != (line.line_total, line.line_tax, line.line_discount)
    # A taxed and an exempt product (every tenth is food), confirmed: to be invoiced in the invoice checks.
    lines = [LineSpec(sku="SKU-0001", quantity="1"), LineSpec(sku="SKU-0007", quantity="2")]
    order = order_create(spec=OrderSpec(customer="C00002", lines=lines), confirm=True)
    print(f"  check: {bad} orders/lines with wrong totals; a new order through the service got {order.number}")
    bad += check_invoices(order)
    assert bad == 0


def load(db: str, orders: int, customers: int, rng: random.Random) -> None:
    """The whole order book into a fresh, migrated database (Django set up for it)."""
    import psycopg
    from django.utils import timezone

    t = time.perf_counter()
    products, first = seed_reference(rng)
    print(f"reference data through the services: {time.perf_counter() - t:.1f} s", flush=True)
    with psycopg.connect(db) as conn:
        t, now = time.perf_counter(), timezone.now()
        parties = copy_customers(conn, customers, first, rng, now)
        print(f"{customers:,} customers with addresses by COPY: {time.perf_counter() - t:.1f} s\n"
              f"{orders:,} orders:", flush=True)
        t = time.perf_counter()
        rows = copy_orders(conn, orders, products, parties, rng, now)
        conn.autocommit = True
        for sql in (f"VACUUM (ANALYZE) {', '.join(ORDER_TABLES + INVOICE_TABLES)}", "ANALYZE", "CHECKPOINT"):
            conn.execute(sql)  # CHECKPOINT: measure a settled database, not one still writing out the load
        took = time.perf_counter() - t
        print(f"  with VACUUM ANALYZE and CHECKPOINT: {took:.1f} s = {rows / took:,.0f} rows/s", flush=True)
    check_data()
