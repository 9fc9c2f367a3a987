"""PDF documents: invoices, credit notes, debit notes, and customer statements (ReportLab platypus).

``invoice_pdf(invoice)`` and ``statement_pdf(customer, entries, ...)`` return the PDF as bytes, in
the reader's language (``en`` or ``id``): labels go through Django's translation catalog, amounts
and dates through ``oms.invoicing.formatting``. Only ReportLab's built-in fonts are used
(Helvetica), so nothing is downloaded; those fonts cover Latin-1 text (Western European and
Indonesian names), not other scripts.

To change the look, edit the constants, ``styles()`` and ``LABELS`` just below, or the layout
functions ``invoice_layout`` / ``statement_layout``; or pass your own layout function:
``invoice_pdf(invoice, layout=my_layout)`` where ``my_layout(doc: InvoiceDocument) -> list[Flowable]``.
A logo is drawn when the setting (or environment variable) ``OMS_INVOICE_LOGO`` names an image
file (PNG or JPEG).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext_lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from oms.core.models import Company
from oms.core.money import amount_rounded
from oms.core.services.company import company_default
from oms.invoicing import formatting as fmt
from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.ubl import TaxGroup, invoice_lines, tax_groups, ubl_filename
from oms.parties.models import Party

log = logging.getLogger(__name__)

# ================================================================================================
# The look and the words. Change these to restyle every document.
# ================================================================================================

PAGE_SIZE = A4
MARGINS = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 16 * mm, "bottomMargin": 20 * mm}
FONT, FONT_BOLD, FONT_SIZE = "Helvetica", "Helvetica-Bold", 9
ACCENT = colors.HexColor("#1f3a5f")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#c8ced6")
HEADER_FILL = colors.HexColor("#eef1f5")
LOGO_MAX_SIZE = (50 * mm, 22 * mm)
FRAME_PADDING = 6  # points: SimpleDocTemplate's frame keeps this inside each margin
CONTENT_WIDTH = PAGE_SIZE[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"] - 2 * FRAME_PADDING  # ~170 mm
# Invoice lines: #, description (the rest of the width), quantity, unit price, discount, tax %, amount.
LINE_COLUMNS = [8 * mm, None, 16 * mm, 24 * mm, 20 * mm, 16 * mm, 28 * mm]
# Statement: date, document, description (the rest), debit, credit, balance.
STATEMENT_COLUMNS = [24 * mm, 32 * mm, None, 24 * mm, 24 * mm, 26 * mm]
HEADER_RIGHT_WIDTH = 82 * mm  # title and document details
TOTALS_COLUMNS = [46 * mm, 36 * mm]
TAX_SUMMARY_COLUMNS = [24 * mm, 14 * mm, 26 * mm, 22 * mm]

# Every label has the msgctxt "invoice document" (src/oms/locale/*/LC_MESSAGES/django.po), written out in
# each call: makemessages (xgettext) only extracts a context given as a literal string.
CONTEXT = "invoice document"
LABELS = {
    Invoice.Kind.INVOICE: pgettext_lazy("invoice document", "Invoice"),
    Invoice.Kind.CREDIT_NOTE: pgettext_lazy("invoice document", "Credit note"),
    Invoice.Kind.DEBIT_NOTE: pgettext_lazy("invoice document", "Debit note"),
    "draft": pgettext_lazy("invoice document", "Draft"),
    "cancelled": pgettext_lazy("invoice document", "Cancelled"),
    "number": pgettext_lazy("invoice document", "Number"),
    "issue_date": pgettext_lazy("invoice document", "Issue date"),
    "due_date": pgettext_lazy("invoice document", "Due date"),
    "payment_terms": pgettext_lazy("invoice document", "Payment terms"),
    "days": pgettext_lazy("invoice document", "%(days)s days"),
    "on_receipt": pgettext_lazy("invoice document", "Due on receipt"),
    "original": pgettext_lazy("invoice document", "Original invoice"),
    "reason": pgettext_lazy("invoice document", "Reason"),
    "order": pgettext_lazy("invoice document", "Order"),
    "your_reference": pgettext_lazy("invoice document", "Your reference"),
    "customer_no": pgettext_lazy("invoice document", "Customer no."),
    "bill_to": pgettext_lazy("invoice document", "Bill to"),
    "tax_id": pgettext_lazy("invoice document", "Tax ID"),
    "email": pgettext_lazy("invoice document", "Email"),
    "phone": pgettext_lazy("invoice document", "Phone"),
    "line_no": pgettext_lazy("invoice document", "#"),
    "description": pgettext_lazy("invoice document", "Description"),
    "quantity": pgettext_lazy("invoice document", "Qty"),
    "unit_price": pgettext_lazy("invoice document", "Unit price"),
    "discount": pgettext_lazy("invoice document", "Discount"),
    "tax_percent": pgettext_lazy("invoice document", "Tax %"),
    "line_amount": pgettext_lazy("invoice document", "Amount"),
    "amounts_in": pgettext_lazy("invoice document", "Amounts in %(currency)s"),
    "prices_include_tax": pgettext_lazy("invoice document", "Prices include tax"),
    "tax_summary": pgettext_lazy("invoice document", "Tax summary"),
    "tax": pgettext_lazy("invoice document", "Tax"),
    "rate": pgettext_lazy("invoice document", "Rate"),
    "taxable_amount": pgettext_lazy("invoice document", "Taxable amount"),
    "tax_amount": pgettext_lazy("invoice document", "Tax amount"),
    "S": pgettext_lazy("invoice document", "Standard rate"),
    "Z": pgettext_lazy("invoice document", "Zero rate"),
    "E": pgettext_lazy("invoice document", "Exempt"),
    "subtotal": pgettext_lazy("invoice document", "Subtotal"),
    "total_before_withholding": pgettext_lazy("invoice document", "Total before withholding"),
    "withholding": pgettext_lazy("invoice document", "Tax withheld"),
    "total": pgettext_lazy("invoice document", "Total"),
    "due_after_withholding": pgettext_lazy("invoice document", "Due after withholding"),
    "notes": pgettext_lazy("invoice document", "Notes"),
    "page": pgettext_lazy("invoice document", "Page %(page)s of %(pages)s"),
    # statements
    "statement": pgettext_lazy("invoice document", "Statement of account"),
    "statement_date": pgettext_lazy("invoice document", "Statement date"),
    "period": pgettext_lazy("invoice document", "Period"),
    "customer": pgettext_lazy("invoice document", "Customer"),
    "date": pgettext_lazy("invoice document", "Date"),
    "document": pgettext_lazy("invoice document", "Document"),
    "debit": pgettext_lazy("invoice document", "Debit"),
    "credit": pgettext_lazy("invoice document", "Credit"),
    "balance": pgettext_lazy("invoice document", "Balance"),
    "opening_balance": pgettext_lazy("invoice document", "Opening balance"),
    "closing_balance": pgettext_lazy("invoice document", "Closing balance"),
    "amount_due": pgettext_lazy("invoice document", "Amount due"),
    "payment": pgettext_lazy("invoice document", "Payment"),
}


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE * 1.3)
    bold = ParagraphStyle("bold", parent=base, fontName=FONT_BOLD)
    return {
        "base": base,
        "bold": bold,
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "bold_right": ParagraphStyle("bold_right", parent=bold, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=FONT_SIZE - 1.5, leading=(FONT_SIZE - 1.5) * 1.3,
                                textColor=MUTED),
        "company": ParagraphStyle("company", parent=bold, fontSize=FONT_SIZE + 3, leading=(FONT_SIZE + 3) * 1.3),
        "title": ParagraphStyle("title", parent=bold, fontSize=20, leading=24, textColor=ACCENT, alignment=TA_RIGHT),
        "heading": ParagraphStyle("heading", parent=bold, textColor=ACCENT, spaceBefore=2, spaceAfter=2),
        "th": ParagraphStyle("th", parent=bold, textColor=ACCENT),
        "th_right": ParagraphStyle("th_right", parent=bold, textColor=ACCENT, alignment=TA_RIGHT),
    }


# ================================================================================================
# What a layout gets: the document, and formatters for its reader.
# ================================================================================================

@dataclass(frozen=True)
class Reader:
    """Formats values for one reader: their language and the document's currency."""

    language: str
    currency: str

    def money(self, amount) -> str:
        return fmt.format_money(amount, self.currency, self.language)

    def amount(self, amount) -> str:
        return fmt.format_amount(amount, self.currency, self.language)

    def price(self, amount) -> str:
        return fmt.format_unit_price(amount, self.currency, self.language)

    def quantity(self, value) -> str:
        return fmt.format_quantity(value, self.language)

    def percent(self, value) -> str:
        return fmt.format_percent(value, self.language)

    def date(self, value, style: str | None = None) -> str:
        return fmt.format_date(value, self.language, style=style)


