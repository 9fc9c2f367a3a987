"""Odoo's CSV exports: products (product.template / product.product), customers (res.partner) and
quotations / sales orders with their lines (sale.order with order_line/... columns; a line row
after the first leaves the order's columns empty). Odoo writes either the technical field names
("id", "default_code", "order_line/price_unit") or their labels ("External ID", "Internal
Reference", "Order Lines/Unit Price"); both are read. The external id ("id") is the key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from babel import Locale

from oms.interop.importers.common import (
    ReadOptions, grouped, issue_of, made_sku, sku_cell, unreadable_issue,
)
from oms.interop.importers.reading import CsvSource, FileRejected, Row, RowUnreadable
from oms.interop.importers.records import (
    AddressRecord, CustomerRecord, Item, OrderLineRecord, OrderRecord, ProductRecord,
)
from oms.interop.importers.values import (
    CellError, Issue, currency_code, parse_bool, parse_datetime, parse_decimal, parse_money, parse_quantity, text,
)

# label (as Odoo's export dialog writes it) -> technical name
LABELS = {
    "External ID": "id", "Name": "name", "Internal Reference": "default_code", "Barcode": "barcode",
    "Sales Price": "list_price", "Product Type": "detailed_type", "Type": "type", "Active": "active",
    "Sales Description": "description_sale", "Description": "description",
    "Email": "email", "Phone": "phone", "Mobile": "mobile", "Street": "street", "Street2": "street2",
    "City": "city", "Zip": "zip", "State": "state_id", "Country": "country_id", "Tax ID": "vat",
    "Is a Company": "is_company", "Company Name": "company_name",
    "Customer": "partner_id", "Customer/External ID": "partner_id/id", "Order Date": "date_order",
    "Order Reference": "name", "Pricelist": "pricelist_id", "Currency": "currency_id", "Status": "state",
    "Order Lines/Product": "order_line/product_id", "Order Lines/Product Template": "order_line/product_template_id",
    "Order Lines/Description": "order_line/name", "Order Lines/Quantity": "order_line/product_uom_qty",
    "Order Lines/Unit Price": "order_line/price_unit", "Order Lines/Discount (%)": "order_line/discount",
    "Order Lines/Taxes": "order_line/tax_id", "Order Lines/Delivered Quantity": "order_line/qty_delivered",
}
_BRACKETED_CODE = re.compile(r"^\[([^\]]+)\]\s*(.*)$")
_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_CURRENCY_IN = re.compile(r"\(([A-Z]{3})\)")
_STATES = {"draft": "draft", "sent": "draft", "quotation": "draft", "quotation sent": "draft",
           "sale": "confirmed", "sales order": "confirmed", "done": "completed", "locked": "completed",
           "cancel": "cancelled", "cancelled": "cancelled"}


class OdooRow:
    """A row read through the technical names, whichever way the header was written."""

    def __init__(self, row: Row, names: dict[str, str]) -> None:
        self.row, self.names = row, names

    def get(self, field: str) -> str:
        return self.row.get(self.names.get(field, field))

    def column(self, field: str) -> str:
        return self.names.get(field, field)


def _names(header: list[str]) -> dict[str, str]:
    """technical name -> the header's own spelling."""
    names = {}
    for column in header:
        names.setdefault(LABELS.get(column, column), column)
    return names


def _require(source: CsvSource, fields: list[str], what: str) -> dict[str, str]:
    names = _names(source.header)
    missing = [f for f in fields if f not in names]
    if missing:
        raise FileRejected(f"This is not an {what}: the column(s) {', '.join(missing)} are missing "
                           f"(found: {', '.join(source.header[:12])})", "missing_columns", column=missing[0])
    return names


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    names = {name.lower(): code for code, name in Locale("en").territories.items() if len(code) == 2}
    names.update({"united states of america": "US", "usa": "US", "uk": "GB"})
    return names


