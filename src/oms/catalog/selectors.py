"""Reads for the catalog: product lookups and lists, reference data, and the price for a sale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from oms.catalog.models import CatalogSettings, PriceList, PriceListItem, Product, TaxCategory, UnitOfMeasure
from oms.catalog.pricing import PriceCandidate, PriceQuote, price_choose, quote_of
from oms.core.errors import DomainError, NotFound
from oms.core.money import UnknownCurrency, is_known_currency, to_decimal
from oms.core.services.customfields import custom_filter
from oms.core.sqlbatch import fetch_as
from oms.parties.models import CustomerGroup

CUSTOM_TARGET = "catalog.product"


def catalog_settings() -> CatalogSettings:
    """The settings row, or unsaved defaults when none was ever saved (reads never write)."""
    return CatalogSettings.objects.order_by("pk").first() or CatalogSettings()


def barcode_forms(barcode: str) -> list[str]:
    """A barcode and its equivalent spelling: UPC-A 036000291452 is EAN-13 0036000291452."""
    forms = [barcode]
    if len(barcode) == 12:
        forms.append("0" + barcode)
    elif len(barcode) == 13 and barcode.startswith("0"):
        forms.append(barcode[1:])
    return forms


def product_get(*, sku: str) -> Product:
    product = Product.objects.select_related("unit", "tax_category", "parent").filter(sku=sku).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}", field="sku")
    return product


def product_by_barcode(*, barcode: str) -> Product | None:
    """The product a scanned barcode names, or None."""
    return Product.objects.select_related("unit").filter(barcode__in=barcode_forms(barcode.strip())).first()


def product_list(*, q: str | None = None, product_type: str | None = None, active: bool | None = None,
                 parent: str | None = None, is_variant: bool | None = None, tax_category: str | None = None,
                 custom: dict[str, str] | None = None) -> QuerySet[Product]:
    """Products matching every filter given. ``q`` is a case-insensitive "contains" on SKU, name and
    barcode; ``parent`` is a SKU (its variants); ``custom`` holds ``cf_<key>`` query parameters."""
    qs = Product.objects.select_related("unit", "tax_category", "parent")
    if q:
        for word in q.split():
            qs = qs.filter(Q(sku__icontains=word) | Q(name__icontains=word) | Q(barcode__icontains=word))
    if product_type:
        qs = qs.filter(product_type=product_type)
    if active is not None:
        qs = qs.filter(active=active)
    if parent:
        qs = qs.filter(parent__sku=parent)
    if is_variant is not None:
        qs = qs.filter(parent__isnull=not is_variant)
    if tax_category:
        qs = qs.filter(tax_category__code=tax_category)
    if custom:
        qs = custom_filter(qs, target=CUSTOM_TARGET, params=custom)
    return qs


def units() -> QuerySet[UnitOfMeasure]:
    return UnitOfMeasure.objects.order_by("code")


def unit_get(*, code: str) -> UnitOfMeasure:
    unit = UnitOfMeasure.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(f"No unit {code!r}", field="code")
    return unit


def tax_categories() -> QuerySet[TaxCategory]:
    return TaxCategory.objects.order_by("code")


def tax_category_get(*, code: str) -> TaxCategory:
    category = TaxCategory.objects.filter(code=code).first()
    if category is None:
        raise NotFound(f"No tax category {code!r}", field="code")
    return category


def price_lists(*, currency: str | None = None, active: bool | None = None,
                customer_group: str | None = None) -> QuerySet[PriceList]:
    qs = PriceList.objects.select_related("customer_group")
    if currency:
        qs = qs.filter(currency=currency)
    if active is not None:
        qs = qs.filter(active=active)
    if customer_group:
        qs = qs.filter(customer_group__code=customer_group)
    return qs


def price_list_get(*, price_list_id: int) -> PriceList:
    price_list = PriceList.objects.select_related("customer_group").filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(f"No price list with id {price_list_id}", field="id")
    return price_list


def price_items(*, price_list: PriceList) -> QuerySet[PriceListItem]:
    return price_list.items.select_related("product").order_by("product__sku", "min_quantity")


_CANDIDATE_FIELDS = [PriceListItem._meta.get_field(name) for name in ("product", "price_list")] + [
    PriceList._meta.get_field(name) for name in ("currency", "customer_group", "priority", "valid_from", "valid_to",
                                                 "active", "tax_inclusive")] + [
    PriceListItem._meta.get_field(name) for name in ("min_quantity", "price")]
# Plain SQL (portable): this runs for every order placed, and compiling the equivalent QuerySet
# cost more CPU than the query itself. Columns in the order of _CANDIDATE_FIELDS / PriceCandidate.
_CANDIDATES_SQL = (
    "SELECT i.product_id, i.price_list_id, l.currency, l.customer_group_id, l.priority, l.valid_from,"
    " l.valid_to, l.active, l.tax_inclusive, i.min_quantity, i.price"
    " FROM catalog_pricelistitem i JOIN catalog_pricelist l ON l.id = i.price_list_id"
    " WHERE i.product_id IN ({ids}) AND l.currency = %s AND l.active"
    " AND (l.customer_group_id IS NULL{group})"
    " AND (l.valid_from IS NULL OR l.valid_from <= %s) AND (l.valid_to IS NULL OR l.valid_to >= %s)"
)


def price_candidates_many(*, product_ids: list[int], currency: str, on_date: date,
                          customer_group_id: int | None) -> dict[int, list[PriceCandidate]]:
    """One query: every price break that could apply to these products (the chooser re-checks all)."""
    found: dict[int, list[PriceCandidate]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return found
    sql = _CANDIDATES_SQL.format(ids=", ".join("%s" for _ in product_ids),
                                 group="" if customer_group_id is None else " OR l.customer_group_id = %s")
    params = [*product_ids, currency, *([] if customer_group_id is None else [customer_group_id]), on_date, on_date]
    for product_id, *row in fetch_as(_CANDIDATE_FIELDS, sql, params):
        found[product_id].append(PriceCandidate(*row))
    return found


def price_candidates(*, product: Product, currency: str, on_date: date,
                     customer_group_id: int | None) -> list[PriceCandidate]:
    return price_candidates_many(product_ids=[product.pk], currency=currency, on_date=on_date,
                                 customer_group_id=customer_group_id)[product.pk]


def prices_for(*, wanted: list[tuple[Product, Decimal]], currency: str, on_date: date,
               customer_group: CustomerGroup | None = None) -> list[PriceQuote]:
    """``price_for`` for several (product, quantity) pairs in one query, in the same order.

    Raises DomainError ``no_price`` with ``extra["index"]`` naming the first pair without a price.
    """
    if not is_known_currency(currency):
        raise UnknownCurrency(f"Unknown currency code {currency!r}", field="currency")
    group_id = customer_group.pk if customer_group is not None else None
    candidates = price_candidates_many(product_ids=list({p.pk for p, _ in wanted}), currency=currency,
                                       on_date=on_date, customer_group_id=group_id)
    quotes = []
    for index, (product, quantity) in enumerate(wanted):
        best = price_choose(candidates[product.pk], currency=currency, quantity=quantity, on_date=on_date,
                            customer_group_id=group_id)
        if best is None:
            raise DomainError(f"No price for {product.sku} in {currency} for quantity {quantity} on "
                              f"{on_date.isoformat()}", field="product", code="no_price",
                              extra={"sku": product.sku, "index": index})
        quotes.append(quote_of(best))
    return quotes


def price_for(*, product: Product, currency: str, quantity: Decimal | str | int, on_date: date,
              customer_group: CustomerGroup | None = None) -> PriceQuote:
    """The unit price of ``quantity`` of ``product`` for a customer of ``customer_group`` on
    ``on_date``; raises DomainError ``no_price`` (422, field "product") when no list applies."""
    if not is_known_currency(currency):
        raise UnknownCurrency(f"Unknown currency code {currency!r}", field="currency")
    try:
        quantity = to_decimal(quantity, field="quantity")
    except DomainError as exc:
        raise DomainError(exc.message, field="quantity", code="invalid_quantity") from exc
    if quantity <= 0:
        raise DomainError("quantity must be greater than zero", field="quantity", code="invalid_quantity")
    group_id = customer_group.pk if customer_group is not None else None
    candidates = price_candidates(product=product, currency=currency, on_date=on_date, customer_group_id=group_id)
    best = price_choose(candidates, currency=currency, quantity=quantity, on_date=on_date, customer_group_id=group_id)
    if best is None:
        raise DomainError(f"No price for {product.sku} in {currency} for quantity {quantity} on {on_date.isoformat()}",
                          field="product", code="no_price", extra={"sku": product.sku})
    return quote_of(best)