@dataclass(frozen=True)
class TaxSummaryRow:
    name: str
    percent: Decimal
    taxable: Decimal
    tax: Decimal  # negative for a withholding tax (deducted from the total)
    withholding: bool = False


@dataclass
class InvoiceDocument:
    invoice: Invoice
    company: Company
    lines: list[InvoiceLine]
    tax_groups: list[TaxGroup]  # the VAT breakdown, as in the UBL export
    tax_summary: list[TaxSummaryRow]  # every tax per rate, withholding included
    reader: Reader
    logo: Path | None


def tax_summary(invoice: Invoice, lines: list[InvoiceLine], groups: list[TaxGroup]) -> list[TaxSummaryRow]:
    """Each tax per rate, from the taxes stored on the lines (added taxes first, then withholding),
    each sum rounded to the currency. Lines without stored taxes fall back to the VAT breakdown."""
    parts = [tax for line in lines for tax in line.taxes.all()]
    if not parts:
        return [TaxSummaryRow(name=group.name or str(LABELS.get(group.category, group.category)),
                              percent=group.percent, taxable=group.taxable, tax=group.tax) for group in groups]
    rows: dict[tuple, dict] = {}
    for part in parts:
        withholding = part.kind == "withholding"
        key = (withholding, part.code, part.percent, part.compound)
        row = rows.setdefault(key, {"name": part.name or part.code, "taxable": Decimal(0), "tax": Decimal(0)})
        row["taxable"] += part.taxable
        row["tax"] += part.amount
    ordered = sorted(rows.items(), key=lambda item: item[0][0])  # stable: added taxes first
    return [TaxSummaryRow(name=row["name"], percent=key[2],
                          taxable=amount_rounded(row["taxable"], invoice.currency),
                          tax=amount_rounded(-row["tax"] if key[0] else row["tax"], invoice.currency),
                          withholding=key[0])
            for key, row in ordered]