def country_code(raw: str, column: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    if len(value) == 2 and value.isalpha():
        return value.upper()
    code = _countries().get(value.lower())
    if code is None:
        raise CellError(column, f"unknown country {raw!r}", "invalid_country")
    return code


# --- products -------------------------------------------------------------------------------

def _product(r: OdooRow, options: ReadOptions) -> ProductRecord:
    external_id = r.get("id")
    name = text(r.get("name"), r.column("name"), max_length=200, required=True)
    sku = sku_cell(r.get("default_code"), r.column("default_code")) or made_sku(external_id.replace(".", "-"))
    if not sku:
        raise CellError(r.column("default_code"), "no Internal Reference and no External ID to key the product on",
                        "required")
    kind = (r.get("detailed_type") or r.get("type")).lower()
    return ProductRecord(
        sku=sku, name=name, description=text(r.get("description_sale"), r.column("description_sale"),
                                             max_length=20000),
        barcode=r.get("barcode"), price=parse_money(r.get("list_price"), r.column("list_price"), options.currency),
        active=parse_bool(r.get("active"), r.column("active"), default=True),
        product_type={"service": "service", "consu": "consumable", "combo": "service"}.get(kind, "stocked"),
        external_id=external_id)


def read_products(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    names = _require(source, ["id", "name"], "Odoo products export")
    for row in source.rows():
        if isinstance(row, RowUnreadable):
            yield Item(row.line, row.line, "", None, [unreadable_issue(row)])
            continue
        r = OdooRow(row, names)
        item = Item(row.line, row.end_line, r.get("id") or r.get("default_code"), None, offset=row.offset)
        try:
            item.record = _product(r, options)
            item.key = item.key or item.record.sku
        except CellError as exc:
            item.issues.append(issue_of(exc, row.line, item.key))
        yield item


# --- customers ------------------------------------------------------------------------------

def _customer(r: OdooRow) -> CustomerRecord:
    address = AddressRecord(
        kind="billing", name="", line1=r.get("street")[:200], line2=r.get("street2")[:200],
        city=r.get("city")[:100], region=r.get("state_id").split(" (")[0][:100], postal_code=r.get("zip")[:20],
        country=country_code(r.get("country_id"), r.column("country_id")))
    addresses = [address] if address.is_complete() else []
    if addresses:
        addresses.append(AddressRecord(**{**address.__dict__, "kind": "shipping"}))
    return CustomerRecord(
        name=text(r.get("name"), r.column("name"), max_length=200, required=True),
        email=r.get("email").lower()[:254], phone=(r.get("phone") or r.get("mobile"))[:50], tax_id=r.get("vat")[:50],
        external_id=r.get("id"), addresses=addresses,
        is_company=parse_bool(r.get("is_company"), r.column("is_company")))


def read_customers(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    names = _require(source, ["id", "name"], "Odoo customers export")
    for row in source.rows():
        if isinstance(row, RowUnreadable):
            yield Item(row.line, row.line, "", None, [unreadable_issue(row)])
            continue
        r = OdooRow(row, names)
        item = Item(row.line, row.end_line, r.get("id"), None, offset=row.offset)
        if not item.key:
            item.issues.append(Issue(row.line, r.column("id"), "required", "the External ID is required"))
        else:
            try:
                item.record = _customer(r)
            except CellError as exc:
                item.issues.append(issue_of(exc, row.line, item.key))
        yield item


# --- quotations / sales orders ----------------------------------------------------------------

def _line(r: OdooRow, currency: str) -> OrderLineRecord:
    product = r.get("order_line/product_id") or r.get("order_line/product_template_id") or r.get("order_line/name")
    match = _BRACKETED_CODE.match(product)
    sku, description = (match.group(1), match.group(2)) if match else ("", product)
    tax = _RATE.search(r.get("order_line/tax_id"))
    discount = parse_decimal(r.get("order_line/discount"), r.column("order_line/discount")) or Decimal(0)
    if not 0 <= discount <= 100:
        raise CellError(r.column("order_line/discount"), "a discount is a percentage from 0 to 100", "invalid_discount")
    return OrderLineRecord(
        description=text(r.get("order_line/name") or description or product, r.column("order_line/product_id"),
                         max_length=300, required=True),
        sku=sku_cell(sku, r.column("order_line/product_id")),
        quantity=parse_quantity(r.get("order_line/product_uom_qty"), r.column("order_line/product_uom_qty")),
        unit_price=parse_money(r.get("order_line/price_unit"), r.column("order_line/price_unit"), currency,
                               required=True),
        discount_percent=discount, tax_rate=Decimal(tax.group(1).replace(",", ".")) if tax else Decimal(0))


def _currency(r: OdooRow, options: ReadOptions) -> str:
    if r.get("currency_id"):
        return currency_code(r.get("currency_id"), r.column("currency_id"))
    found = _CURRENCY_IN.search(r.get("pricelist_id"))
    return currency_code(found.group(1), r.column("pricelist_id")) if found else options.currency


def _order(number: str, rows: list[OdooRow], options: ReadOptions) -> OrderRecord:
    first = rows[0]
    currency = _currency(first, options)
    state = first.get("state").lower()
    if state not in _STATES and state:
        raise CellError(first.column("state"), f"unknown order status {state!r}", "invalid_status")
    created = parse_datetime(first.get("date_order"), first.column("date_order"), tz=options.time_zone,
                             day_first=options.day_first)
    if created is None:
        raise CellError(first.column("date_order"), "the order date is required", "required")
    customer = text(first.get("partner_id"), first.column("partner_id"), max_length=200, required=True)
    lines = []
    for r in rows:
        try:
            lines.append(_line(r, currency))
        except CellError as exc:
            exc.line = r.row.line
            raise
    return OrderRecord(number=number, currency=currency, created_at=created, status=_STATES.get(state, "draft"),
                       customer=CustomerRecord(name=customer, external_id=first.get("partner_id/id")),
                       lines=lines, external_id=first.get("id") or number)


def read_quotations(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    names = _require(source, ["name", "partner_id", "date_order", "order_line/product_uom_qty",
                              "order_line/price_unit"], "Odoo quotations export")
    # Odoo leaves the order's columns empty on its second and later line rows.
    key = names["name"]
    for group in grouped(source.rows(), key, continues=lambda row: not row.get(key)):
        if isinstance(group, RowUnreadable):
            yield Item(group.line, group.line, "", None, [unreadable_issue(group)])
            continue
        number, raw_rows = group
        odoo_rows = [OdooRow(row, names) for row in raw_rows]
        item = Item(raw_rows[0].line, raw_rows[-1].end_line, number, None, offset=raw_rows[-1].offset)
        if not number:
            item.issues.append(Issue(raw_rows[0].line, key, "required", "the Order Reference is required"))
        else:
            try:
                item.record = _order(number[:50], odoo_rows, options)
            except CellError as exc:
                item.issues.append(issue_of(exc, getattr(exc, "line", raw_rows[0].line), number))
        yield item
