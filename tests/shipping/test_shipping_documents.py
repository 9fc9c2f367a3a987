"""Packing slips, delivery notes and carrier labels: the PDFs, the carrier interface and registry."""

import io
from datetime import datetime, timezone

import pytest
from django.urls import reverse
from pypdf import PdfReader

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.models import OutboxEvent
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create
from oms.shipping import carriers
from oms.shipping.carriers import Label, LabelRequest, ManualCarrier, TrackingStatus, carrier_get
from oms.shipping.documents import delivery_note_pdf, packing_slip_pdf
from oms.shipping.services import (
    shipment_cancel, shipment_create, shipment_label_create, shipment_ship, shipment_track,
)

pytestmark = pytest.mark.django_db
ADDRESS = {"name": "Acme Receiving", "line1": "1 Dock Road", "city": "Austin", "postal_code": "73301", "country": "US"}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def order(world):
    lines = [LineSpec(sku="WIDGET", quantity="4"), LineSpec(sku="GADGET", quantity="1")]
    return order_create(spec=OrderSpec(customer="C001", shipping_address=ADDRESS, billing_address=ADDRESS,
                                       lines=lines), confirm=True)


def test_packing_slip_and_delivery_note(order):
    widget, gadget = order.lines.order_by("position")
    shipment = shipment_create(order=order, lines={widget.pk: "3", gadget.pk: "1"}, carrier="UPS",
                               tracking_number="1Z999")
    slip = pdf_text(packing_slip_pdf(shipment))
    assert "Packing slip" in slip and order.number in slip and "Acme Receiving" in slip and "1 Dock Road" in slip
    assert "WIDGET" in slip and "Widget" in slip and "GADGET" in slip and "not shipped yet" in slip
    with pytest.raises(Conflict) as err:
        delivery_note_pdf(shipment)
    assert err.value.code == "not_shipped"
    shipment = shipment_ship(shipment=shipment)
    note = pdf_text(delivery_note_pdf(shipment))
    assert "Delivery note" in note and shipment.number in note and "1Z999" in note
    assert "WIDGET Widget 4 3 1" in note  # ordered 4, this delivery 3, 1 to follow
    assert "Received in good order" in note
    cancelled = shipment_cancel(shipment=shipment_create(order=order))
    with pytest.raises(Conflict):
        packing_slip_pdf(cancelled)


def test_documents_through_the_api_and_the_back_office(api, client, admin_user, order):
    shipment = shipment_create(order=order)
    response = api.get(f"shipments/{shipment.pk}/packing-slip")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Packing slip" in pdf_text(response.content)
    assert api.get(f"shipments/{shipment.pk}/delivery-note").json()["error"]["code"] == "not_shipped"
    shipment = shipment_ship(shipment=shipment)
    response = api.get(f"shipments/{shipment.number}/delivery-note")
    assert response.status_code == 200 and f'filename="delivery-note-{shipment.number}.pdf"' in \
        response["Content-Disposition"]
    assert api.get(f"shipments/{shipment.number}/label").json()["error"]["code"] == "no_label"
    client.force_login(admin_user)
    page = client.get(reverse("admin:shipping_shipment_change", args=[shipment.pk])).content.decode()
    link = reverse("admin:shipping_shipment_document", args=[shipment.pk, "delivery-note"])
    assert link in page
    assert client.get(link).content.startswith(b"%PDF-")
    label_link = reverse("admin:shipping_shipment_document", args=[shipment.pk, "label"])
    assert client.get(label_link).status_code == 302  # no label yet: back to the page with a message


def test_manual_carrier_label_and_tracking(api, order):
    shipment = shipment_create(order=order)
    response = api.post(f"shipments/{shipment.pk}/label", {"carrier": "manual"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_label"] and body["label_carrier"] == "manual" and body["carrier"] == "Manual"
    assert body["tracking_number"] == f"M{shipment.pk:09d}"
    label = api.get(f"shipments/{shipment.pk}/label")
    text = pdf_text(label.content)
    assert "Acme Receiving" in text and body["tracking_number"] in text
    again = api.post(f"shipments/{shipment.pk}/label", {"carrier": "manual"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "label_exists"
    unknown = api.post(f"shipments/{shipment.pk}/label", {"carrier": "pigeon"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_carrier"
    tracked = api.post(f"shipments/{shipment.pk}/track").json()
    assert tracked["status"] == "unknown" and tracked["shipment"]["status"] == "draft"
    events = OutboxEvent.objects.filter(aggregate_type="shipping.shipment", aggregate_id=str(shipment.pk))
    assert "shipment.label_created" in set(events.values_list("event_type", flat=True))


class FakeCarrier:
    """A carrier integration as a test writes one: no network, answers recorded."""

    code = "fake"
    name = "Fake Express"

    def __init__(self):
        self.requests: list[LabelRequest] = []
        self.delivered = False

    def create_label(self, request: LabelRequest) -> Label:
        self.requests.append(request)
        return Label(tracking_number="FX123", tracking_url="https://track.example/FX123", data=b"%PDF-1.4 fake")

    def track(self, tracking_number: str) -> TrackingStatus:
        if self.delivered:
            return TrackingStatus(status=TrackingStatus.DELIVERED, events=["delivered to front desk"],
                                  delivered_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
        return TrackingStatus(status=TrackingStatus.IN_TRANSIT, events=["picked up"])


def test_a_registered_carrier_books_labels_and_reports_delivery(monkeypatch, order):
    fake = FakeCarrier()
    monkeypatch.setitem(carriers.CARRIERS, "fake", fake)
    assert carrier_get("fake") is fake and isinstance(carrier_get("manual"), ManualCarrier)
    with pytest.raises(NotFound):
        carrier_get("nope")
    widget, gadget = order.lines.order_by("position")
    shipment = shipment_create(order=order, lines={widget.pk: "4"}, weight="2.5", parcels=2, service="Overnight")
    with pytest.raises(DomainError) as err:
        shipment_track(shipment=shipment)
    assert err.value.code == "not_trackable"
    shipment = shipment_label_create(shipment=shipment, carrier="fake")
    (request,) = fake.requests
    assert request.ship_to == ADDRESS and request.parcels == 2 and request.service == "Overnight"
    assert (shipment.tracking_number, shipment.tracking_url, shipment.carrier) == (
        "FX123", "https://track.example/FX123", "Fake Express")
    shipment = shipment_ship(shipment=shipment)
    assert shipment_track(shipment=shipment).status == "in_transit"
    shipment.refresh_from_db()
    assert shipment.status == "shipped"
    fake.delivered = True
    assert shipment_track(shipment=shipment).status == "delivered"
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    cancelled = shipment_cancel(shipment=shipment_create(order=order))
    with pytest.raises(Conflict) as err:
        shipment_label_create(shipment=cancelled, carrier="fake")
    assert err.value.code == "not_labellable" and len(fake.requests) == 1
