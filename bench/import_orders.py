#!/usr/bin/env python3
"""Importing a Shopify orders export of N orders (default 1,000,000) on PostgreSQL: rows/s and orders/s.

Generates a CSV in Shopify's 79 export columns (1-3 line items per order, a 20% tax, customers
drawn from a pool with billing and shipping addresses, most orders paid and fulfilled), then runs
the same import job as `oms import shopify_orders FILE` with its progress bar. Runs on a fresh
database (dropped and migrated) unless --reuse.

    .venv/bin/python bench/import_orders.py [--orders 1000000] [--customers 20000] [--batch-size 1000]
                                            [--db postgresql://postgres@127.0.0.1:5432/oms_import_bench] [--reuse]
"""

# ruff: noqa: PLC0415 - Django pieces are imported once the database is chosen and Django is set up
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import django_setup, fresh_database, seed

CENT = Decimal("0.01")


def generate(path: Path, header: list[str], orders: int, customers: int, products: int, seed_value: int = 7) -> int:
    """Write the export in Shopify's order columns (``header``); returns the number of CSV rows (line items)."""
    rng = random.Random(seed_value)
    index = {name: i for i, name in enumerate(header)}
    prices = [Decimal(f"{10 + i % 90}.{i % 100:02d}") for i in range(products)]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(orders):
            who = rng.randrange(customers)
            lines = [(rng.randrange(products), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            gross = [prices[p] * q for p, q in lines]
            taxes = [(g * Decimal("0.2")).quantize(CENT) for g in gross]
            subtotal, tax = sum(gross), sum(taxes)
            shipping = Decimal("4.90") if subtotal < 50 else Decimal("0.00")
            total = subtotal + tax + shipping
            when = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}:{(n * 7) % 60:02d} -0400"
            fulfilled = n % 10 != 0
            for i, ((product, quantity), amount) in enumerate(zip(lines, gross, strict=True)):
                row = [""] * len(header)
                row[index["Name"]] = f"#{100000 + n}"
                row[index["Email"]] = f"customer{who}@example.com"
                row[index["Created at"]] = when
                row[index["Lineitem quantity"]] = str(quantity)
                row[index["Lineitem name"]] = f"Product {product}"
                row[index["Lineitem price"]] = str(prices[product])
                row[index["Lineitem sku"]] = f"P{product:05d}"
                row[index["Lineitem requires shipping"]] = "true"
                row[index["Lineitem taxable"]] = "true"
                row[index["Lineitem fulfillment status"]] = "fulfilled" if fulfilled else "pending"
                row[index["Lineitem discount"]] = "0.00"
                row[index["Vendor"]] = "Bench Vendor"
                if i == 0:
                    for column, value in {
                        "Financial Status": "paid", "Paid at": when, "Currency": "EUR",
                        "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
                        "Fulfilled at": when if fulfilled else "", "Accepts Marketing": "no",
                        "Subtotal": str(subtotal), "Shipping": str(shipping), "Taxes": str(tax), "Total": str(total),
                        "Discount Amount": "0.00", "Billing Name": f"Customer {who}",
                        "Billing Address1": f"{who} Main St", "Billing City": "Ottawa", "Billing Zip": "K2P 2L8",
                        "Billing Country": "CA", "Shipping Name": f"Customer {who}",
                        "Shipping Address1": f"{who} Main St", "Shipping City": "Ottawa",
                        "Shipping Zip": "K2P 2L8", "Shipping Country": "CA", "Payment Method": "manual",
                        "Outstanding Balance": "0.00", "Id": str(6600000000000 + n), "Risk Level": "Low",
                        "Source": "web", "Tax 1 Name": "VAT 20%", "Tax 1 Value": str(tax),
                    }.items():
                        row[index[column]] = value
                writer.writerow(row)
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/oms_import_bench")
    parser.add_argument("--reuse", action="store_true", help="keep the database (it must be migrated and seeded)")
    args = parser.parse_args()

    if not args.reuse:
        fresh_database(args.db)
    django_setup(args.db)
    if not args.reuse:
        seed(n_products=args.products)

    from tqdm import tqdm

    from oms.interop.exporters.shopify_orders import HEADER as SHOPIFY_ORDER_COLUMNS
    from oms.interop.services_imports import import_job_create, import_job_run
    from oms.sales.models import SalesOrder, SalesOrderLine

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders_export.csv"
        t = time.perf_counter()
        rows = generate(path, SHOPIFY_ORDER_COLUMNS, args.orders, args.customers, args.products)
        print(f"generated {args.orders:,} orders, {rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB "
              f"in {time.perf_counter() - t:.1f} s", flush=True)
        job = import_job_create(upload=str(path), file_name=path.name, format="shopify_orders", currency="EUR")
        bar = tqdm(total=job.file_size, unit="B", unit_scale=True, desc="import", file=sys.stdout)

        def progress(current) -> None:
            bar.update(current.bytes_read - bar.n)

        t = time.perf_counter()
        job = import_job_run(job=job, batch_size=args.batch_size, progress=progress)
        elapsed = time.perf_counter() - t
        bar.close()
    imported = SalesOrder.objects.filter(channel="import").count()
    print(f"\njob #{job.pk} {job.status}: created {job.created_count:,}, errors {job.error_count:,}; "
          f"{imported:,} imported orders, {SalesOrderLine.objects.filter(order__channel='import').count():,} lines")
    print(f"import: {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s = {args.orders / elapsed:,.0f} orders/s")
    if imported != args.orders or job.error_count:
        sys.exit(1)


if __name__ == "__main__":
    main()
