"""Catalog writes, importable from one place: ``from oms.catalog.services import product_create``.

``price_for`` and ``PriceQuote`` are reads (they live in ``oms.catalog.selectors``) and are
re-exported here because callers pricing a sale look for them next to the writes.
"""

from oms.catalog.selectors import PriceQuote, price_for
from oms.catalog.services.prices import (
    price_clean, price_item_remove, price_item_set, price_list_create, price_list_deactivate, price_list_update,
)
from oms.catalog.services.products import (
    barcode_clean, product_create, product_deactivate, product_update, quantity_validate, sku_clean,
    variant_attributes_clean,
)
from oms.catalog.services.reference import (
    catalog_settings_update, tax_category_create, tax_category_update, unit_create, unit_update,
)

__all__ = [
    "PriceQuote", "barcode_clean", "catalog_settings_update", "price_clean", "price_for", "price_item_remove",
    "price_item_set", "price_list_create", "price_list_deactivate", "price_list_update", "product_create",
    "product_deactivate", "product_update", "quantity_validate", "sku_clean", "tax_category_create",
    "tax_category_update", "unit_create", "unit_update", "variant_attributes_clean",
]
