"""Importers: one reader per foreign format (Shopify, WooCommerce, Odoo), writers that go through the
owning modules' services, and the parsing of cells and files they share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from oms.interop.importers import odoo, shopify, woocommerce
from oms.interop.importers.common import ReadOptions
from oms.interop.importers.reading import CsvSource
from oms.interop.importers.records import Item
from oms.interop.models import ImportFormat


@dataclass(frozen=True)
class Format:
    source: str  # the system, for external keys
    kind: str  # product, customer or order
    read: Callable[[CsvSource, ReadOptions], Iterator[Item]]


FORMATS: dict[str, Format] = {
    ImportFormat.SHOPIFY_PRODUCTS: Format("shopify", "product", shopify.read_products),
    ImportFormat.SHOPIFY_ORDERS: Format("shopify", "order", shopify.read_orders),
    ImportFormat.WOOCOMMERCE_PRODUCTS: Format("woocommerce", "product", woocommerce.read_products),
    ImportFormat.ODOO_PRODUCTS: Format("odoo", "product", odoo.read_products),
    ImportFormat.ODOO_CUSTOMERS: Format("odoo", "customer", odoo.read_customers),
    ImportFormat.ODOO_QUOTATIONS: Format("odoo", "order", odoo.read_quotations),
}
