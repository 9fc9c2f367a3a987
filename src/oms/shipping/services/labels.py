"""Carrier labels and tracking through the carrier interface (``shipping/carriers.py``).

The carrier is called outside any transaction (it may be a network call that takes seconds, and
no row lock should wait on it); its answer is then recorded in one transaction that checks again
that the shipment may still take it. A label made twice by a race is recorded once: the second
recording finds the label and answers 409 ``label_exists``.
"""

from __future__ import annotations

from django.db import transaction

from oms.core.errors import Conflict, DomainError
from oms.core.services.company import company_default
from oms.shipping.carriers import Carrier, LabelRequest, TrackingStatus, carrier_get
from oms.shipping.models import Shipment
from oms.shipping.services.shipments import _locked, _record, shipment_deliver
from oms.shipping.states import ShipmentStatus

S = ShipmentStatus
LABELLED = frozenset({S.DRAFT, S.PACKED, S.SHIPPED})


def _label_check(shipment: Shipment) -> None:
    if shipment.status not in LABELLED:
        raise Conflict(f"A {shipment.status} shipment takes no label", field="status", code="not_labellable")
    if shipment.label_carrier:
        raise Conflict(f"{shipment} already has a label from {shipment.label_carrier}", field="carrier",
                       code="label_exists")


def shipment_label_create(*, shipment: Shipment, carrier: str = "manual") -> Shipment:
    """Book the shipment with a carrier integration: its label (kept on the shipment), tracking
    number and URL. The carrier's name is written on the shipment when it names none yet."""
    integration: Carrier = carrier_get(carrier)
    current = Shipment.objects.select_related("order__customer", "warehouse").get(pk=shipment.pk)
    _label_check(current)
    request = LabelRequest(shipment_id=current.pk, reference=current.number or f"shipment #{current.pk}",
                           order_number=current.order.number, service=current.service, ship_from=company_default(),
                           ship_to=current.order.shipping_address or {"name": current.order.customer.name},
                           parcels=current.parcels, weight=current.weight, tracking_number=current.tracking_number)
    label = integration.create_label(request)  # outside the transaction: may be slow
    with transaction.atomic():
        _, locked = _locked(current)
        _label_check(locked)
        changes = {"label_carrier": integration.code, "tracking_number": [locked.tracking_number,
                                                                         label.tracking_number]}
        locked.label_carrier, locked.label_format, locked.label_data = integration.code, label.format, label.data
        locked.tracking_number = label.tracking_number
        locked.tracking_url = label.tracking_url or locked.tracking_url
        locked.carrier = locked.carrier or integration.name
        locked.save(update_fields=["label_carrier", "label_format", "label_data", "tracking_number", "tracking_url",
                                   "carrier", "updated_at"])
        _record(locked, "shipment.label_created", changes)
    return locked


def shipment_track(*, shipment: Shipment) -> TrackingStatus:
    """Ask the carrier that made the label where the parcel is; a shipped shipment the carrier
    reports delivered is marked delivered (``shipment.delivered``)."""
    if not shipment.label_carrier or not shipment.tracking_number:
        raise DomainError(f"{shipment} has no carrier label to track", field="carrier", code="not_trackable")
    status = carrier_get(shipment.label_carrier).track(shipment.tracking_number)  # outside the transaction
    if status.status == TrackingStatus.DELIVERED and shipment.status == S.SHIPPED:
        shipment_deliver(shipment=shipment)
    return status