@dataclass(frozen=True)
class StatementEntry:
    """One row of a statement. ``debit`` raises what the customer owes (an invoice, a debit note,
    a refund paid out), ``credit`` lowers it (a payment, a credit note)."""

    date: dt.date
    reference: str
    description: str  # a str, or a lazy translation evaluated in the reader's language
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


@dataclass
class StatementDocument:
    customer: Party
    company: Company
    entries: list[StatementEntry]
    opening_balance: Decimal
    period_start: dt.date | None
    period_end: dt.date | None
    as_of: dt.date
    reader: Reader
    logo: Path | None
    address: dict

    def balances(self) -> list[Decimal]:
        """The running balance after each entry."""
        result, balance = [], self.opening_balance
        for entry in self.entries:
            balance += entry.debit - entry.credit
            result.append(balance)
        return result

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + sum((e.debit - e.credit for e in self.entries), Decimal(0))


# ================================================================================================
# Layouts
# ================================================================================================

def _text(value) -> str:
    """User text made safe for a Paragraph (which reads a little XML): escaped, newlines kept."""
    return escape(str(value or "")).replace("\n", "<br/>")


def _address_lines(data: dict) -> list[str]:
    city = " ".join(part for part in [data.get("postal_code"), data.get("city")] if part)
    return [line for line in [data.get("line1"), data.get("line2"), city, data.get("region"), data.get("country")]
            if line]


