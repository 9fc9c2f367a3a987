"""PDF documents: every kind renders, in the customer's language, with amounts written for the
currency and the locale; read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.utils import translation
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.pdf import (
    LABELS,
    StatementEntry,
    invoice_layout,
    invoice_pdf,
    pdf_filename,
    statement_entries_from_invoices,
    statement_pdf,
    styles,
)
from test_ubl import Documents, add_line, finish, make_documents


def pdf_text(data: bytes) -> str:
    """The text of every page, with runs of white space (and wrapped lines) made single spaces."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def docs(db) -> Documents:
    return make_documents()


def test_an_english_invoice(docs):
    text = pdf_text(invoice_pdf(docs.invoice))
    for expected in [
        "Invoice", "INV-2026-00001", "Issue date", "25 Nov 2026", "Due date", "25 Dec 2026", "Payment terms",
        "30 days", "Customer no.", "C-EN1",
        # the company
        "PT Contoh Dagang Indonesia", "Jl. Jend. Sudirman Kav. 52", "12190 Jakarta Selatan",
        "Tax ID: 01.234.567.8-901.000",
        # the customer and their billing address
        "Bill to", "Acme Trading Accounts Payable", "Acme Trading Pte Ltd", "1 Raffles Place", "048616 Singapore",
        # lines: description, SKU, quantity, unit price, discount, tax, amount
        "Widget, blue", "WID-100", "617.25", "1,234.50", "11%", "Training session", "30.00", "270.00", "0%",
        # tax summary and totals
        "Tax summary", "PPN 11%", "Exempt (education)", "135.80", "Subtotal", "USD 1,504.50", "USD 135.80",
        "Total", "USD 1,640.30", "Amounts in USD",
        "Notes", "Thank you for your business.", "Page 1 of 1",
    ]:
        assert expected in text, expected
    assert "Credit note" not in text and "Original invoice" not in text


def test_an_indonesian_invoice_in_rupiah_with_tax_withheld(docs):
    text = pdf_text(invoice_pdf(docs.invoice_idr))
    for expected in [
        "Faktur", "INV-2026-00002", "Tanggal terbit", "25 November 2026", "Jatuh tempo", "25 Desember 2026",
        "Termin pembayaran", "30 hari", "Ditagihkan kepada", "CV Sumber Rejeki", "Jl. Pemuda No. 10",
        "Deskripsi", "Harga satuan", "Kopi bubuk", "250.000", "1.250.000", "11%",
        "Ringkasan pajak", "PPN 11%", "PPh 23", "137.500", "-25.000",
        "Subtotal", "Rp 1.250.000", "Pajak", "Rp 137.500", "Total sebelum pemotongan", "Rp 1.387.500",
        "Pajak dipotong", "-Rp 25.000", "Total", "Rp 1.362.500", "Jumlah dalam IDR", "Halaman 1 dari 1",
        "NPWP: 01.234.567.8-901.000",
    ]:
        assert expected in text, expected
    for english in ["Invoice", "Due date", "Bill to", "Unit price", "Page 1 of 1", "IDR 1,"]:
        assert english not in text, english
    assert ",00" not in text  # whole rupiah: no decimals


def test_the_same_invoice_in_english_writes_rupiah_the_english_way(docs):
    Invoice.objects.filter(pk=docs.invoice_idr.pk).update(language="en")
    docs.invoice_idr.refresh_from_db()
    text = pdf_text(invoice_pdf(docs.invoice_idr))
    assert "IDR 1,362,500" in text and "IDR 1,250,000" in text and "-IDR 25,000" in text
    assert "Rp" not in text and "Invoice" in text and "25 Nov 2026" in text


def test_a_credit_note(docs):
    text = pdf_text(invoice_pdf(docs.credit_note))
    for expected in ["Credit note", "CN-2026-00001", "Original invoice", "INV-2026-00001 (25 Nov 2026)",
                     "Reason: Damaged widget returned", "Widget, blue (returned)", "617.25", "USD 685.15",
                     "USD 67.90"]:
        assert expected in text, expected
    assert "Due date" not in text and "Payment terms" not in text  # nothing to pay on a credit note


