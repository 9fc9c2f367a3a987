"""Catalog API: products and variants, units, tax categories. Price lists and the price quote are
in ``api_prices``, mounted on this router.

Responses are plain JSON-ready dicts built here (no schema resolvers), so a create's first
response and its stored idempotent replay are the same data by construction.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Header, Query, Router, Schema

from oms.catalog.api_prices import plain, quantity_str
from oms.catalog.api_prices import router as prices_router
from oms.catalog.models import Product, TaxCategory, UnitOfMeasure
from oms.catalog.selectors import product_get, product_list, tax_categories, tax_category_get, unit_get, units
from oms.catalog.services import (
    product_create, product_deactivate, product_update, tax_category_create, tax_category_update, unit_create,
    unit_update,
)
from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.schemas import AmountIn

router = Router(tags=["catalog"])
router.add_router("", prices_router)


def custom_params(request) -> dict[str, str]:
    return {name: value for name, value in request.GET.items() if name.startswith("cf_")}


class ProductIn(Schema):
    sku: str
    name: str
    unit: str | None = None
    product_type: str | None = None
    description: str = ""
    barcode: str = ""
    tax_category: str | None = None
    parent: str | None = None
    variant_attributes: dict[str, str] = {}
    allow_backorder: bool = False
    low_stock_threshold: AmountIn | None = None
    active: bool = True
    custom: dict = {}


class ProductPatch(Schema):
    name: str | None = None
    unit: str | None = None
    product_type: str | None = None
    description: str | None = None
    barcode: str | None = None
    tax_category: str | None = None
    parent: str | None = None
    variant_attributes: dict[str, str] | None = None
    allow_backorder: bool | None = None
    low_stock_threshold: AmountIn | None = None
    active: bool | None = None
    custom: dict | None = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    product_type: str
    unit: str
    unit_decimals: int
    barcode: str
    tax_category: str | None
    tax_rate: str | None
    parent: str | None
    variant_attributes: dict[str, str]
    variants: list[str]
    allow_backorder: bool
    low_stock_threshold: str | None
    active: bool
    custom: dict
    created_at: datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class ProductFilter(Schema):
    q: str | None = None
    product_type: str | None = None
    active: bool | None = None
    parent: str | None = None
    is_variant: bool | None = None
    tax_category: str | None = None
    cursor: str | None = None
    limit: int | None = None


def product_out(product: Product) -> dict:
    unit, tax = product.unit, product.tax_category
    return {
        "id": product.pk, "sku": product.sku, "name": product.name, "description": product.description,
        "product_type": product.product_type, "unit": unit.code, "unit_decimals": unit.decimals,
        "barcode": product.barcode, "tax_category": tax.code if tax else None,
        "tax_rate": plain(tax.rate) if tax else None,
        "parent": product.parent.sku if product.parent_id else None,
        "variant_attributes": product.variant_attributes,
        "variants": sorted(v.sku for v in product.variants.all()),
        "allow_backorder": product.allow_backorder,
        "low_stock_threshold": quantity_str(product.low_stock_threshold, unit.decimals),
        "active": product.active, "custom": product.custom, "created_at": product.created_at,
    }


@router.get("/products", response=ProductPage)
def products_list(request, filters: Query[ProductFilter]):
    """Products, newest first. ``q`` searches SKU, name and barcode; ``parent=<SKU>`` lists its
    variants; ``cf_<key>`` filters by a custom field."""
    require_perm(request, "catalog.view_product")
    qs = product_list(q=filters.q, product_type=filters.product_type, active=filters.active, parent=filters.parent,
                      is_variant=filters.is_variant, tax_category=filters.tax_category,
                      custom=custom_params(request)).prefetch_related("variants")
    return page_of(qs, cursor=filters.cursor, limit=filters.limit, render=product_out)


@router.get("/products/{sku}", response=ProductOut)
def products_get(request, sku: str):
    require_perm(request, "catalog.view_product")
    return product_out(product_get(sku=sku))


@router.post("/products", response={201: ProductOut})
def products_create(request, payload: ProductIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Create a product, or a variant of ``parent`` (a SKU). ``unit`` and ``tax_category`` are codes."""
    require_perm(request, "catalog.add_product")

    def action():
        return 201, product_out(product_create(**payload.dict()))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.patch("/products/{sku}", response=ProductOut)
def products_patch(request, sku: str, payload: ProductPatch):
    """Change the fields sent. The SKU itself cannot change."""
    require_perm(request, "catalog.change_product")
    product = product_update(product=product_get(sku=sku), **payload.dict(exclude_unset=True))
    return product_out(product_get(sku=product.sku))


@router.delete("/products/{sku}", response=ProductOut)
def products_delete(request, sku: str):
    """Deactivate the product: products are kept for the stock and orders that name them."""
    require_perm(request, "catalog.delete_product")
    product = product_deactivate(product=product_get(sku=sku))
    return product_out(product_get(sku=product.sku))


class UnitIn(Schema):
    code: str
    name: str
    decimals: int = 0


class UnitPatch(Schema):
    code: str | None = None
    name: str | None = None
    decimals: int | None = None


class UnitOut(UnitIn):
    id: int


def unit_out(unit: UnitOfMeasure) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "decimals": unit.decimals}


@router.get("/units", response=list[UnitOut])
def units_list(request):
    require_perm(request, "catalog.view_unitofmeasure")
    return [unit_out(u) for u in units()]


@router.post("/units", response={201: UnitOut})
def units_create(request, payload: UnitIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "catalog.add_unitofmeasure")
    return idempotent(request, key=idempotency_key, body=payload.dict(),
                      action=lambda: (201, unit_out(unit_create(**payload.dict()))))


@router.patch("/units/{code}", response=UnitOut)
def units_patch(request, code: str, payload: UnitPatch):
    require_perm(request, "catalog.change_unitofmeasure")
    return unit_out(unit_update(unit=unit_get(code=code), **payload.dict(exclude_unset=True)))


class TaxCategoryIn(Schema):
    code: str
    name: str
    rate: AmountIn = "0"


class TaxCategoryPatch(Schema):
    code: str | None = None
    name: str | None = None
    rate: AmountIn | None = None


class TaxCategoryOut(Schema):
    id: int
    code: str
    name: str
    rate: str


def tax_category_out(category: TaxCategory) -> dict:
    return {"id": category.pk, "code": category.code, "name": category.name, "rate": plain(category.rate)}


@router.get("/tax-categories", response=list[TaxCategoryOut])
def tax_categories_list(request):
    require_perm(request, "catalog.view_taxcategory")
    return [tax_category_out(c) for c in tax_categories()]


@router.post("/tax-categories", response={201: TaxCategoryOut})
def tax_categories_create(request, payload: TaxCategoryIn,
                          idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "catalog.add_taxcategory")
    return idempotent(request, key=idempotency_key, body=payload.dict(),
                      action=lambda: (201, tax_category_out(tax_category_create(**payload.dict()))))


@router.patch("/tax-categories/{code}", response=TaxCategoryOut)
def tax_categories_patch(request, code: str, payload: TaxCategoryPatch):
    """Change a tax category; documents already written keep the rate they were written with."""
    require_perm(request, "catalog.change_taxcategory")
    category = tax_category_update(category=tax_category_get(code=code), **payload.dict(exclude_unset=True))
    return tax_category_out(category)