def _company_block(company: Company, logo: Path | None, S, L) -> list[Flowable]:
    block: list[Flowable] = []
    if logo is not None:
        image = Image(str(logo), width=LOGO_MAX_SIZE[0], height=LOGO_MAX_SIZE[1], kind="proportional")
        image.hAlign = "LEFT"
        block += [image, Spacer(1, 2 * mm)]
    block.append(Paragraph(_text(company.legal_name), S["company"]))
    details = []
    if company.trade_name and company.trade_name != company.legal_name:
        details.append(_text(company.trade_name))
    details += [_text(line) for line in _address_lines({
        "line1": company.address_line1, "line2": company.address_line2, "city": company.city,
        "postal_code": company.postal_code, "region": company.region, "country": company.country})]
    if company.tax_id:
        details.append(f"{L['tax_id']}: {_text(company.tax_id)}")
    contact = " · ".join(_text(x) for x in [company.email, company.phone] if x)
    if contact:
        details.append(contact)
    if details:
        block.append(Paragraph("<br/>".join(details), S["base"]))
    return block


def _meta_table(rows: list[tuple[str, str]], S) -> Table:
    table = Table([[Paragraph(_text(label), S["small"]), Paragraph(_text(value), S["bold_right"])]
                   for label, value in rows], colWidths=[32 * mm, 48 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                               ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _header(left: list[Flowable], title: str, meta: list[tuple[str, str]], S) -> Table:
    right = [Paragraph(_text(title), S["title"]), Spacer(1, 3 * mm), _meta_table(meta, S)]
    header = Table([[left, right]], colWidths=_widths([None, HEADER_RIGHT_WIDTH]))
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return header


def _widths(columns: list) -> list[float]:
    """Column widths with the one ``None`` column taking what the others leave of the page."""
    rest = CONTENT_WIDTH - sum(width for width in columns if width is not None)
    return [rest if width is None else width for width in columns]


def _head(labels: list, S, right_from: int) -> list[Paragraph]:
    """A table's header row: wrapping cells, numbers' columns (from ``right_from``) aligned right."""
    return [Paragraph(_text(label), S["th_right" if i >= right_from else "th"]) for i, label in enumerate(labels)]


def _grid_style(header_rows: int = 1) -> list:
    return [
        ("FONTNAME", (0, 0), (-1, header_rows - 1), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), ACCENT),
        ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, ACCENT),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def invoice_layout(doc: InvoiceDocument) -> list[Flowable]:
    """Everything on an invoice, credit note or debit note, top to bottom."""
    S, L, f, invoice = styles(), LABELS, doc.reader, doc.invoice
    is_note = invoice.kind != Invoice.Kind.INVOICE
    story: list[Flowable] = []

    # Header: the company on the left; title, number and dates on the right.
    title = str(L[invoice.kind])
    if invoice.status == Invoice.Status.DRAFT:
        title = f"{title} ({L['draft']})"
    elif invoice.status == Invoice.Status.CANCELLED:
        title = f"{title} ({L['cancelled']})"
    meta = [(str(L["number"]), invoice.number or "—"),
            (str(L["issue_date"]), f.date(invoice.issue_date) or "—")]
    if invoice.kind != Invoice.Kind.CREDIT_NOTE:
        if invoice.due_date:
            meta.append((str(L["due_date"]), f.date(invoice.due_date)))
        terms = (str(L["days"]) % {"days": invoice.payment_terms_days} if invoice.payment_terms_days
                 else str(L["on_receipt"]))
        meta.append((str(L["payment_terms"]), str(terms)))
    if is_note and invoice.original is not None:
        original = invoice.original
        value = original.number or "—"
        if original.issue_date:
            value += f" ({f.date(original.issue_date, style='short')})"
        meta.append((str(L["original"]), value))
    if invoice.sales_order is not None:
        meta.append((str(L["order"]), invoice.sales_order.number))
        if invoice.sales_order.external_ref:
            meta.append((str(L["your_reference"]), invoice.sales_order.external_ref))
    meta.append((str(L["customer_no"]), invoice.customer.code))
    story.append(_header(_company_block(doc.company, doc.logo, S, L), title, meta, S))
    story.append(Spacer(1, 8 * mm))

    # Bill to.
    billing = invoice.billing_address or {}
    bill_to = [f"<b>{_text(billing.get('name') or invoice.customer.name)}</b>"]
    if billing.get("name") and billing["name"] != invoice.customer.name:
        bill_to.append(_text(invoice.customer.name))
    bill_to += [_text(line) for line in _address_lines(billing)]
    if invoice.customer.tax_id:
        bill_to.append(f"{L['tax_id']}: {_text(invoice.customer.tax_id)}")
    story += [Paragraph(_text(L["bill_to"]), S["heading"]), Paragraph("<br/>".join(bill_to), S["base"])]
    if is_note and invoice.reason:
        story += [Spacer(1, 3 * mm), Paragraph(f"<b>{_text(L['reason'])}:</b> {_text(invoice.reason)}", S["base"])]
    story.append(Spacer(1, 6 * mm))

    # Lines. The amount column is the line as priced: before tax, or with tax when prices include it.
    rows = [_head([L["line_no"], L["description"], L["quantity"], L["unit_price"], L["discount"], L["tax_percent"],
                   L["line_amount"]], S, right_from=2)]
    for index, line in enumerate(doc.lines, start=1):
        description = _text(line.description)
        if line.sku:
            description += f'<br/><font size="{FONT_SIZE - 2}" color="{MUTED.hexval()}">{_text(line.sku)}</font>'
        amount = line.line_total if invoice.tax_inclusive else line.line_subtotal
        rows.append([str(line.position or index), Paragraph(description, S["base"]), f.quantity(line.quantity),
                     f.price(line.unit_price), f.amount(line.discount_amount) if line.discount_amount else "",
                     f.percent(line.tax_percent), f.amount(amount)])
    lines_table = Table(rows, colWidths=_widths(LINE_COLUMNS), repeatRows=1)
    lines_table.setStyle(TableStyle(_grid_style() + [("ALIGN", (2, 0), (-1, -1), "RIGHT")]))
    story.append(lines_table)
    note = str(L["amounts_in"]) % {"currency": invoice.currency}
    if invoice.tax_inclusive:
        note = f"{note} · {L['prices_include_tax']}"
    story += [Spacer(1, 1.5 * mm), Paragraph(_text(note), S["small"]), Spacer(1, 5 * mm)]

    # Tax summary (left) and totals (right), kept together on one page.
    tax_rows = [_head([L["tax"], L["rate"], L["taxable_amount"], L["tax_amount"]], S, right_from=1)]
    for row in doc.tax_summary:
        tax_rows.append([Paragraph(_text(row.name), S["base"]), f.percent(row.percent), f.amount(row.taxable),
                         f.amount(row.tax)])
    tax_table = Table(tax_rows, colWidths=TAX_SUMMARY_COLUMNS, hAlign="LEFT")
    tax_table.setStyle(TableStyle(_grid_style() + [("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                                                   ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE - 1)]))
    gross = invoice.subtotal + invoice.tax_total
    withheld = invoice.withholding_total
    total_rows = [(str(L["subtotal"]), f.money(invoice.subtotal)), (str(L["tax"]), f.money(invoice.tax_total))]
    if withheld and invoice.total == gross - withheld:  # the total is net of the tax withheld
        total_rows += [(str(L["total_before_withholding"]), f.money(gross)),
                       (str(L["withholding"]), f.money(-withheld)), (str(L["total"]), f.money(invoice.total))]
        bold_row = len(total_rows) - 1
    elif withheld:
        total_rows += [(str(L["total"]), f.money(invoice.total)), (str(L["withholding"]), f.money(-withheld)),
                       (str(L["due_after_withholding"]), f.money(invoice.total - withheld))]
        bold_row = len(total_rows) - 3
    else:
        total_rows.append((str(L["total"]), f.money(invoice.total)))
        bold_row = len(total_rows) - 1
    totals_table = Table([[Paragraph(_text(label), S["bold" if i == bold_row else "base"]), value]
                          for i, (label, value) in enumerate(total_rows)], colWidths=TOTALS_COLUMNS)
    totals_table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTNAME", (0, bold_row), (-1, bold_row), FONT_BOLD),
        ("FONTSIZE", (0, bold_row), (-1, bold_row), FONT_SIZE + 2),
        ("LINEABOVE", (0, bold_row), (-1, bold_row), 0.8, ACCENT),
        ("TOPPADDING", (0, bold_row), (-1, bold_row), 4),
    ]))
    summary = Table([[[Paragraph(_text(L["tax_summary"]), S["heading"]), tax_table], totals_table]],
                    colWidths=_widths([None, sum(TOTALS_COLUMNS)]))
    summary.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story.append(KeepTogether([summary]))

    if invoice.notes:
        story += [Spacer(1, 6 * mm), Paragraph(_text(L["notes"]), S["heading"]),
                  Paragraph(_text(invoice.notes), S["base"])]
    return story


def statement_layout(doc: StatementDocument) -> list[Flowable]:
    """A customer's statement of account: documents and payments with a running balance."""
    S, L, f, customer = styles(), LABELS, doc.reader, doc.customer
    meta = [(str(L["customer_no"]), customer.code), (str(L["statement_date"]), f.date(doc.as_of))]
    if doc.period_start or doc.period_end:
        meta.append((str(L["period"]), f"{f.date(doc.period_start, 'short') or '…'} – "
                                        f"{f.date(doc.period_end, 'short') or '…'}"))
    story: list[Flowable] = [_header(_company_block(doc.company, doc.logo, S, L), str(L["statement"]), meta, S),
                             Spacer(1, 8 * mm)]
    lines = [f"<b>{_text(doc.address.get('name') or customer.name)}</b>"]
    lines += [_text(line) for line in _address_lines(doc.address)]
    if customer.tax_id:
        lines.append(f"{L['tax_id']}: {_text(customer.tax_id)}")
    story += [Paragraph(_text(L["customer"]), S["heading"]), Paragraph("<br/>".join(lines), S["base"]),
              Spacer(1, 6 * mm)]

    rows = [_head([L["date"], L["document"], L["description"], L["debit"], L["credit"], L["balance"]], S,
                  right_from=3),
            [f.date(doc.period_start, "short") if doc.period_start else "", "", str(L["opening_balance"]), "", "",
             f.amount(doc.opening_balance)]]
    for entry, balance in zip(doc.entries, doc.balances()):
        rows.append([f.date(entry.date, "short"), Paragraph(_text(entry.reference), S["base"]),
                     Paragraph(_text(entry.description), S["base"]),
                     f.amount(entry.debit) if entry.debit else "", f.amount(entry.credit) if entry.credit else "",
                     f.amount(balance)])
    rows.append(["", "", str(L["closing_balance"]), "", "", f.amount(doc.closing_balance)])
    table = Table(rows, colWidths=_widths(STATEMENT_COLUMNS), repeatRows=1)
    table.setStyle(TableStyle(_grid_style() + [
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
    ]))
    story += [table, Spacer(1, 1.5 * mm),
              Paragraph(_text(str(L["amounts_in"]) % {"currency": doc.reader.currency}), S["small"]), Spacer(1, 5 * mm)]
    due = Table([[str(L["amount_due"]), f.money(doc.closing_balance)]], colWidths=TOTALS_COLUMNS, hAlign="RIGHT")
    due.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_BOLD), ("FONTSIZE", (0, 0), (-1, -1), FONT_SIZE + 2),
                             ("ALIGN", (1, 0), (1, 0), "RIGHT"), ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT)]))
    story.append(due)
    return story


