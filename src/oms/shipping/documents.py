"""Shipping documents as PDF (ReportLab platypus): the packing slip, the delivery note and a
carrier label for the manual carrier.

* The **packing slip** is for the warehouse: what to pick for one shipment (line, SKU,
  description, quantity, a tick box), the ship-to address; any shipment that is not cancelled.
* The **delivery note** goes with the goods and is signed on receipt: per order line what was
  ordered, what this shipment delivers and what is still to come (backordered); shipped or
  delivered shipments only.

Only ReportLab's built-in Helvetica is used, so nothing is downloaded (Latin-1 text). Labels go
through Django's translation catalog under the context "shipping document".
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import pgettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from oms.core.errors import Conflict
from oms.core.models import Company
from oms.core.services.company import company_default
from oms.shipping.models import Shipment
from oms.shipping.states import ShipmentStatus

FONT, FONT_BOLD, FONT_SIZE = "Helvetica", "Helvetica-Bold", 9
ACCENT = colors.HexColor("#1f3a5f")
RULE = colors.HexColor("#c8ced6")
HEADER_FILL = colors.HexColor("#eef1f5")
MARGINS = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 16 * mm, "bottomMargin": 18 * mm}

LABELS = {
    "packing_slip": pgettext_lazy("shipping document", "Packing slip"),
    "delivery_note": pgettext_lazy("shipping document", "Delivery note"),
    "shipment": pgettext_lazy("shipping document", "Shipment"),
    "order": pgettext_lazy("shipping document", "Order"),
    "warehouse": pgettext_lazy("shipping document", "Warehouse"),
    "shipped": pgettext_lazy("shipping document", "Shipped"),
    "carrier": pgettext_lazy("shipping document", "Carrier"),
    "tracking": pgettext_lazy("shipping document", "Tracking"),
    "parcels": pgettext_lazy("shipping document", "Parcels"),
    "weight": pgettext_lazy("shipping document", "Weight (kg)"),
    "ship_to": pgettext_lazy("shipping document", "Ship to"),
    "line_no": pgettext_lazy("shipping document", "#"),
    "sku": pgettext_lazy("shipping document", "SKU"),
    "description": pgettext_lazy("shipping document", "Description"),
    "quantity": pgettext_lazy("shipping document", "Qty"),
    "picked": pgettext_lazy("shipping document", "Picked"),
    "ordered": pgettext_lazy("shipping document", "Ordered"),
    "delivered_now": pgettext_lazy("shipping document", "This delivery"),
    "to_follow": pgettext_lazy("shipping document", "To follow"),
    "received_by": pgettext_lazy("shipping document", "Received in good order by (name, date, signature)"),
    "not_numbered": pgettext_lazy("shipping document", "(not shipped yet)"),
}


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE * 1.3)
    return {
        "base": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22, textColor=ACCENT),
        "big": ParagraphStyle("big", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return text.rstrip(".") or "0"


def address_text(address: dict | None) -> str:
    a = address or {}
    city = " ".join(x for x in (a.get("postal_code", ""), a.get("city", "")) if x)
    parts = [a.get("name", ""), a.get("line1", ""), a.get("line2", ""), city, a.get("region", ""), a.get("country", "")]
    return "\n".join(x for x in parts if x)


def _company_text(company: Company) -> str:
    city = " ".join(x for x in (company.postal_code, company.city) if x)
    return "\n".join(x for x in (str(company), company.address_line1, company.address_line2, city, company.country)
                     if x)


@dataclass
class _Doc:
    shipment: Shipment
    company: Company
    title: str


def _header(doc: _Doc, styles: dict) -> list:
    s = doc.shipment
    facts = [(LABELS["shipment"], s.number or f"#{s.pk} {LABELS['not_numbered']}"), (LABELS["order"], s.order.number),
             (LABELS["warehouse"], s.warehouse.code)]
    if s.shipped_at:
        facts.append((LABELS["shipped"], s.shipped_at.date().isoformat()))
    if s.carrier or s.service:
        facts.append((LABELS["carrier"], " ".join(x for x in (s.carrier, s.service) if x)))
    if s.tracking_number:
        facts.append((LABELS["tracking"], s.tracking_number))
    facts.append((LABELS["parcels"], str(s.parcels)))
    if s.weight is not None:
        facts.append((LABELS["weight"], _quantity(s.weight)))
    right = Table([[_p(k, styles["bold"]), _p(v, styles["base"])] for k, v in facts], colWidths=[30 * mm, 52 * mm])
    right.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    top = Table([[_p(_company_text(doc.company), styles["base"]), [_p(doc.title, styles["title"]), right]]],
                colWidths=[88 * mm, 86 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    ship_to = [_p(LABELS["ship_to"], styles["bold"]), _p(address_text(s.order.shipping_address)
                                                          or s.order.customer.name, styles["base"])]
    return [top, Spacer(1, 6 * mm), *ship_to, Spacer(1, 6 * mm)]


def _table(rows: list[list], widths: list) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL), ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def _render(story: list, pagesize=A4, margins: dict | None = None) -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=pagesize, **(margins or MARGINS)).build(story)
    return out.getvalue()


def _lines(shipment: Shipment):
    return list(shipment.lines.select_related("order_line").order_by("order_line__position", "id"))


def packing_slip_pdf(shipment: Shipment) -> bytes:
    if shipment.status == ShipmentStatus.CANCELLED:
        raise Conflict("A cancelled shipment has no packing slip", field="status", code="shipment_cancelled")
    styles = _styles()
    doc = _Doc(shipment, company_default(), str(LABELS["packing_slip"]))
    rows = [[_p(LABELS[k], styles["bold"]) for k in ("line_no", "sku", "description", "quantity", "picked")]]
    for line in _lines(shipment):
        ol = line.order_line
        rows.append([str(ol.position), _p(ol.sku, styles["base"]), _p(ol.description, styles["base"]),
                     _quantity(line.quantity), "[   ]"])
    return _render(_header(doc, styles) + [_table(rows, [10 * mm, 32 * mm, None, 20 * mm, 18 * mm])])


def delivery_note_pdf(shipment: Shipment) -> bytes:
    if shipment.status not in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        raise Conflict("A delivery note is made once the shipment has shipped", field="status", code="not_shipped")
    styles = _styles()
    doc = _Doc(shipment, company_default(), str(LABELS["delivery_note"]))
    rows = [[_p(LABELS[k], styles["bold"]) for k in ("line_no", "sku", "description", "ordered", "delivered_now",
                                                       "to_follow")]]
    for line in _lines(shipment):
        ol = line.order_line
        rows.append([str(ol.position), _p(ol.sku, styles["base"]), _p(ol.description, styles["base"]),
                     _quantity(ol.quantity), _quantity(line.quantity),
                     _quantity(max(ol.quantity - ol.quantity_fulfilled, Decimal(0)))])
    story = _header(doc, styles) + [_table(rows, [10 * mm, 28 * mm, None, 18 * mm, 24 * mm, 20 * mm]),
                                    Spacer(1, 16 * mm), _p(LABELS["received_by"], styles["base"]),
                                    Spacer(1, 12 * mm), _p("_" * 70, styles["base"])]
    return _render(story)


def label_pdf(*, company: Company, ship_to: dict, reference: str, tracking_number: str, parcels: int) -> bytes:
    """A plain A6 shipping label: from, to, the shipment's reference and tracking number."""
    styles = _styles()
    story = [_p(_company_text(company), styles["base"]), Spacer(1, 5 * mm), _p(LABELS["ship_to"], styles["bold"]),
             _p(address_text(ship_to), styles["big"]), Spacer(1, 5 * mm),
             _p(f"{LABELS['shipment']}: {reference}", styles["base"]),
             _p(f"{LABELS['tracking']}: {tracking_number}", styles["bold"]),
             _p(f"{LABELS['parcels']}: {parcels}", styles["base"])]
    return _render(story, pagesize=A6, margins={k: 6 * mm for k in MARGINS})


def document_filename(kind: str, shipment: Shipment) -> str:
    return f"{kind}-{shipment.number or f'shipment-{shipment.pk}'}.pdf"
