"""Catalog API, prices: price lists with their quantity breaks, and the price quote for a sale.

Mounted on the catalog router by ``oms.catalog.api``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from ninja import Header, Query, Router, Schema

from oms.catalog.models import PriceList
from oms.catalog.selectors import price_for, price_items, price_list_get, price_lists, product_get
from oms.catalog.services import (
    price_item_remove, price_item_set, price_list_create, price_list_deactivate, price_list_update,
)
from oms.core.apikit import idempotent, paginate, require_perm
from oms.core.errors import NotFound
from oms.core.money import minor_unit_places
from oms.core.schemas import AmountIn
from oms.core.services.company import company_default
from oms.parties.models import Party

router = Router(tags=["catalog"])


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 20.0000 -> "20"."""
    return format(value.normalize(), "f")


def quantity_str(value: Decimal | None, decimals: int) -> str | None:
    """A stored quantity (4 places in the database) shown at its unit's precision."""
    return None if value is None else str(value.quantize(Decimal(1).scaleb(-decimals)))


def amount_str(value: Decimal, currency: str) -> str:
    """A price at its currency's precision (12.50 EUR), or finer when the price is (0.0125 EUR)."""
    places = max(minor_unit_places(currency), -value.normalize().as_tuple().exponent)
    return str(value.quantize(Decimal(1).scaleb(-places)))


class PriceItemIn(Schema):
    sku: str
    min_quantity: AmountIn = "1"
    price: AmountIn


class PriceItemOut(Schema):
    id: int
    sku: str
    min_quantity: str
    price: str


class PriceListIn(Schema):
    name: str
    currency: str
    customer_group: str | None = None
    tax_inclusive: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    priority: int = 0
    active: bool = True
    items: list[PriceItemIn] = []


class PriceListPatch(Schema):
    name: str | None = None
    currency: str | None = None
    customer_group: str | None = None
    tax_inclusive: bool | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    priority: int | None = None
    active: bool | None = None
    items: list[PriceItemIn] | None = None


class PriceListSummary(Schema):
    id: int
    name: str
    currency: str
    customer_group: str | None
    tax_inclusive: bool
    valid_from: date | None
    valid_to: date | None
    priority: int
    active: bool


class PriceListOut(PriceListSummary):
    items: list[PriceItemOut]


class PriceListPage(Schema):
    items: list[PriceListSummary]
    next_cursor: str | None


class PriceListFilter(Schema):
    currency: str | None = None
    active: bool | None = None
    customer_group: str | None = None
    cursor: str | None = None
    limit: int | None = None


def price_list_summary(price_list: PriceList) -> dict:
    return {"id": price_list.pk, "name": price_list.name, "currency": price_list.currency,
            "customer_group": price_list.customer_group.code if price_list.customer_group_id else None,
            "tax_inclusive": price_list.tax_inclusive, "valid_from": price_list.valid_from,
            "valid_to": price_list.valid_to, "priority": price_list.priority, "active": price_list.active}


def price_item_out(item, currency: str) -> dict:
    return {"id": item.pk, "sku": item.product.sku, "min_quantity": plain(item.min_quantity),
            "price": amount_str(item.price, currency)}


def price_list_out(price_list: PriceList) -> dict:
    items = [price_item_out(i, price_list.currency) for i in price_items(price_list=price_list)]
    return {**price_list_summary(price_list), "items": items}


def _items(items: list[PriceItemIn] | None) -> list[dict] | None:
    if items is None:
        return None
    return [{"product": i.sku, "min_quantity": i.min_quantity, "price": i.price} for i in items]


@router.get("/price-lists", response=PriceListPage)
def price_lists_list(request, filters: Query[PriceListFilter]):
    require_perm(request, "catalog.view_pricelist")
    qs = price_lists(currency=filters.currency, active=filters.active, customer_group=filters.customer_group)
    rows, next_cursor = paginate(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [price_list_summary(p) for p in rows], "next_cursor": next_cursor}


@router.get("/price-lists/{price_list_id}", response=PriceListOut)
def price_lists_get(request, price_list_id: int):
    require_perm(request, "catalog.view_pricelist")
    return price_list_out(price_list_get(price_list_id=price_list_id))