# ================================================================================================
# Rendering
# ================================================================================================

def logo_path() -> Path | None:
    """The logo file named by ``OMS_INVOICE_LOGO`` (setting, else environment), if it exists."""
    value = getattr(settings, "OMS_INVOICE_LOGO", None) or os.environ.get("OMS_INVOICE_LOGO")
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        log.warning("OMS_INVOICE_LOGO %s is not a file; documents are drawn without a logo", path)
        return None
    return path


def _footer_canvas(left_text: str, page_format: str):
    """A canvas that writes "left text ... Page n of N" at the foot of every page (N is known only
    at the end, so pages are kept until then)."""

    class FooterCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, FONT_SIZE - 2)
                self.setFillColor(MUTED)
                y = MARGINS["bottomMargin"] / 2
                self.drawString(MARGINS["leftMargin"] + FRAME_PADDING, y, left_text)
                self.drawRightString(PAGE_SIZE[0] - MARGINS["rightMargin"] - FRAME_PADDING, y,
                                     page_format % {"page": self._pageNumber, "pages": count})
                super().showPage()
            super().save()

    return FooterCanvas


def _render(story: list[Flowable], *, title: str, company: Company, language: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=PAGE_SIZE, title=title, author=company.legal_name,
                                 creator="OMS", lang=language, **MARGINS)
    footer = " · ".join(part for part in [company.legal_name, company.tax_id and f"{LABELS['tax_id']}: "
                                          f"{company.tax_id}"] if part)
    document.build(story, canvasmaker=_footer_canvas(footer, str(LABELS["page"])))
    return buffer.getvalue()


