"""Shopify's products CSV (one row per variant, grouped by Handle) and its orders export CSV (one row
per line item; the first row of an order carries the order's own fields)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from stdnum import ean

from oms.interop.importers.common import (
    ReadOptions, grouped, issue_of, made_sku, sku_cell, unreadable_issue,
)
from oms.interop.importers.reading import CsvSource, Row, RowUnreadable
from oms.interop.importers.records import (
    AddressRecord, CustomerRecord, Item, OrderLineRecord, OrderRecord, ProductRecord,
)
from oms.interop.importers.values import (
    CellError, Issue, currency_code, parse_bool, parse_datetime, parse_decimal, parse_money, parse_quantity, text,
)

PRODUCT_COLUMNS = ["Handle", "Title", "Option1 Value", "Variant SKU", "Variant Price"]
ORDER_COLUMNS = ["Name", "Currency", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Total"]
_OPTIONS = ((f"Option{n} Name", f"Option{n} Value") for n in (1, 2, 3))
OPTION_COLUMNS = tuple(_OPTIONS)


# --- products -------------------------------------------------------------------------------

def _is_variant_row(row: Row) -> bool:
    return bool(row.get("Option1 Value") or row.get("Variant SKU") or row.get("Variant Price"))


def _barcode(row: Row, line: int, key: str, issues: list[Issue]) -> str:
    """Shopify barcodes are free text; ours are checked EANs. A bad one is dropped with a warning."""
    raw = row.get("Variant Barcode").lstrip("'")  # spreadsheets keep leading zeros with a quote
    if not raw:
        return ""
    if not raw.isdigit() or len(raw) not in (8, 12, 13) or not ean.is_valid(raw):
        issues.append(Issue(line=line, column="Variant Barcode", code="invalid_barcode", key=key,
                            reason=f"barcode {raw!r} is not a valid EAN-13, UPC-A or EAN-8 (check digit); "
                                   "imported without it", severity="warning"))
        return ""
    return raw


def _active(first: Row) -> bool:
    status = first.get("Status").lower()
    if status:
        return status == "active"
    return parse_bool(first.get("Published"), "Published", default=True)


def _product(handle: str, rows: list[Row], options: ReadOptions, seen: dict[str, int]) -> Item:
    first = rows[0]
    item = Item(line=first.line, end_line=rows[-1].end_line, key=handle, record=None, offset=rows[-1].offset)
    try:
        name = text(first.get("Title"), "Title", max_length=200, required=True)
        description = text(first.get("Body (HTML)"), "Body (HTML)", max_length=20000)
        active = _active(first)
    except CellError as exc:
        item.issues.append(issue_of(exc, first.line, handle))
        return item
    names = [first.get(n) for n, _ in OPTION_COLUMNS]
    variant_rows = [row for row in rows if _is_variant_row(row)]
    single = (len(variant_rows) == 1 and names[0] in ("Title", "")
              and first.get("Option1 Value") in ("Default Title", ""))
    variants = []
    for row in variant_rows:
        try:
            values = [row.get(v) for _, v in OPTION_COLUMNS]
            attributes = {n: v for n, v in zip(names, values, strict=True) if n and v}
            sku = sku_cell(row.get("Variant SKU"), "Variant SKU") or (
                made_sku(handle) if single else made_sku(handle, *attributes.values()))
            if not sku:
                raise CellError("Variant SKU", "no SKU and nothing to make one from", "required")
            if sku in seen:
                raise CellError("Variant SKU", f"SKU {sku} appears again (first at line {seen[sku]})", "duplicate_key")
            seen[sku] = row.line
            price = parse_money(row.get("Variant Price"), "Variant Price", options.currency)
            shipped = parse_bool(row.get("Variant Requires Shipping"), "Variant Requires Shipping", default=True)
            gift = parse_bool(first.get("Gift Card"), "Gift Card")
            variants.append(ProductRecord(
                sku=sku, name=name if single else f"{name} - {' / '.join(attributes.values())}"[:200],
                description=description, barcode=_barcode(row, row.line, sku, item.issues), price=price,
                attributes={} if single else attributes, active=active,
                product_type="service" if gift or not shipped else "stocked"))
        except CellError as exc:
            item.issues.append(issue_of(exc, row.line, handle))
    if not variants:
        if not item.issues:
            item.issues.append(Issue(line=first.line, column="Variant SKU", code="no_variants", key=handle,
                                     reason=f"product {handle} has no variant rows"))
        return item
    if single:
        item.record = variants[0]
        return item
    parent_sku = made_sku(handle)
    if parent_sku in seen:
        item.issues.append(Issue(line=first.line, column="Handle", code="duplicate_key", key=handle,
                                 reason=f"SKU {parent_sku} appears again (first at line {seen[parent_sku]})"))
        return item
    seen[parent_sku] = first.line
    for variant in variants:
        variant.parent_sku = parent_sku
    item.record = ProductRecord(sku=parent_sku, name=name, description=description, active=active,
                                product_type=variants[0].product_type)
    item.record.variants = variants
    return item


def read_products(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    source.require(PRODUCT_COLUMNS, "Shopify products CSV")
    seen: dict[str, int] = {}
    for group in grouped(source.rows(), "Handle"):
        if isinstance(group, RowUnreadable):
            yield Item(group.line, group.line, "", None, [unreadable_issue(group)])
            continue
        handle, rows = group
        if not handle:
            row = rows[0]
            yield Item(row.line, rows[-1].end_line, "", None,
                       [Issue(row.line, "Handle", "required", "Handle is required")], row.offset)
            continue
        yield _product(handle, rows, options, seen)


# --- orders ---------------------------------------------------------------------------------

_FULFILMENT = {"fulfilled": "fulfilled", "partial": "partially_fulfilled", "unfulfilled": "confirmed",
               "": "confirmed", "restocked": "cancelled", "pending": "confirmed"}
_PAYMENT = {"pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"}
_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _address(row: Row, prefix: str, kind: str) -> AddressRecord:
    line1 = row.get(f"{prefix} Address1") or row.get(f"{prefix} Street")
    return AddressRecord(kind=kind, name=row.get(f"{prefix} Name")[:200], line1=line1[:200],
                         line2=row.get(f"{prefix} Address2")[:200], city=row.get(f"{prefix} City")[:100],
                         region=(row.get(f"{prefix} Province Name") or row.get(f"{prefix} Province"))[:100],
                         postal_code=row.get(f"{prefix} Zip")[:20], country=row.get(f"{prefix} Country").upper()[:2])


def _customer(first: Row) -> CustomerRecord:
    billing, shipping = _address(first, "Billing", "billing"), _address(first, "Shipping", "shipping")
    email = first.get("Email").lower()
    name = billing.name or shipping.name or email
    return CustomerRecord(name=name[:200], email=email, phone=(first.get("Phone") or first.get("Billing Phone"))[:50],
                          external_id=email, addresses=[a for a in (billing, shipping) if a.is_complete()])


def _tax_rate(first: Row) -> Decimal:
    """One tax named with a rate ("VAT 20%") applies to every taxable line; otherwise lines carry none
    and the order keeps Shopify's tax total as it was."""
    names = [first.get(f"Tax {n} Name") for n in range(1, 6) if first.get(f"Tax {n} Name")]
    if len(names) != 1:
        return Decimal(0)
    match = _RATE.search(names[0])
    return Decimal(match.group(1).replace(",", ".")) if match else Decimal(0)


