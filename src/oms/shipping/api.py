"""Shipping API: shipments (create, list, get), their actions (pack, ship, deliver, cancel, label,
track) and documents (packing slip, delivery note, label). Zones, methods and quotes are in
``api_methods``, mounted on this router."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.errors import Conflict
from oms.core.schemas import AmountIn
from oms.sales.selectors import order_find
from oms.shipping.api_methods import router as methods_router
from oms.shipping.documents import delivery_note_pdf, document_filename, packing_slip_pdf
from oms.shipping.selectors import ShipmentFilter, shipment_get, shipment_list, shipment_timeline
from oms.shipping.services import (
    shipment_cancel, shipment_create, shipment_deliver, shipment_label_create, shipment_pack, shipment_ship,
    shipment_track,
)

router = Router(tags=["shipping"])
router.add_router("", methods_router)


class ShipmentLineIn(Schema):
    line_id: int = Field(description="The id of the sales order line")
    quantity: AmountIn


class ShipmentIn(Schema):
    order: str = Field(min_length=1, max_length=50, description="The sales order's number")
    lines: list[ShipmentLineIn] | None = Field(None, max_length=5000,
                                               description="Omit to ship everything still open on the order")
    warehouse: str | None = Field(None, max_length=20)
    carrier: str = Field("", max_length=100)
    service: str = Field("", max_length=100)
    tracking_number: str = Field("", max_length=100)
    tracking_url: str = Field("", max_length=500)
    weight: AmountIn | None = None
    parcels: int = Field(1, ge=1, le=10000)
    notes: str = Field("", max_length=5000)


class ShipmentLineOut(Schema):
    id: int
    line_id: int
    position: int
    sku: str
    description: str
    quantity: Decimal

    @staticmethod
    def resolve_line_id(obj):
        return obj.order_line_id

    @staticmethod
    def resolve_position(obj):
        return obj.order_line.position

    @staticmethod
    def resolve_sku(obj):
        return obj.order_line.sku

    @staticmethod
    def resolve_description(obj):
        return obj.order_line.description


class ShipmentOut(Schema):
    id: int
    number: str | None
    order: str
    warehouse: str
    status: str
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str
    weight: Decimal | None
    parcels: int
    notes: str
    created_at: datetime
    updated_at: datetime
    packed_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    label_carrier: str
    has_label: bool
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_has_label(obj):
        return bool(obj.label_carrier)

    @staticmethod
    def resolve_order(obj):
        return obj.order.number

    @staticmethod
    def resolve_warehouse(obj):
        return obj.warehouse.code

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ShipmentPage(Schema):
    items: list[ShipmentOut]
    next_cursor: str | None


class ShipmentListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    order: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    cursor: str | None = None
    limit: int | None = None


class PackIn(Schema):
    weight: AmountIn | None = None
    parcels: int | None = Field(None, ge=1, le=10000)


class ShipIn(Schema):
    carrier: str | None = Field(None, max_length=100)
    service: str | None = Field(None, max_length=100)
    tracking_number: str | None = Field(None, max_length=100)
    tracking_url: str | None = Field(None, max_length=500)


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class TimelineOut(Schema):
    seq: int | None
    created_at: datetime
    actor_label: str
    action: str
    changes: dict


def _out(shipment) -> dict:
    return ShipmentOut.from_orm(shipment_get(ref=shipment.pk)).model_dump(mode="json")


@router.post("/shipments", response={201: ShipmentOut})
def shipments_create(request, payload: ShipmentIn,
                     idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "shipping.add_shipment")

    def action():
        lines = None if payload.lines is None else {line.line_id: line.quantity for line in payload.lines}
        shipment = shipment_create(
            order=order_find(number=payload.order), lines=lines, warehouse=payload.warehouse,
            carrier=payload.carrier, service=payload.service, tracking_number=payload.tracking_number,
            tracking_url=payload.tracking_url, weight=payload.weight, parcels=payload.parcels, notes=payload.notes)
        return 201, _out(shipment)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/shipments", response=ShipmentPage)
def shipments_list(request, query: Query[ShipmentListQuery]):
    require_perm(request, "shipping.view_shipment")
    filters = ShipmentFilter(**query.dict(exclude={"cursor", "limit"}))
    return page_of(shipment_list(filters=filters), cursor=query.cursor, limit=query.limit)


@router.get("/shipments/{ref}", response=ShipmentOut)
def shipments_get(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    return shipment_get(ref=ref)


@router.get("/shipments/{ref}/timeline", response=list[TimelineOut])
def shipments_timeline(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    return shipment_timeline(shipment=shipment_get(ref=ref))


def _action(request, ref: str, run):
    require_perm(request, "shipping.change_shipment")
    return shipment_get(ref=run(shipment_get(ref=ref)).pk)


@router.post("/shipments/{ref}/pack", response=ShipmentOut)
def shipments_pack(request, ref: str, payload: PackIn = None):
    weight = payload.weight if payload else None
    parcels = payload.parcels if payload else None
    return _action(request, ref, lambda s: shipment_pack(shipment=s, weight=weight, parcels=parcels))


@router.post("/shipments/{ref}/ship", response=ShipmentOut)
def shipments_ship(request, ref: str, payload: ShipIn = None):
    data = payload.dict() if payload else {}
    return _action(request, ref, lambda s: shipment_ship(shipment=s, **data))


@router.post("/shipments/{ref}/deliver", response=ShipmentOut)
def shipments_deliver(request, ref: str):
    return _action(request, ref, lambda s: shipment_deliver(shipment=s))


@router.post("/shipments/{ref}/cancel", response=ShipmentOut)
def shipments_cancel(request, ref: str, payload: CancelIn = None):
    reason = payload.reason if payload else ""
    return _action(request, ref, lambda s: shipment_cancel(shipment=s, reason=reason))


class LabelIn(Schema):
    carrier: str = Field("manual", max_length=30, description="A carrier integration's code")


class TrackOut(Schema):
    status: str
    delivered_at: datetime | None
    events: list[str]
    shipment: ShipmentOut


@router.post("/shipments/{ref}/label", response=ShipmentOut)
def shipments_label(request, ref: str, payload: LabelIn = None):
    """Book the shipment with a carrier integration: label, tracking number and URL. The carrier is
    called outside any transaction (so no Idempotency-Key transaction wraps it); a retry after
    success answers 409 ``label_exists``, never a second label."""
    require_perm(request, "shipping.change_shipment")
    carrier = payload.carrier if payload else "manual"
    return shipment_get(ref=shipment_label_create(shipment=shipment_get(ref=ref), carrier=carrier).pk)


@router.post("/shipments/{ref}/track", response=TrackOut)
def shipments_track(request, ref: str):
    """Ask the carrier where the parcel is; a parcel reported delivered marks the shipment delivered."""
    require_perm(request, "shipping.change_shipment")
    status = shipment_track(shipment=shipment_get(ref=ref))
    return {"status": status.status, "delivered_at": status.delivered_at, "events": status.events,
            "shipment": shipment_get(ref=ref)}


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("/shipments/{ref}/packing-slip", response={200: None})
def shipments_packing_slip(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    shipment = shipment_get(ref=ref)
    return _pdf(packing_slip_pdf(shipment), document_filename("packing-slip", shipment))


@router.get("/shipments/{ref}/delivery-note", response={200: None})
def shipments_delivery_note(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    shipment = shipment_get(ref=ref)
    return _pdf(delivery_note_pdf(shipment), document_filename("delivery-note", shipment))


@router.get("/shipments/{ref}/label", response={200: None})
def shipments_label_get(request, ref: str):
    require_perm(request, "shipping.view_shipment")
    shipment = shipment_get(ref=ref)
    if not shipment.label_carrier:
        raise Conflict(f"{shipment} has no label yet", field="label", code="no_label")
    return _pdf(bytes(shipment.label_data), document_filename("label", shipment))