def test_a_debit_note_in_indonesian(docs):
    text = pdf_text(invoice_pdf(docs.debit_note))
    for expected in ["Nota debit", "DN-2026-00001", "Faktur asal", "INV-2026-00002 (25 Nov 2026)",
                     "Alasan: Biaya pengiriman tambahan", "Ongkos kirim", "Rp 50.000", "Rp 5.500", "Rp 55.500",
                     "Jatuh tempo"]:
        assert expected in text, expected


def test_an_indonesian_credit_note_and_an_english_debit_note(docs):
    Invoice.objects.filter(pk=docs.credit_note.pk).update(language="id")
    Invoice.objects.filter(pk=docs.debit_note.pk).update(language="en")
    docs.credit_note.refresh_from_db()
    docs.debit_note.refresh_from_db()
    credit = pdf_text(invoice_pdf(docs.credit_note))
    assert "Nota kredit" in credit and "USD 685,15" in credit and "617,25" in credit
    debit = pdf_text(invoice_pdf(docs.debit_note))
    assert "Debit note" in debit and "IDR 55,500" in debit and "Original invoice" in debit


def test_tax_inclusive_prices_in_euro(docs):
    text = pdf_text(invoice_pdf(docs.inclusive))
    for expected in ["INV-2026-00003", "Prices include tax", "Amounts in EUR", "12.21", "35.63", "99.90",
                     "EUR 122.10", "EUR 13.43", "EUR 135.53", "PPN 11%"]:
        assert expected in text, expected


def test_labels_come_back_in_the_callers_language(docs):
    with translation.override("en"):
        invoice_pdf(docs.invoice_idr)
        assert translation.get_language() == "en"
        assert str(LABELS[Invoice.Kind.INVOICE]) == "Invoice"


def test_every_label_has_an_indonesian_translation():
    same_in_both = {"Subtotal", "Total", "Debit"}
    with translation.override("en"):
        english = {key: str(label) for key, label in LABELS.items()}
    with translation.override("id"):
        indonesian = {key: str(label) for key, label in LABELS.items()}
    assert [text for key, text in english.items() if indonesian[key] == text and text not in same_in_both] == []


def test_a_draft_is_marked_and_has_no_number(docs):
    draft = Invoice.objects.create(kind=Invoice.Kind.INVOICE, customer=docs.english, currency="USD",
                                   language="en", billing_address={"name": "Acme", "country": "SG"})
    add_line(draft, 1, "Widget & <friends>", "1", "10", rate=docs.ppn)
    finish(draft, status=Invoice.Status.DRAFT)
    text = pdf_text(invoice_pdf(draft))
    assert "Invoice (Draft)" in text and "Widget & <friends>" in text and "USD 11.10" in text
    assert pdf_filename(draft) == f"draft-{draft.pk}.pdf"
    assert pdf_filename(docs.invoice) == "INV-2026-00001.pdf"


def test_many_lines_flow_onto_more_pages_with_the_header_repeated(docs):
    long = Invoice.objects.create(number="INV-2026-00099", kind=Invoice.Kind.INVOICE, customer=docs.english,
                                  currency="USD", issue_date=dt.date(2026, 11, 25), language="en",
                                  billing_address={"name": "Acme", "city": "Singapore", "country": "SG"})
    for position in range(1, 81):
        add_line(long, position, f"Spare part no. {position}", "1", "1.50", rate=docs.ppn,
                 kind=InvoiceLine.Kind.GOODS)
    finish(long)
    data = invoice_pdf(long)
    count = pages(data)
    assert count >= 2
    text = pdf_text(data)
    assert f"Page {count} of {count}" in text and "Spare part no. 80" in text
    assert text.count("Unit price") == count  # the lines' header on every page
    assert "USD 120.00" in text and "USD 13.60" in text and "USD 133.60" in text  # 80 x (1.50 + 0.17)