def _line(row: Row, currency: str, rate: Decimal) -> OrderLineRecord:
    quantity = parse_quantity(row.get("Lineitem quantity"), "Lineitem quantity")
    price = parse_money(row.get("Lineitem price"), "Lineitem price", currency, required=True)
    discount = parse_money(row.get("Lineitem discount"), "Lineitem discount", currency) or Decimal(0)
    taxable = parse_bool(row.get("Lineitem taxable"), "Lineitem taxable", default=True)
    return OrderLineRecord(
        description=text(row.get("Lineitem name"), "Lineitem name", max_length=300, required=True),
        quantity=quantity, unit_price=price, sku=sku_cell(row.get("Lineitem sku"), "Lineitem sku"),
        discount_amount=discount, tax_rate=rate if taxable else Decimal(0),
        fulfilled=row.get("Lineitem fulfillment status").lower() == "fulfilled")


def _status(first: Row, cancelled) -> str:
    if cancelled:
        return "cancelled"
    fulfilment = first.get("Fulfillment Status").lower()
    if fulfilment not in _FULFILMENT:
        raise CellError("Fulfillment Status", f"unknown fulfilment status {fulfilment!r}", "invalid_status")
    return _FULFILMENT[fulfilment]


def _at_line(row: Row, build):
    """Build from one row, so that an error names that row's line rather than the order's first."""
    try:
        return build()
    except CellError as exc:
        exc.line = row.line
        raise