@router.post("/price-lists", response={201: PriceListOut})
def price_lists_create(request, payload: PriceListIn,
                       idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Create a price list; each item is a price for a SKU from a quantity (``min_quantity``) up."""
    require_perm(request, "catalog.add_pricelist")

    def action():
        data = payload.dict(exclude={"items"})
        price_list = price_list_create(**data, items=_items(payload.items))
        return 201, price_list_out(price_list_get(price_list_id=price_list.pk))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.patch("/price-lists/{price_list_id}", response=PriceListOut)
def price_lists_patch(request, price_list_id: int, payload: PriceListPatch):
    """Change the fields sent; ``items``, when sent, is the complete new set of prices."""
    require_perm(request, "catalog.change_pricelist")
    changes = payload.dict(exclude_unset=True, exclude={"items"})
    if "items" in payload.model_fields_set:
        changes["items"] = _items(payload.items)
    price_list = price_list_update(price_list=price_list_get(price_list_id=price_list_id), **changes)
    return price_list_out(price_list_get(price_list_id=price_list.pk))


@router.delete("/price-lists/{price_list_id}", response=PriceListOut)
def price_lists_delete(request, price_list_id: int):
    """Deactivate the list: it stops pricing, and documents priced by it keep pointing at it."""
    require_perm(request, "catalog.delete_pricelist")
    price_list = price_list_deactivate(price_list=price_list_get(price_list_id=price_list_id))
    return price_list_out(price_list_get(price_list_id=price_list.pk))


@router.post("/price-lists/{price_list_id}/items", response=PriceItemOut)
def price_items_set(request, price_list_id: int, payload: PriceItemIn):
    """Set one price (for a SKU from ``min_quantity`` up), adding it or replacing the old one."""
    require_perm(request, "catalog.change_pricelist")
    price_list = price_list_get(price_list_id=price_list_id)
    item = price_item_set(price_list=price_list, product=product_get(sku=payload.sku), price=payload.price,
                          min_quantity=payload.min_quantity)
    return price_item_out(item, price_list.currency)


@router.delete("/price-lists/{price_list_id}/items/{sku}", response={204: None})
def price_items_delete(request, price_list_id: int, sku: str, min_quantity: str = "1"):
    require_perm(request, "catalog.change_pricelist")
    price_item_remove(price_list=price_list_get(price_list_id=price_list_id), product=product_get(sku=sku),
                      min_quantity=min_quantity)
    return 204, None


class QuoteOut(Schema):
    sku: str
    quantity: str
    on_date: date
    customer_id: int | None
    currency: str
    unit_price: str
    price_list_id: int
    tax_inclusive: bool
    min_quantity: str


class QuoteQuery(Schema):
    sku: str
    customer_id: int | None = None
    currency: str | None = None
    quantity: str = "1"
    on_date: date | None = None


@router.get("/prices", response=QuoteOut)
def prices_get(request, params: Query[QuoteQuery]):
    """The unit price of a SKU for a customer (their group's lists first), a quantity and a date.
    ``currency`` defaults to the customer's, then the company's; ``on_date`` to today."""
    require_perm(request, "catalog.view_pricelist")
    product = product_get(sku=params.sku)
    customer = None
    if params.customer_id is not None:
        customer = Party.objects.select_related("customer_group").filter(pk=params.customer_id).first()
        if customer is None:
            raise NotFound(f"No customer with id {params.customer_id}", field="customer_id")
    currency = params.currency or (customer.currency if customer else company_default().base_currency)
    on_date = params.on_date or timezone.localdate()
    quote = price_for(product=product, currency=currency, quantity=params.quantity, on_date=on_date,
                      customer_group=customer.customer_group if customer else None)
    return {"sku": product.sku, "quantity": params.quantity, "on_date": on_date,
            "customer_id": customer.pk if customer else None, "currency": quote.unit_price.currency,
            "unit_price": amount_str(quote.unit_price.amount, currency), "price_list_id": quote.price_list_id,
            "tax_inclusive": quote.tax_inclusive, "min_quantity": plain(quote.min_quantity)}