def test_a_logo_from_the_setting(docs, settings, tmp_path):
    from PIL import Image as PILImage

    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (300, 100), (31, 58, 95)).save(logo)
    settings.OMS_INVOICE_LOGO = str(logo)
    with_logo = invoice_pdf(docs.invoice)
    assert len(PdfReader(io.BytesIO(with_logo)).pages[0].images) == 1
    settings.OMS_INVOICE_LOGO = str(tmp_path / "missing.png")  # a wrong path never stops invoicing
    assert len(PdfReader(io.BytesIO(invoice_pdf(docs.invoice))).pages[0].images) == 0
    (tmp_path / "broken.png").write_bytes(b"not an image")
    settings.OMS_INVOICE_LOGO = str(tmp_path / "broken.png")
    assert "INV-2026-00001" in pdf_text(invoice_pdf(docs.invoice))


def test_a_business_can_pass_its_own_layout(docs):
    def layout(doc):
        story = invoice_layout(doc)
        story.append(Paragraph("Bank: BCA 123-456-7890", styles()["base"]))
        return story

    text = pdf_text(invoice_pdf(docs.invoice, layout=layout))
    assert "Bank: BCA 123-456-7890" in text and "USD 1,640.30" in text


# -- statements ---------------------------------------------------------------------------------

def test_a_statement_in_english(docs):
    invoices = Invoice.objects.filter(customer=docs.english, currency="USD").order_by("pk")
    entries = statement_entries_from_invoices(invoices) + [
        StatementEntry(date=dt.date(2026, 11, 30), reference="PAY-2026-00007", description=LABELS["payment"],
                       credit=D("500.00")),
    ]
    data = statement_pdf(docs.english, entries, currency="USD", opening_balance=D("100.00"),
                         period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                         as_of=dt.date(2026, 12, 1))
    text = pdf_text(data)
    # 100.00 + 1,640.30 - 685.15 - 500.00 = 555.15
    for expected in ["Statement of account", "Statement date", "1 Dec 2026", "1 Nov 2026 – 30 Nov 2026",
                     "Acme Trading Accounts Payable", "1 Raffles Place", "Opening balance", "100.00",
                     "INV-2026-00001", "Invoice", "1,640.30", "1,740.30", "CN-2026-00001", "Credit note", "685.15",
                     "1,055.15", "PAY-2026-00007", "Payment", "500.00", "555.15", "Closing balance",
                     "Amount due", "USD 555.15", "Amounts in USD"]:
        assert expected in text, expected


def test_a_statement_in_indonesian(docs):
    entries = statement_entries_from_invoices(Invoice.objects.filter(customer=docs.indonesian).order_by("pk"))
    data = statement_pdf(docs.indonesian, entries, currency="IDR", as_of=dt.date(2026, 12, 1),
                         billing_address=docs.invoice_idr.billing_address)
    text = pdf_text(data)
    # 1.362.500 + 55.500 = 1.418.000
    for expected in ["Laporan rekening", "1 Desember 2026", "Saldo awal", "Faktur", "Nota debit", "1.362.500",
                     "1.418.000", "Saldo akhir", "Jumlah terutang", "Rp 1.418.000", "CV Sumber Rejeki"]:
        assert expected in text, expected


def test_drafts_and_cancelled_documents_stay_off_a_statement(docs):
    draft = Invoice.objects.create(kind=Invoice.Kind.INVOICE, customer=docs.english, currency="USD")
    assert statement_entries_from_invoices([draft, docs.invoice]) == statement_entries_from_invoices([docs.invoice])
    entry = statement_entries_from_invoices([docs.credit_note])[0]
    assert (entry.debit, entry.credit, entry.reference) == (D(0), D("685.15"), "CN-2026-00001")