def _order(number: str, rows: list[Row], options: ReadOptions) -> OrderRecord:
    first = rows[0]
    when = lambda column: parse_datetime(first.get(column), column, tz=options.time_zone,  # noqa: E731
                                         day_first=options.day_first)
    currency = currency_code(first.get("Currency"), "Currency")
    money = lambda column: parse_money(first.get(column), column, currency) or Decimal(0)  # noqa: E731
    created = when("Created at")
    if created is None:
        raise CellError("Created at", "the order date is required", "required")
    financial = first.get("Financial Status").lower()
    if financial and financial not in _PAYMENT:
        raise CellError("Financial Status", f"unknown payment status {financial!r}", "invalid_status")
    total = parse_money(first.get("Total"), "Total", currency, required=True)
    outstanding = parse_decimal(first.get("Outstanding Balance"), "Outstanding Balance")
    if outstanding is not None:
        paid = max(total - outstanding, Decimal(0))
    else:
        paid = total if financial in ("paid", "partially_refunded", "refunded") else Decimal(0)
    cancelled = when("Cancelled at")
    rate = _tax_rate(first)
    record = OrderRecord(
        number=number, currency=currency, created_at=created, status=_status(first, cancelled),
        customer=_customer(first), external_id=first.get("Id")[:100],
        subtotal=money("Subtotal"), discount_total=money("Discount Amount"), shipping_total=money("Shipping"),
        tax_total=money("Taxes"), total=total, payment_status=financial, amount_paid=paid,
        amount_refunded=money("Refunded Amount"), paid_at=when("Paid at"), fulfilled_at=when("Fulfilled at"),
        cancelled_at=cancelled, notes=first.get("Notes"),
        lines=[_at_line(row, lambda r=row: _line(r, currency, rate)) for row in rows])
    record.billing_address = _address(first, "Billing", "billing").as_dict()
    record.shipping_address = _address(first, "Shipping", "shipping").as_dict()
    return record


def read_orders(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    source.require(ORDER_COLUMNS, "Shopify orders export CSV")
    for group in grouped(source.rows(), "Name"):
        if isinstance(group, RowUnreadable):
            yield Item(group.line, group.line, "", None, [unreadable_issue(group)])
            continue
        number, rows = group
        item = Item(rows[0].line, rows[-1].end_line, number, None, offset=rows[-1].offset)
        if not number:
            item.issues.append(Issue(rows[0].line, "Name", "required", "the order number (Name) is required"))
        elif len(number) > 50:
            item.issues.append(Issue(rows[0].line, "Name", "too_long", "the order number is longer than 50 characters"))
        else:
            try:
                item.record = _order(number, rows, options)
            except CellError as exc:
                item.issues.append(issue_of(exc, getattr(exc, "line", rows[0].line), number))
        yield item
