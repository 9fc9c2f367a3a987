"""Products in Shopify's product CSV columns (the current 48-column template), so that a business
can load its catalogue into a Shopify store.

A product with variants is one Shopify product: its variants are the rows (the first row carries
the product's title, description and option names; the variant attributes become Option1..3);
the parent product itself has no row of its own, as Shopify has no SKU for a product with
variants. A product without variants is one row with Shopify's "Title / Default Title" option.
Prices come from one price list (see the products export); Shopify has no currency column, so
choose a list in the store's currency with ``price_list``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.text import slugify

from oms.catalog.models import Product
from oms.core.models import Company
from oms.interop.exporters.base import CHUNK, Export
from oms.interop.exporters.columns import Column, ExportRequest, csv_text, money, number
from oms.interop.exporters.products import price_list_for, products_with_price

HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,"
    "Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,"
    "Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,"
    "Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,"
    "Image Alt Text,Gift Card,SEO Title,SEO Description,Google Shopping / Google Product Category,"
    "Google Shopping / Gender,Google Shopping / Age Group,Google Shopping / MPN,Google Shopping / Condition,"
    "Google Shopping / Custom Product,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,"
    "Included / United States,Price / United States,Compare At Price / United States,Included / International,"
    "Price / International,Compare At Price / International,Status"
).split(",")


def flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def body_html(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _queryset(request: ExportRequest) -> QuerySet[Product]:
    qs = Product.objects.filter(parent__isnull=True).select_related("unit", "tax_category").order_by("sku")
    if request.active is not None:
        qs = qs.filter(active=request.active)
    return qs


def _variant_fields(product: Product, currency: str) -> dict[str, str]:
    available = number((product.on_hand or 0) - (product.reserved or 0))
    taxable = bool(product.tax_category and product.tax_category.rate > 0)
    return {
        "Variant SKU": product.sku,
        "Variant Inventory Tracker": "shopify" if product.is_stocked else "",
        "Variant Inventory Qty": csv_text(available) if product.is_stocked else "",
        "Variant Inventory Policy": "continue" if product.allow_backorder else "deny",
        "Variant Fulfillment Service": "manual",
        "Variant Price": csv_text(money(product.list_price, currency)),
        "Variant Requires Shipping": flag(product.product_type != Product.Type.SERVICE),
        "Variant Taxable": flag(taxable),
        "Variant Barcode": product.barcode,
    }


def _product_rows(product: Product, variants: list[Product], currency: str, vendor: str) -> Iterator[dict]:
    handle = slugify(product.sku) or f"product-{product.pk}"
    first = {
        "Handle": handle, "Title": product.name, "Body (HTML)": body_html(product.description), "Vendor": vendor,
        "Published": flag(product.active), "Gift Card": "FALSE", "Status": "active" if product.active else "draft",
    }
    if not variants:
        yield {**first, "Option1 Name": "Title", "Option1 Value": "Default Title", **_variant_fields(product, currency)}
        return
    options = sorted({key for v in variants for key in (v.variant_attributes or {})})[:3]
    for index, variant in enumerate(variants):
        row = dict(first) if index == 0 else {"Handle": handle}
        for n, key in enumerate(options, start=1):
            if index == 0:
                row[f"Option{n} Name"] = key.replace("_", " ").title()
            row[f"Option{n} Value"] = str((variant.variant_attributes or {}).get(key, ""))
        yield {**row, **_variant_fields(variant, currency)}


def _rows(queryset: QuerySet[Product], request: ExportRequest) -> Iterator[dict]:
    price_list = price_list_for(request)
    currency = price_list.currency if price_list else ""
    company = Company.objects.order_by("pk").first()
    vendor = (company.trade_name or company.legal_name) if company else ""
    variants = products_with_price(Product.objects.select_related("tax_category").order_by("sku"), price_list)
    if request.active is not None:
        variants = variants.filter(active=request.active)
    products = products_with_price(queryset, price_list).prefetch_related(Prefetch("variants", queryset=variants))
    for product in products.iterator(chunk_size=CHUNK):
        yield from _product_rows(product, list(product.variants.all()), currency, vendor)


def _columns(request: ExportRequest) -> list[Column]:
    return [Column(name, lambda row, name=name: row.get(name, "")) for name in HEADER]


SHOPIFY_PRODUCTS = Export(entity="products", title="Products (Shopify CSV)", model=Product,
                          permission="catalog.view_product", filters=frozenset({"active", "price_list"}),
                          queryset=_queryset, columns=_columns, rows=_rows)
