"""Exports in our own documented columns (CSV, XLSX) and in Shopify's CSV columns.

``export_for(entity, fmt)`` names the export; ``export_csv`` / ``export_xlsx`` produce it. The
columns are documented in docs/export.md. Invoices and payments exist only when their modules are
enabled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from django.apps import apps

from oms.core.errors import DomainError, NotFound
from oms.interop.exporters.base import Export
from oms.interop.exporters.columns import ExportRequest
from oms.interop.exporters.customers import CUSTOMERS
from oms.interop.exporters.orders import ORDERS
from oms.interop.exporters.products import PRODUCTS
from oms.interop.exporters.shopify_orders import SHOPIFY_ORDERS
from oms.interop.exporters.shopify_products import SHOPIFY_PRODUCTS
from oms.interop.exporters.writers import csv_blocks, xlsx_file

OWN: dict[str, Export] = {e.entity: e for e in (PRODUCTS, CUSTOMERS, ORDERS)}
SHOPIFY: dict[str, Export] = {e.entity: e for e in (SHOPIFY_PRODUCTS, SHOPIFY_ORDERS)}

if apps.is_installed("oms.invoicing"):
    from oms.interop.exporters.invoices import INVOICES

    OWN[INVOICES.entity] = INVOICES
if apps.is_installed("oms.payments"):
    from oms.interop.exporters.payments import PAYMENTS

    OWN[PAYMENTS.entity] = PAYMENTS

FORMATS = ("csv", "xlsx", "shopify")
ENTITIES = ("products", "customers", "orders", "invoices", "payments")


def export_for(entity: str, fmt: str) -> Export:
    if fmt not in FORMATS:
        raise DomainError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}", field="format",
                          code="unsupported_format")
    if entity not in OWN:
        known = ", ".join(e for e in ENTITIES if e in OWN)
        raise NotFound(f"Nothing called {entity!r} can be exported here; exports: {known}", field="entity",
                       code="unknown_export")
    if fmt == "shopify":
        if entity not in SHOPIFY:
            raise DomainError(f"Shopify columns exist for {' and '.join(SHOPIFY)}, not for {entity}",
                              field="format", code="unsupported_format")
        return SHOPIFY[entity]
    return OWN[entity]


def _prepared(export: Export, request: ExportRequest, queryset=None):
    export.check_filters(request)
    columns = export.columns(request)
    base = export.queryset(request)
    if queryset is not None:  # the rows of that list, read with the export's own joins and order
        base = base.filter(pk__in=queryset.order_by().values("pk"))
    return columns, export.rows(base, request)


def export_csv(export: Export, request: ExportRequest, *, queryset=None) -> Iterator[str]:
    """The CSV text in blocks. Filters and columns are checked before the first block, so a bad
    request fails before anything is sent. ``queryset`` (the back office's filtered list)
    narrows the export to its rows."""
    columns, rows = _prepared(export, request, queryset)
    return csv_blocks(columns, rows)


def export_xlsx(export: Export, request: ExportRequest, *, queryset=None) -> IO[bytes]:
    columns, rows = _prepared(export, request, queryset)
    return xlsx_file(columns, rows, title=export.title)


__all__ = ["ENTITIES", "FORMATS", "Export", "ExportRequest", "export_csv", "export_for", "export_xlsx"]