def _logo_or_none() -> Path | None:
    path = logo_path()
    if path is None:
        return None
    try:  # an unreadable image must not stop invoicing
        Image(str(path)).wrap(0, 0)
    except Exception:  # noqa: BLE001 - ReportLab/Pillow raise many kinds
        log.warning("OMS_INVOICE_LOGO %s could not be read as an image; drawn without a logo", path, exc_info=True)
        return None
    return path


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    lines = invoice_lines(invoice)
    groups = tax_groups(invoice, lines)
    return InvoiceDocument(invoice=invoice, company=company_default(), lines=lines, tax_groups=groups,
                           tax_summary=tax_summary(invoice, lines, groups),
                           reader=Reader(fmt.language_code(invoice.language), invoice.currency), logo=_logo_or_none())


def invoice_pdf(invoice: Invoice, *, layout=None) -> bytes:
    """The invoice, credit note or debit note as a PDF in ``invoice.language`` (en or id)."""
    language = fmt.language_code(invoice.language)
    with translation.override(language):
        doc = invoice_document(invoice)
        story = (layout or invoice_layout)(doc)
        title = f"{LABELS[invoice.kind]} {invoice.number or ''}".strip()
        return _render(story, title=title, company=doc.company, language=language)


def pdf_filename(invoice: Invoice) -> str:
    """A file name for a download: ``INV-2026-00001.pdf``."""
    return ubl_filename(invoice)[: -len(".xml")] + ".pdf"


