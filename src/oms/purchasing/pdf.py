"""The purchase order PDF sent to the supplier (ReportLab platypus), in the supplier's language.

Styles and number/date formatting are invoicing's, so a PO looks like the business's invoices.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from oms.core.services.company import company_default
from oms.invoicing import formatting as fmt
from oms.invoicing.pdf import styles
from oms.purchasing.models import PurchaseOrder

MARGINS = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 16 * mm, "bottomMargin": 20 * mm}
COLUMNS = [8 * mm, 28 * mm, None, 18 * mm, 28 * mm, 30 * mm]
WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"] - 12
RULE = colors.HexColor("#c8ced6")
HEADER_FILL = colors.HexColor("#eef1f5")


def _p(text: object, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _address(data: dict) -> list[str]:
    lines = [data.get("line1", ""), data.get("line2", ""),
             " ".join(part for part in (data.get("postal_code", ""), data.get("city", "")) if part),
             data.get("country", "")]
    return [line for line in lines if line]


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    language = fmt.language_code(order.supplier.language)
    with translation.override(language):
        return _build(order, language)


def _build(order: PurchaseOrder, language: str) -> bytes:
    S = styles()
    company = company_default()
    cur = order.currency
    supplier = order.supplier
    address = supplier.addresses.order_by("-is_default", "id").first()
    buyer = [company.legal_name, company.address_line1, f"{company.postal_code} {company.city}".strip(),
             company.country]
    left = [_p(_("Supplier"), S["heading"]), _p(supplier.name, S["bold"])]
    left += [_p(line, S["base"]) for line in (_address(address.as_dict()) if address else [])]
    left += [_p(f"{_('Supplier no.')}: {supplier.code}", S["small"])]
    right = [_p(_("Purchase order"), S["title"]), Spacer(1, 4)]
    meta = [(_("Number"), order.number), (_("Date"), fmt.format_date(order.created_at.date(), language)),
            (_("Expected"), fmt.format_date(order.expected_on, language) if order.expected_on else "-"),
            (_("Deliver to"), "\n".join([order.warehouse.name, *_address(order.warehouse.address or {})]))]
    right.append(Table([[_p(k, S["small"]), _p(v, S["right"])] for k, v in meta], colWidths=[30 * mm, 50 * mm]))
    story = [_p(" · ".join(part for part in buyer if part), S["small"]), Spacer(1, 6),
             Table([[left, right]], colWidths=[WIDTH - 82 * mm, 82 * mm],
                   style=[("VALIGN", (0, 0), (-1, -1), "TOP")]), Spacer(1, 10)]
    head = [_p(h, S["th"]) for h in ("#", _("Your part no."), _("Description"))]
    head += [_p(h, S["th_right"]) for h in (_("Qty"), _("Unit price"), _("Amount"))]
    rows = [head]
    for line in order.lines.select_related("product").order_by("position"):
        rows.append([_p(line.position, S["base"]), _p(line.supplier_sku or "-", S["base"]),
                     _p(f"{line.description}\n{_('Our SKU')}: {line.product.sku}", S["base"]),
                     _p(fmt.format_quantity(line.quantity, language), S["right"]),
                     _p(fmt.format_unit_price(line.unit_price, cur, language), S["right"]),
                     _p(fmt.format_amount(line.line_total, cur, language), S["right"])])
    rows.append(["", "", _p(_("Total"), S["bold"]), "", "", _p(fmt.format_money(order.total, cur, language),
                                                                S["bold_right"])])
    fixed = sum(c for c in COLUMNS if c)
    table = Table(rows, colWidths=[c or WIDTH - fixed for c in COLUMNS], repeatRows=1)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL), ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                               ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 8), _p(_("Amounts in %(currency)s") % {"currency": cur}, S["small"])]
    if order.notes:
        story += [Spacer(1, 6), _p(_("Notes"), S["heading"]), _p(order.notes, S["base"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{_('Purchase order')} {order.number}", author=company.legal_name,
                      creator="OMS", **MARGINS).build(story)
    return buffer.getvalue()


def pdf_filename(order: PurchaseOrder) -> str:
    return f"{order.number}.pdf"
