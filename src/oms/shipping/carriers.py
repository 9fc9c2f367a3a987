"""Carrier integrations: one small interface (create a label, track a parcel) and an explicit registry.

A carrier integration is a class with a ``code``, a ``name`` and the two methods of ``Carrier``.
The registry ``CARRIERS`` lists them by code; there is no dynamic loading: a new integration is
written here (or in its own module imported here) and added to the dict. Calls to a carrier may
go over the network, so the services call them outside any database transaction and record the
answer afterwards (``shipment_label_create``, ``shipment_track``).

``ManualCarrier`` is built in: for a business that ships with its own courier or a carrier without
an integration. Its label is a printable A6 PDF with the addresses; its tracking number is the
one the operator gave, else one made from the shipment's id; it never reports delivery by itself
(the operator marks the shipment delivered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from oms.core.errors import NotFound
from oms.core.models import Company
from oms.shipping.documents import label_pdf


@dataclass(frozen=True)
class LabelRequest:
    shipment_id: int
    reference: str  # the shipment's number, or "shipment #id" before it has one
    order_number: str
    service: str
    ship_from: Company
    ship_to: dict
    parcels: int
    weight: Decimal | None
    tracking_number: str = ""  # one the operator already has, if any


@dataclass(frozen=True)
class Label:
    tracking_number: str
    tracking_url: str
    data: bytes
    format: str = "pdf"


@dataclass(frozen=True)
class TrackingStatus:
    UNKNOWN = "unknown"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"

    status: str
    delivered_at: datetime | None = None
    events: list[str] = field(default_factory=list)


class Carrier(Protocol):
    code: str
    name: str

    def create_label(self, request: LabelRequest) -> Label:
        """Book the shipment with the carrier; its label and tracking number."""
        ...

    def track(self, tracking_number: str) -> TrackingStatus:
        """Where the parcel is."""
        ...


class ManualCarrier:
    code = "manual"
    name = "Manual"

    def create_label(self, request: LabelRequest) -> Label:
        tracking = request.tracking_number or f"M{request.shipment_id:09d}"
        data = label_pdf(company=request.ship_from, ship_to=request.ship_to, reference=request.reference,
                         tracking_number=tracking, parcels=request.parcels)
        return Label(tracking_number=tracking, tracking_url="", data=data)

    def track(self, tracking_number: str) -> TrackingStatus:
        return TrackingStatus(status=TrackingStatus.UNKNOWN)


CARRIERS: dict[str, Carrier] = {ManualCarrier.code: ManualCarrier()}


def carrier_get(code: str) -> Carrier:
    carrier = CARRIERS.get(code or "")
    if carrier is None:
        raise NotFound(f"No carrier integration {code!r}; known: {', '.join(sorted(CARRIERS))}", field="carrier",
                       code="unknown_carrier")
    return carrier
