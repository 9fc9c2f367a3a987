"""The invoices of the generated orders, with their lines and line taxes, and the payments allocated
to them: rows for COPY, made while orderbook.copy_orders generates the orders (it has every line's
figures at hand then), valid as the services would have written them.

Every fulfilled or completed order is invoiced, and half of the confirmed and partially fulfilled
ones, each by one invoice for everything ordered (invoice policy "ordered"), issued on the day of
confirmation or a few days later; a few recent ones are still drafts. Lines mirror the order lines
(the discount, the tax rate the order was priced with, the product's tax category), so an invoice's
totals are its order's. Numbers are INV-YYYY-NNNNN per year of issue, gap-free and in issue order;
invoice ids follow the same order. Old invoices are mostly paid, recent ones mostly open: a paid or
partially paid invoice has one payment (PAY-YYYY-NNNNN, numbered in the order received) allocated
to it, so balances, statuses and the overdue list agree. Not written, as for the orders: audit
records and outbox events.
"""

# ruff: noqa: PLC0415 - Django pieces are imported once Django is set up for the chosen database
from __future__ import annotations

import heapq
import random
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import NamedTuple

TABLES = ["invoicing_invoice", "invoicing_invoiceline", "invoicing_invoicelinetax", "payments_payment",
          "payments_allocation"]
COLUMNS = {
    "invoicing_invoice": "id, custom, number, kind, status, currency, reason, issue_date, due_date, "
                         "payment_terms_days, tax_inclusive, language, billing_address, subtotal, tax_total, "
                         "withholding_total, total, notes, created_at, issued_at, customer_id, original_id, "
                         "sales_order_id, created_by, recurring_id",
    "invoicing_invoiceline": "id, position, kind, sku, description, quantity, unit_price, discount_amount, "
                             "tax_percent, line_subtotal, line_tax, line_total, invoice_id, order_line_id, "
                             "original_line_id, product_id, tax_rate_id, tax_category_id",
    "invoicing_invoicelinetax": "id, code, name, percent, kind, compound, taxable, amount, line_id, tax_rate_id",
    "payments_payment": "id, number, kind, status, currency, amount, method, received_on, reference, provider, "
                        "provider_reference, notes, created_at, credit_note_id, customer_id, refund_of_id, side",
    "payments_allocation": "id, amount, created_at, invoice_id, payment_id, reason, reverses_id",
}
PAYMENT_TERMS_DAYS = 30  # every generated customer's (orderbook.copy_customers)
ALWAYS_INVOICED, HALF_INVOICED = {"fulfilled", "completed"}, {"confirmed", "partially_fulfilled"}
PAID_MIX = [  # (invoice younger than N days, payment status weights): customers pay within a month or two
    (30, {"issued": 60, "partially_paid": 10, "paid": 30}),
    (60, {"issued": 15, "partially_paid": 10, "paid": 75}),
    (10**6, {"issued": 3, "partially_paid": 2, "paid": 95}),
]
METHODS = {"bank_transfer": 60, "card": 30, "cash": 10}
DAY = 86400


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


class Line(NamedTuple):
    """An order line as copy_orders generated it: amounts in minor units, rounded per line."""

    id: int
    position: int
    product: int
    sku: str
    name: str
    quantity: int
    price: int
    discount_percent: int
    discount: int
    rate: int
    net: int
    tax: int


class Order(NamedTuple):
    id: int
    status: str
    customer: int
    currency: str
    address: str  # the billing address as JSON
    language: str
    created: float  # timestamps
    confirmed: float | None
    lines: list[Line]


class InDateOrder:
    """Documents made in any order, handed out in the order of their timestamps, with gap-free
    numbers per year (as the number series would have given them) once their time has come."""

    def __init__(self, fmt: str) -> None:
        self.fmt, self.heap, self.seq, self.pushed = fmt, [], {}, 0

    def push(self, at: float, item: object) -> None:
        self.pushed += 1  # a tie-breaker: items themselves are not compared
        heapq.heappush(self.heap, (at, self.pushed, item))

    def pop_until(self, until: float):
        """(timestamp, item) of everything due by ``until``, oldest first."""
        while self.heap and self.heap[0][0] <= until:
            at, _, item = heapq.heappop(self.heap)
            yield at, item

    def number(self, at: float) -> str:
        when = datetime.fromtimestamp(at, UTC)
        self.seq[when.year] = seq = self.seq.get(when.year, 0) + 1
        return self.fmt.format(YYYY=f"{when.year:04d}", YY=f"{when.year % 100:02d}", MM=f"{when.month:02d}",
                               DD=f"{when.day:02d}", seq=seq)


