"""Look-ups of fast order entry: customers as you type, products by SKU, barcode or name with the
customer's price and the stock available in the warehouse the order will take it from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from oms.catalog.models import Product
from oms.catalog.pricing import price_choose
from oms.catalog.selectors import barcode_forms, price_candidates_many, product_list
from oms.core.money import amount_rounded, is_known_currency
from oms.inventory.models import Location, StockLevel
from oms.parties.models import Party
from oms.parties.selectors import party_search

LIMIT = 8


def customer_lookup(*, q: str, limit: int = LIMIT) -> list[Party]:
    """Active customers: the one whose code is ``q`` first, then names, emails, phones that contain it."""
    q = q.strip()
    if not q:
        return []
    base = Party.objects.filter(is_customer=True, active=True).select_related("customer_group")
    exact = list(base.filter(code__in={q, q.upper()}))
    rest = list(party_search(base.exclude(pk__in=[p.pk for p in exact]), q=q).order_by("name")[:limit - len(exact)])
    return exact + rest


def default_stock_location(warehouse_code: str | None = None) -> Location | None:
    """Where a new order reserves: the named warehouse's default location, or the first active one's
    (the same choice the sales service makes)."""
    qs = Location.objects.select_related("warehouse").filter(is_default=True, warehouse__active=True)
    return (qs.filter(warehouse__code=warehouse_code) if warehouse_code else qs.order_by("warehouse_id")).first()


@dataclass(frozen=True)
class ProductHit:
    sku: str
    name: str
    barcode: str
    unit: str
    decimals: int
    stocked: bool
    available: Decimal | None  # None: not stocked (a service)
    price: Decimal | None  # None: no price list applies to this customer
    currency: str
    exact: bool  # the query was this product's SKU or barcode

    def as_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "barcode": self.barcode, "unit": self.unit,
                "decimals": self.decimals, "stocked": self.stocked, "exact": self.exact,
                # format(..., "f"): 40 stays 40 where str(normalize()) would say 4E+1
                "available": None if self.available is None else format(self.available.normalize(), "f"),
                "price": None if self.price is None else str(amount_rounded(self.price, self.currency)),
                "currency": self.currency}


def _exact(q: str) -> Product | None:
    return (Product.objects.select_related("unit").filter(active=True)
            .filter(Q(sku=q) | Q(sku=q.upper()) | Q(barcode__in=barcode_forms(q))).order_by("id").first())


def product_lookup(*, q: str, customer: Party | None, limit: int = LIMIT) -> list[ProductHit]:
    """The product whose SKU or barcode is ``q`` (a scan), else products whose SKU, name or barcode
    contain it; each with its unit price for one unit to ``customer`` and its available stock."""
    q = q.strip()
    if not q:
        return []
    exact = _exact(q)
    products = [exact] if exact else list(product_list(q=q, active=True).order_by("sku")[:limit])
    if not products:
        return []
    currency = customer.currency if customer is not None and is_known_currency(customer.currency) else ""
    group_id = customer.customer_group_id if customer is not None else None
    today = timezone.localdate()
    candidates = price_candidates_many(product_ids=[p.pk for p in products], currency=currency, on_date=today,
                                       customer_group_id=group_id) if currency else {}
    location = default_stock_location()
    levels = {lv.product_id: lv.on_hand - lv.reserved for lv in
              StockLevel.objects.filter(location=location, product__in=products)} if location else {}
    hits = []
    for p in products:
        best = price_choose(candidates.get(p.pk, []), currency=currency, quantity=Decimal(1), on_date=today,
                            customer_group_id=group_id) if currency else None
        hits.append(ProductHit(sku=p.sku, name=p.name, barcode=p.barcode, unit=p.unit.code, decimals=p.unit.decimals,
                               stocked=p.is_stocked, available=levels.get(p.pk, Decimal(0)) if p.is_stocked else None,
                               price=best.price if best else None, currency=currency, exact=p is exact))
    return hits
