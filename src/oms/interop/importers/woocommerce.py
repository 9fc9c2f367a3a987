"""WooCommerce's product CSV (the core importer's columns): simple, variable, variation, external,
grouped products; a variation names its parent by SKU or by "id:NN"."""

from __future__ import annotations

from collections.abc import Iterator

from oms.interop.importers.common import ReadOptions, issue_of, made_sku, sku_cell, unreadable_issue
from oms.interop.importers.reading import CsvSource, Row, RowUnreadable
from oms.interop.importers.records import Item, ProductRecord
from oms.interop.importers.values import CellError, Issue, parse_money, text

COLUMNS = ["ID", "Type", "SKU", "Name", "Regular price", "Parent"]
KNOWN_TYPES = {"simple", "variable", "variation", "grouped", "external", "downloadable", "virtual"}


def _attributes(row: Row) -> dict[str, str]:
    found = {}
    for n in range(1, 21):
        name = row.get(f"Attribute {n} name")
        if f"Attribute {n} name" not in row.values:
            break
        value = row.get(f"Attribute {n} value(s)")
        if name and value and "," not in value:  # a list of values belongs to the parent, not a variation
            found[name[:50]] = value[:100]
    return found


def _record(row: Row, options: ReadOptions, skus_by_id: dict[str, str]) -> ProductRecord:
    types = {t.strip().lower() for t in row.get("Type").split(",") if t.strip()}
    unknown = types - KNOWN_TYPES
    if not types or unknown:
        raise CellError("Type", f"unknown product type {row.get('Type')!r}", "invalid_type")
    name = text(row.get("Name"), "Name", max_length=200, required=True)
    sku = sku_cell(row.get("SKU"), "SKU")
    parent = ""
    if "variation" in types:
        reference = row.get("Parent")
        parent = skus_by_id.get(reference[3:], "") if reference.startswith("id:") else reference
        if not parent:
            raise CellError("Parent", f"variation without a known parent ({reference!r}); "
                                      "the parent must come earlier in the file or already exist", "unknown_parent")
        sku = sku or made_sku(parent, *_attributes(row).values())
    sku = sku or made_sku(name)
    price = parse_money(row.get("Regular price"), "Regular price", options.currency)
    published = row.get("Published").strip()
    return ProductRecord(
        sku=sku, name=name, description=text(row.get("Description") or row.get("Short description"),
                                             "Description", max_length=20000),
        price=None if "variable" in types else price, parent_sku=parent,
        attributes=_attributes(row) if parent else {}, active=published in ("1", ""),
        product_type="service" if types & {"virtual", "external"} else "stocked",
        external_id=row.get("ID"))


def read_products(source: CsvSource, options: ReadOptions) -> Iterator[Item]:
    source.require(COLUMNS, "WooCommerce products CSV")
    skus_by_id: dict[str, str] = {}
    for row in source.rows():
        if isinstance(row, RowUnreadable):
            yield Item(row.line, row.line, "", None, [unreadable_issue(row)])
            continue
        item = Item(row.line, row.end_line, row.get("SKU") or row.get("ID"), None, offset=row.offset)
        if row.get("Type").lower() == "grouped":
            item.issues.append(Issue(row.line, "Type", "unsupported_type", key=item.key, severity="warning",
                                     reason="grouped products are collections of other products; not imported"))
            yield item
            continue
        try:
            item.record = _record(row, options, skus_by_id)
            item.key = item.record.sku
            if row.get("ID"):
                skus_by_id[row.get("ID")] = item.record.sku
        except CellError as exc:
            item.issues.append(issue_of(exc, row.line, item.key))
        yield item