def weighted(mix: dict[str, int]) -> tuple[list[str], list[int]]:
    """Names and cumulative weights, for random.choices."""
    return list(mix), list(accumulate(mix.values()))


class InvoiceBook:
    """Collects the orders as they are generated (oldest first), writes their invoices and payments
    in the order they were issued and received, and COPYs them chunk by chunk."""

    def __init__(self, cur, rng: random.Random, now: datetime) -> None:
        from oms.core.services.numbering import series_get
        from oms.invoicing.services.invoices import DEFAULT_FORMATS, DOC_TYPES
        from oms.payments.services.common import PAYMENT_FORMAT, PAYMENT_SERIES

        self.rng, self.now = rng, now.timestamp()
        # The series are made as the first invoice and payment would make them (on first use).
        self.invoices = InDateOrder(series_get(doc_type=DOC_TYPES["invoice"],
                                               default_format=DEFAULT_FORMATS["invoice"]).format)
        self.payments = InDateOrder(series_get(doc_type=PAYMENT_SERIES, default_format=PAYMENT_FORMAT).format)
        self.numbered = {DOC_TYPES["invoice"]: self.invoices, PAYMENT_SERIES: self.payments}
        cur.execute("SELECT p.id, c.id, c.code, c.name FROM catalog_product p "
                    "JOIN catalog_taxcategory c ON c.id = p.tax_category_id")
        self.categories = {row[0]: row[1:] for row in cur.fetchall()}
        self.paid_mix = [(days, *weighted(mix)) for days, mix in PAID_MIX]
        self.methods = weighted(METHODS)
        self.ids = dict.fromkeys(TABLES, 0)
        self.rows: dict[str, list[str]] = {table: [] for table in TABLES}

    def add(self, order: Order) -> None:
        """Take an order (in the order they were created); its invoice, if any, is written in turn."""
        if order.status in ALWAYS_INVOICED or (order.status in HALF_INVOICED and self.rng.random() < 0.5):
            delay = self.rng.choice((0, 0, 0, 1, 1, 2, 3, 5)) * DAY + self.rng.random() * 4 * 3600
            issued = min(order.confirmed + delay, order.confirmed + (self.now - order.confirmed) * self.rng.random())
            self.invoices.push(issued, order)

    def release(self, until: float) -> None:
        """Write the invoices issued and the payments received by ``until`` (nothing later can come first)."""
        for issued, order in self.invoices.pop_until(until):
            self.write_invoice(order, issued)
        for received, (invoice_id, number, order, amount) in self.payments.pop_until(until):
            self.write_payment(invoice_id, number, order, amount, received)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def write_invoice(self, order: Order, issued: float) -> None:
        invoice_id, draft = self.next_id("invoicing_invoice"), order.status in HALF_INVOICED and self.rng.random() < 0.2
        status, number = ("draft", "\\N") if draft else (self.payment_status(issued), self.invoices.number(issued))
        day = datetime.fromtimestamp(issued, UTC).date()
        dates = "\\N\t\\N" if draft else f"{day}\t{day + timedelta(days=PAYMENT_TERMS_DAYS)}"
        sub, tax = sum(x.net for x in order.lines), sum(x.tax for x in order.lines)
        # Made from the order and issued in one go, as POST /invoices/from-order/{number} with "issue" does.
        created = datetime.fromtimestamp(max(order.confirmed, issued - 60 - self.rng.random() * 240), UTC).isoformat()
        issued_at = "\\N" if draft else datetime.fromtimestamp(issued, UTC).isoformat()
        self.rows["invoicing_invoice"].append(
            f"{invoice_id}\t{{}}\t{number}\tinvoice\t{status}\t{order.currency}\t\t{dates}\t{PAYMENT_TERMS_DAYS}\tf\t"
            f"{order.language}\t{order.address}\t{money(sub)}\t{money(tax)}\t0\t{money(sub + tax)}\t\t{created}\t"
            f"{issued_at}\t{order.customer}\t\\N\t{order.id}\tsystem\t\\N\n")
        for line in order.lines:
            self.write_line(invoice_id, line)
        if status != "issued" and not draft:
            total = sub + tax
            part = total if status == "paid" else max(100, int(total * self.rng.uniform(0.2, 0.8)) // 100 * 100)
            age = (self.now - issued) / DAY
            received = issued + min(age, 40) * DAY * self.rng.random() ** 2  # most pay early, some late
            self.payments.push(received, (invoice_id, number, order, part))

    def payment_status(self, issued: float) -> str:
        age = (self.now - issued) / DAY
        _, statuses, cumulative = next(m for m in self.paid_mix if age < m[0])
        return self.rng.choices(statuses, cum_weights=cumulative)[0]

    def write_line(self, invoice_id: int, line: Line) -> None:
        """The line as build_lines prices it from the order line: the whole discount (policy "ordered"),
        the rate the order was priced with (a category without TaxRate rows is taxed at that rate)."""
        line_id, (category_id, code, name) = self.next_id("invoicing_invoiceline"), self.categories[line.product]
        self.rows["invoicing_invoiceline"].append(
            f"{line_id}\t{line.position}\tgoods\t{line.sku}\t{line.name}\t{line.quantity}\t{money(line.price)}\t"
            f"{money(line.discount)}\t{line.rate}\t{money(line.net)}\t{money(line.tax)}\t{money(line.net + line.tax)}\t"
            f"{invoice_id}\t{line.id}\t\\N\t{line.product}\t\\N\t{category_id}\n")
        # One plain tax per line, the 0% of an exempt category too: build_lines writes it as well.
        self.rows["invoicing_invoicelinetax"].append(
            f"{self.next_id('invoicing_invoicelinetax')}\t{code}\t{name}\t{line.rate}\tstandard\tf\t"
            f"{money(line.net)}\t{money(line.tax)}\t{line_id}\t\\N\n")

    def write_payment(self, invoice_id: int, invoice_number: str, order: Order, amount: int, received: float) -> None:
        payment_id, allocation_id = self.next_id("payments_payment"), self.next_id("payments_allocation")
        method = self.rng.choices(self.methods[0], cum_weights=self.methods[1])[0]
        at = datetime.fromtimestamp(received, UTC)
        self.rows["payments_payment"].append(
            f"{payment_id}\t{self.payments.number(received)}\tpayment\tcompleted\t{order.currency}\t{money(amount)}\t"
            f"{method}\t{at.date()}\t{invoice_number}\tmanual\t\t\t{at.isoformat()}\t\\N\t{order.customer}\t\\N\t"
            f"receivable\n")
        self.rows["payments_allocation"].append(
            f"{allocation_id}\t{money(amount)}\t{at.isoformat()}\t{invoice_id}\t{payment_id}\t\t\\N\n")

    def copy(self, cur) -> None:
        """COPY what was written so far (FREEZE: the tables were truncated in this transaction)."""
        for table, rows in self.rows.items():
            with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN (FREEZE)") as copy:
                copy.write("".join(rows))
            rows.clear()

    def finish(self, cur) -> int:
        """Write and COPY the rest; returns the rows written in all."""
        self.release(float("inf"))
        self.copy(cur)
        return sum(self.ids.values())

    def sequences_set(self, cur) -> None:
        """After the load: the id sequences and the number counters continue after the rows written."""
        for table in TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT max(id) FROM "
                        f"{table})), (SELECT count(*) > 0 FROM {table}))")
        for doc_type, numbers in self.numbered.items():
            cur.execute("INSERT INTO core_numbercounter (series_id, period, last_value) SELECT s.id, y.period, y.n "
                        "FROM core_numberseries s, unnest(%s::text[], %s::bigint[]) AS y(period, n) "
                        "WHERE s.doc_type = %s ON CONFLICT (series_id, period) "
                        "DO UPDATE SET last_value = EXCLUDED.last_value",
                        [[str(y) for y in numbers.seq], list(numbers.seq.values()), doc_type])