def statement_entries_from_invoices(invoices) -> list[StatementEntry]:
    """Rows for issued documents: invoices and debit notes as debits, credit notes as credits.
    Drafts and cancelled documents are left out. Payments come from the payments module, which
    makes its own ``StatementEntry`` rows (``LABELS["payment"]`` is there for their description)."""
    entries = []
    for invoice in invoices:
        if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED) or not invoice.issue_date:
            continue
        amount = abs(invoice.total)
        credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
        entries.append(StatementEntry(date=invoice.issue_date, reference=invoice.number or "",
                                      description=LABELS[invoice.kind],
                                      debit=Decimal(0) if credit else amount, credit=amount if credit else Decimal(0)))
    return entries


def statement_pdf(customer: Party, entries: list[StatementEntry], *, currency: str,
                  opening_balance: Decimal = Decimal(0), period_start: dt.date | None = None,
                  period_end: dt.date | None = None, as_of: dt.date | None = None,
                  language: str | None = None, billing_address: dict | None = None, layout=None) -> bytes:
    """A statement of account for one customer in one currency, in the customer's language.

    ``entries`` are sorted by date (stably); the balance runs from ``opening_balance``. The billing
    address defaults to the customer's default billing address.
    """
    language = fmt.language_code(language or customer.language)
    if billing_address is None:
        address = (customer.addresses.filter(kind="billing").order_by("-is_default", "pk").first())
        billing_address = address.as_dict() if address else {}
    with translation.override(language):
        company = company_default()
        doc = StatementDocument(
            customer=customer, company=company, entries=sorted(entries, key=lambda e: e.date),
            opening_balance=Decimal(opening_balance), period_start=period_start, period_end=period_end,
            as_of=as_of or dt.date.today(), reader=Reader(language, currency), logo=_logo_or_none(),
            address=billing_address,
        )
        story = (layout or statement_layout)(doc)
        return _render(story, title=f"{LABELS['statement']} {customer.code}", company=company, language=language)
