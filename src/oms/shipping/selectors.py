"""Shipping reads: the shipment list with its filters, lookup by number or id, a shipment's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.shipping.models import Shipment, ShipmentLine


@dataclass(frozen=True)
class ShipmentFilter:
    status: str | None = None
    order: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None


def shipments_with_lines() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("order", "warehouse").prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id")))


def shipment_list(*, filters: ShipmentFilter) -> QuerySet[Shipment]:
    qs = shipments_with_lines()
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.order:
        qs = qs.filter(order__number=f.order)
    if f.carrier:
        qs = qs.filter(carrier=f.carrier)
    if f.tracking_number:
        qs = qs.filter(tracking_number=f.tracking_number)
    return qs


def shipment_get(*, ref: str | int) -> Shipment:
    """A shipment by its number (once shipped) or by its id (always)."""
    ref = str(ref)
    qs = shipments_with_lines()
    shipment = qs.filter(number=ref).first()
    if shipment is None and ref.isdigit():
        shipment = qs.filter(pk=int(ref)).first()
    if shipment is None:
        raise NotFound(f"No shipment {ref!r}", field="shipment")
    return shipment


def shipment_timeline(*, shipment: Shipment):
    return audit_for_object(object_type="shipping.shipment", object_id=shipment.pk)


def shipments_for_order(*, order) -> QuerySet[Shipment]:
    """An order's shipments with their lines, oldest first (for the order's page and timeline)."""
    return shipments_with_lines().filter(order=order).order_by("id")