CHECKS = {  # what must hold on the loaded invoices and payments: counts of the rows that break it
    "invoice totals <> sum of their lines": (
        "SELECT count(*) FROM invoicing_invoice i JOIN (SELECT invoice_id, sum(line_subtotal) s, sum(line_tax) t, "
        "sum(line_total) g FROM invoicing_invoiceline GROUP BY invoice_id) l ON l.invoice_id = i.id "
        "WHERE l.s <> i.subtotal OR l.t <> i.tax_total OR l.g <> i.total OR i.total <> i.subtotal + i.tax_total"),
    "invoice totals <> order totals": (
        "SELECT count(*) FROM invoicing_invoice i JOIN sales_salesorder o ON o.id = i.sales_order_id "
        "WHERE i.subtotal <> o.subtotal OR i.tax_total <> o.tax_total OR i.total <> o.total"),
    "lines <> quantity x price - discount, or taxes <> line tax": (
        "SELECT count(*) FROM invoicing_invoiceline l LEFT JOIN (SELECT line_id, sum(amount) a FROM "
        "invoicing_invoicelinetax GROUP BY line_id) t ON t.line_id = l.id WHERE l.line_subtotal <> "
        "l.quantity * l.unit_price - l.discount_amount OR l.line_total <> l.line_subtotal + l.line_tax "
        "OR t.a IS DISTINCT FROM l.line_tax"),
    "payment status <> allocations": (
        "SELECT count(*) FROM invoicing_invoice i LEFT JOIN (SELECT invoice_id, sum(amount) a FROM payments_allocation "
        "GROUP BY invoice_id) p ON p.invoice_id = i.id WHERE CASE i.status WHEN 'paid' THEN p.a IS DISTINCT FROM "
        "i.total WHEN 'partially_paid' THEN NOT (p.a > 0 AND p.a < i.total) ELSE p.a IS NOT NULL END"),
    "numbers not gap-free per year": (
        "SELECT count(*) FROM (SELECT left(number, 8) y, count(*) n, max(split_part(number, '-', 3)::int) m "
        "FROM invoicing_invoice WHERE number IS NOT NULL GROUP BY 1) s WHERE n <> m"),
}


