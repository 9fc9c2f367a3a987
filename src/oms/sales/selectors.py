"""Sales reads: the order list with its filters, lookup by number, an order's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.core.services.customfields import custom_filter
from oms.sales.models import SalesOrder, SalesOrderLine


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    customer: str | None = None
    channel: str | None = None
    sku: str | None = None
    external_ref: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    currency: str | None = None


def orders_with_lines() -> QuerySet[SalesOrder]:
    """Orders with customer, warehouse and lines loaded in a constant number of queries."""
    return SalesOrder.objects.select_related("customer", "warehouse").prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.order_by("position")))


def order_list(*, filters: OrderFilter, custom: dict[str, str] | None = None) -> QuerySet[SalesOrder]:
    qs = orders_with_lines()
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.external_ref:
        qs = qs.filter(external_ref=f.external_ref)
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.sku:
        qs = qs.filter(Exists(SalesOrderLine.objects.filter(order=OuterRef("pk"), sku=f.sku)))
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    if f.total_min is not None:
        qs = qs.filter(total__gte=f.total_min)
    if f.total_max is not None:
        qs = qs.filter(total__lte=f.total_max)
    if custom:
        qs = custom_filter(qs, target="sales.salesorder", params=custom)
    return qs


def order_get(*, number: str) -> SalesOrder:
    order = orders_with_lines().filter(number=number).first()
    if order is None:
        raise NotFound(f"No order {number!r}", field="number")
    return order


def order_timeline(*, order: SalesOrder):
    return audit_for_object(object_type="sales.order", object_id=order.number)
