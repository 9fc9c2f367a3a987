"""Products in our own columns: one row per product (variants included), with one price list's
price and the stock on hand over all locations."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from oms.catalog.models import PriceList, PriceListItem, Product
from oms.catalog.selectors import CUSTOM_TARGET
from oms.core.errors import NotFound
from oms.core.models import Company
from oms.core.services.customfields import definitions_for
from oms.interop.exporters.base import Export, created_between
from oms.interop.exporters.columns import Column, ExportRequest, custom_columns, money, number
from oms.inventory.models import StockLevel

QTY = DecimalField(max_digits=19, decimal_places=4)


def price_list_for(request: ExportRequest) -> PriceList | None:
    """The list named by ``price_list`` (its id or name), else the general (no customer group) active
    list in the company's base currency with the highest priority, else any general active list."""
    if request.price_list:
        lists = PriceList.objects.all()
        found = (lists.filter(pk=int(request.price_list)).first() if request.price_list.isdigit() else None) \
            or lists.filter(name=request.price_list).order_by("pk").first()
        if found is None:
            raise NotFound(f"No price list {request.price_list!r}", field="price_list")
        return found
    company = Company.objects.order_by("pk").first()
    base = company.base_currency if company else ""
    base_first = Case(When(currency=base, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (PriceList.objects.filter(active=True, customer_group__isnull=True).annotate(base_first=base_first)
            .order_by("base_first", "-priority", "pk").first())


def _stock(column: str) -> Coalesce:
    summed = (StockLevel.objects.filter(product=OuterRef("pk")).order_by().values("product")
              .annotate(s=Sum(column)).values("s"))
    return Coalesce(Subquery(summed, output_field=QTY), Value(Decimal(0)), output_field=QTY)


def products_with_price(queryset: QuerySet[Product], price_list: PriceList | None) -> QuerySet[Product]:
    """Annotate ``list_price`` (the lowest-quantity break of ``price_list``), ``on_hand`` and ``reserved``."""
    price = Value(None, output_field=QTY)
    if price_list is not None:
        price = Subquery(PriceListItem.objects.filter(price_list=price_list, product=OuterRef("pk"))
                         .order_by("min_quantity").values("price")[:1], output_field=QTY)
    return queryset.annotate(list_price=price, on_hand=_stock("on_hand"), reserved=_stock("reserved"))


def _queryset(request: ExportRequest) -> QuerySet[Product]:
    qs = Product.objects.select_related("unit", "tax_category", "parent").order_by("sku")
    if request.active is not None:
        qs = qs.filter(active=request.active)
    return created_between(qs, request)


def _rows(queryset: QuerySet[Product], request: ExportRequest):
    return products_with_price(queryset, price_list_for(request)).iterator(chunk_size=1000)


def _columns(request: ExportRequest) -> list[Column]:
    price_list = price_list_for(request)
    currency = price_list.currency if price_list else ""
    return [
        Column("sku", lambda p: p.sku),
        Column("name", lambda p: p.name),
        Column("description", lambda p: p.description),
        Column("type", lambda p: p.product_type),
        Column("unit", lambda p: p.unit.code),
        Column("barcode", lambda p: p.barcode),
        Column("tax_category", lambda p: p.tax_category.code if p.tax_category else ""),
        Column("tax_rate", lambda p: number(p.tax_category.rate) if p.tax_category else None),
        Column("parent_sku", lambda p: p.parent.sku if p.parent else ""),
        Column("variant_attributes", lambda p: p.variant_attributes),
        Column("allow_backorder", lambda p: p.allow_backorder),
        Column("low_stock_threshold", lambda p: number(p.low_stock_threshold)),
        Column("active", lambda p: p.active),
        Column("price", lambda p: money(p.list_price, currency)),
        Column("currency", lambda p: currency if p.list_price is not None else ""),
        Column("price_list", lambda p: price_list.name if price_list and p.list_price is not None else ""),
        Column("price_includes_tax", lambda p: price_list.tax_inclusive if price_list and p.list_price is not None
               else None),
        Column("on_hand", lambda p: number(p.on_hand)),
        Column("reserved", lambda p: number(p.reserved)),
        Column("created_at", lambda p: p.created_at),
        *custom_columns(definitions_for(CUSTOM_TARGET), lambda p: p.custom),
    ]


PRODUCTS = Export(entity="products", title="Products", model=Product, permission="catalog.view_product",
                  filters=frozenset({"active", "price_list", "created_from", "created_to"}),
                  queryset=_queryset, columns=_columns, rows=_rows)