def check_invoices(new_order) -> int:
    """The CHECKS, then an invoice through the services for a new, confirmed order gets the next
    number, and its lines and taxes look like the loaded ones. Returns the number of problems found."""
    from django.db import connection
    from django.utils import timezone

    from oms.invoicing.services import invoice_create_from_order, invoice_issue

    bad = 0
    with connection.cursor() as cur:
        for what, sql in CHECKS.items():
            cur.execute(sql)
            found = cur.fetchone()[0]
            if found:
                print(f"  check: {found} invoices/lines with {what}")
            bad += found
        year = timezone.localdate().year
        cur.execute("SELECT count(*) FROM invoicing_invoice WHERE number LIKE %s", [f"INV-{year}-%"])
        expected = f"INV-{year}-{cur.fetchone()[0] + 1:05d}"
        invoice = invoice_issue(invoice=invoice_create_from_order(order=new_order))
        bad += invoice.number != expected
        bad += unlike_loaded(cur, invoice.pk)
    print(f"  check: invoices {'wrong' if bad else 'right'}; a new one through the services got {invoice.number} "
          f"(expected {expected})")
    return bad


def unlike_loaded(cur, invoice_id: int) -> int:
    """Lines and taxes of the service's invoice whose shape none of the first 20,000 loaded invoices
    has (0 when the loader writes what the services do)."""
    shape = ("SELECT l.kind, l.tax_percent, l.tax_rate_id, l.tax_category_id, l.product_id IS NULL, "
             "l.order_line_id IS NULL, t.code, t.name, t.percent, t.kind, t.compound, t.tax_rate_id, "
             "t.taxable = l.line_subtotal, t.amount = l.line_tax FROM invoicing_invoiceline l "
             "LEFT JOIN invoicing_invoicelinetax t ON t.line_id = l.id WHERE ")
    cur.execute(f"SELECT count(*) FROM ({shape} l.invoice_id = %s EXCEPT {shape} l.invoice_id <= 20000 "
                "AND l.invoice_id <> %s) x", [invoice_id, invoice_id])
    odd = cur.fetchone()[0]
    if odd:
        print(f"  check: {odd} line shapes of the service's invoice are not among the loaded ones")
    return odd
