"""UBL 2.1 / PEPPOL BIS Billing 3.0 export: valid against the official OASIS XSDs, amounts that
add up, and (when saxonche is installed) no failed EN 16931 business rule.

The validators are read from ../shared/samples (see /work/shared/samples/README.md for their
sources and licences); tests that need them skip, with the reason shown, when it is absent.

``make_documents()`` builds the invoices every document test uses (test_pdf.py imports it): rows
written directly, as the invoicing services would leave them once issued.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from decimal import Decimal as D
from pathlib import Path

import pytest

from oms.catalog.models import Product, TaxCategory, UnitOfMeasure
from oms.core.models import Company
from oms.core.services.company import company_default
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, TaxRate
from oms.invoicing.ubl import invoice_ubl, tax_groups, ubl_filename, vat_identifier
from oms.parties.models import Party

# -- the documents ------------------------------------------------------------------------------

ISSUED = dt.date(2026, 11, 25)
DUE = dt.date(2026, 12, 25)


@dataclass
class Documents:
    company: Company
    english: Party  # language "en", pays in USD
    indonesian: Party  # language "id", pays in IDR
    invoice: Invoice  # USD, 11% and exempt lines, a discount: total 1,640.30
    invoice_idr: Invoice  # IDR with PPh 23 withheld: total 1,362,500
    credit_note: Invoice  # USD, on `invoice`: total 685.15
    debit_note: Invoice  # IDR, on `invoice_idr`: total 55,500
    inclusive: Invoice  # EUR, prices include tax, no stored line taxes: total 135.53
    ppn: TaxRate
    exempt: TaxRate
    pph23: TaxRate


def _round(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def add_line(invoice: Invoice, position: int, description: str, quantity, unit_price, *, rate: TaxRate | None = None,
             discount="0", withholding: TaxRate | None = None, product: Product | None = None, sku: str = "",
             kind: str = InvoiceLine.Kind.GOODS, store_taxes: bool = True) -> InvoiceLine:
    """A line with its amounts worked out the way the tax services do (rounded per line)."""
    places = 0 if invoice.currency == "JPY" else 2
    quantity, unit_price, discount = D(quantity), D(unit_price), D(discount)
    percent = rate.rate if rate else D(0)
    net = _round(quantity * unit_price, places) - discount
    if invoice.tax_inclusive:
        subtotal = _round(net / (1 + percent / 100), places)
        tax = net - subtotal
    else:
        subtotal, tax = net, _round(net * percent / 100, places)
    line = InvoiceLine.objects.create(
        invoice=invoice, position=position, kind=kind, product=product, sku=sku, description=description,
        quantity=quantity, unit_price=unit_price, discount_amount=discount, tax_rate=rate, tax_percent=percent,
        tax_category=rate.category if rate else None,
        line_subtotal=subtotal, line_tax=tax, line_total=subtotal + tax)
    if store_taxes and rate:
        InvoiceLineTax.objects.create(line=line, tax_rate=rate, code=rate.code, name=rate.name, percent=rate.rate,
                                      taxable=subtotal, amount=tax)
    if store_taxes and withholding:
        InvoiceLineTax.objects.create(line=line, tax_rate=withholding, code=withholding.code, name=withholding.name,
                                      percent=withholding.rate, kind=TaxRate.Kind.WITHHOLDING, taxable=subtotal,
                                      amount=_round(subtotal * withholding.rate / 100, places))
    return line


def finish(invoice: Invoice, status: str = Invoice.Status.ISSUED) -> Invoice:
    """The document's totals from its lines (total = subtotal + tax - withholding), then issued:
    written while a draft, since an issued document never changes (oms.invoicing.guards)."""
    lines = list(invoice.lines.all())
    invoice.subtotal = sum((x.line_subtotal for x in lines), D(0))
    invoice.tax_total = sum((x.line_tax for x in lines), D(0))
    invoice.withholding_total = sum((t.amount for x in lines for t in x.taxes.all() if t.kind == "withholding"),
                                    D(0))
    invoice.total = invoice.subtotal + invoice.tax_total - invoice.withholding_total
    invoice.save()
    if status != Invoice.Status.DRAFT:
        invoice.status = status
        invoice.save(update_fields=["status"])
    invoice.refresh_from_db()
    return invoice


def make_documents() -> Documents:
    company = company_default()
    for name, value in {
        "legal_name": "PT Contoh Dagang Indonesia", "trade_name": "Contoh Dagang",
        "address_line1": "Jl. Jend. Sudirman Kav. 52", "address_line2": "Gedung Contoh Lt. 8",
        "city": "Jakarta Selatan", "region": "DKI Jakarta", "postal_code": "12190", "country": "ID",
        "tax_id": "01.234.567.8-901.000", "email": "billing@contoh.test", "phone": "+62 21 555 0100",
        "base_currency": "IDR", "default_locale": "id",
    }.items():
        setattr(company, name, value)
    company.save()

    pcs = UnitOfMeasure.objects.create(code="pcs", name="piece")
    kg = UnitOfMeasure.objects.create(code="kg", name="kilogram", decimals=3)
    standard = TaxCategory.objects.create(code="doc-std", name="Standard", rate=D("11"))
    exempt_category = TaxCategory.objects.create(code="doc-exempt", name="Exempt services", rate=D(0))
    ppn = TaxRate.objects.create(code="doc-ppn-11", name="PPN 11%", category=standard, jurisdiction="ID", rate=D("11"))
    exempt = TaxRate.objects.create(code="doc-exempt-0", name="Exempt (education)", category=exempt_category,
                                    rate=D(0))
    pph23 = TaxRate.objects.create(code="doc-pph23", name="PPh 23", category=standard, jurisdiction="ID",
                                   rate=D("2"), kind=TaxRate.Kind.WITHHOLDING)
    widget = Product.objects.create(sku="WID-100", name="Widget", unit=pcs, tax_category=standard)
    coffee = Product.objects.create(sku="KOPI-1KG", name="Kopi bubuk", unit=kg, tax_category=standard)

    english = Party.objects.create(code="C-EN1", name="Acme Trading Pte Ltd", language="en", currency="USD",
                                   tax_id="201912345A", email="ap@acme.test", phone="+65 6000 0000")
    indonesian = Party.objects.create(code="C-ID1", name="CV Sumber Rejeki", language="id", currency="IDR",
                                      tax_id="02.345.678.9-012.000", email="keuangan@sumber.test")
    en_address = {"name": "Acme Trading Accounts Payable", "line1": "1 Raffles Place", "line2": "#20-01",
                  "city": "Singapore", "region": "", "postal_code": "048616", "country": "SG"}
    id_address = {"name": "CV Sumber Rejeki", "line1": "Jl. Pemuda No. 10", "line2": "", "city": "Surabaya",
                  "region": "Jawa Timur", "postal_code": "60271", "country": "ID"}
    english.addresses.create(kind="billing", is_default=True, **en_address)

    def document(number, customer, currency, address, language, **kw):
        kw.setdefault("kind", Invoice.Kind.INVOICE)
        kw.setdefault("due_date", DUE if kw["kind"] != Invoice.Kind.CREDIT_NOTE else None)
        return Invoice.objects.create(number=number, status=Invoice.Status.DRAFT, customer=customer,
                                      currency=currency, issue_date=ISSUED, payment_terms_days=30,
                                      language=language, billing_address=address, **kw)

    invoice = document("INV-2026-00001", english, "USD", en_address, "en", notes="Thank you for your business.")
    add_line(invoice, 1, "Widget, blue", "2", "617.25", rate=ppn, product=widget, sku="WID-100")
    add_line(invoice, 2, "Training session", "3", "100.00", rate=exempt, discount="30.00",
             kind=InvoiceLine.Kind.HOURS)
    finish(invoice)

    invoice_idr = document("INV-2026-00002", indonesian, "IDR", id_address, "id")
    add_line(invoice_idr, 1, "Kopi bubuk", "5", "250000", rate=ppn, withholding=pph23, product=coffee,
             sku="KOPI-1KG")
    finish(invoice_idr)

    credit_note = document("CN-2026-00001", english, "USD", en_address, "en", kind=Invoice.Kind.CREDIT_NOTE,
                           original=invoice, reason="Damaged widget returned")
    add_line(credit_note, 1, "Widget, blue (returned)", "1", "617.25", rate=ppn, product=widget, sku="WID-100")
    finish(credit_note)

    debit_note = document("DN-2026-00001", indonesian, "IDR", id_address, "id", kind=Invoice.Kind.DEBIT_NOTE,
                          original=invoice_idr, reason="Biaya pengiriman tambahan")
    add_line(debit_note, 1, "Ongkos kirim", "1", "50000", rate=ppn, kind=InvoiceLine.Kind.FEE)
    finish(debit_note)

    inclusive = document("INV-2026-00003", english, "EUR", en_address, "en", tax_inclusive=True)
    add_line(inclusive, 1, "Notebook A5", "3", "12.21", rate=ppn, discount="1.00", store_taxes=False)
    add_line(inclusive, 2, "Pen", "10", "9.99", rate=ppn, store_taxes=False)
    finish(inclusive)

    return Documents(company, english, indonesian, invoice, invoice_idr, credit_note, debit_note, inclusive,
                     ppn, exempt, pph23)


@pytest.fixture
def docs(db) -> Documents:
    return make_documents()


def test_the_documents_add_up(docs):
    """The figures the other tests look for."""
    assert (docs.invoice.subtotal, docs.invoice.tax_total, docs.invoice.total) == (D("1504.50"), D("135.80"),
                                                                                  D("1640.30"))
    assert (docs.invoice_idr.tax_total, docs.invoice_idr.withholding_total, docs.invoice_idr.total) == (
        D("137500"), D("25000"), D("1362500"))
    assert docs.credit_note.total == D("685.15")
    assert docs.debit_note.total == D("55500")
    assert (docs.inclusive.subtotal, docs.inclusive.tax_total, docs.inclusive.total) == (D("122.10"), D("13.43"),
                                                                                        D("135.53"))


# -- validators ---------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
XSD_DIR = SAMPLES / "oasis-ubl-2.1" / "xsd" / "maindoc"
EN16931_XSLT = SAMPLES / "en16931-ubl" / "ubl" / "xslt" / "EN16931-UBL-validation.xslt"
PEPPOL_EXAMPLES = SAMPLES / "peppol-bis-billing-3" / "rules" / "examples"
EN16931_EXAMPLES = SAMPLES / "en16931-ubl" / "ubl" / "examples"

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "svrl": "http://purl.oclc.org/dsdl/svrl",
}


class UblValidator:
    """The OASIS UBL 2.1 Invoice and CreditNote schemas, compiled once (a few seconds each)."""

    def __init__(self) -> None:
        import xmlschema

        self._paths = {"Invoice": XSD_DIR / "UBL-Invoice-2.1.xsd", "CreditNote": XSD_DIR / "UBL-CreditNote-2.1.xsd"}
        self._schemas: dict = {}
        self._xmlschema = xmlschema

    def errors(self, xml: bytes | str | Path) -> list[str]:
        root = ET.parse(xml).getroot() if isinstance(xml, Path) else ET.fromstring(xml)
        name = root.tag.split("}")[1]
        if name not in self._paths:
            return [f"unexpected document element {root.tag}"]
        if name not in self._schemas:
            self._schemas[name] = self._xmlschema.XMLSchema(str(self._paths[name]))
        source = str(xml) if isinstance(xml, Path) else xml.decode() if isinstance(xml, bytes) else xml
        return [f"{e.path}: {e.reason}" for e in self._schemas[name].iter_errors(source)]


@pytest.fixture(scope="session")
def ubl_validator() -> UblValidator:
    if not (XSD_DIR / "UBL-Invoice-2.1.xsd").is_file():
        pytest.skip(f"UBL 2.1 XSDs not found at {XSD_DIR} (../shared/samples is absent): XSD validation not run")
    return UblValidator()


class En16931Validator:
    """The official EN 16931 UBL business rules (Schematron compiled to XSLT), run with Saxon."""

    def __init__(self, processor, executable) -> None:
        self._processor, self._executable = processor, executable

    def failed(self, xml: bytes | Path) -> list[tuple[str, str, str]]:
        """(rule id, flag, message) of every failed assertion."""
        if isinstance(xml, Path):
            report = self._executable.transform_to_string(source_file=str(xml))
        else:
            node = self._processor.parse_xml(xml_text=xml.decode())
            report = self._executable.transform_to_string(xdm_node=node)
        root = ET.fromstring(report)
        return [(a.get("id"), a.get("flag"), " ".join((a.findtext("svrl:text", "", NS) or "").split()))
                for a in root.iter(f"{{{NS['svrl']}}}failed-assert")]

    def fatal(self, xml: bytes | Path) -> list[tuple[str, str, str]]:
        return [f for f in self.failed(xml) if f[1] == "fatal"]


@pytest.fixture(scope="session")
def en16931():
    saxonche = pytest.importorskip("saxonche", reason="saxonche not installed (pip install -e '.[dev]'): "
                                                      "EN 16931 Schematron rules not run")
    if not EN16931_XSLT.is_file():
        pytest.skip(f"EN 16931 validation XSLT not found at {EN16931_XSLT}: business rules not run")
    processor = saxonche.PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(EN16931_XSLT))
    return En16931Validator(processor, executable)


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def text(root: ET.Element, path: str) -> str | None:
    return root.findtext(path, None, NS)


def all_documents(docs: Documents) -> list[Invoice]:
    return [docs.invoice, docs.invoice_idr, docs.credit_note, docs.debit_note, docs.inclusive]


# -- the validators work -----------------------------------------------------------------------

def sample_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() == ".xml") if folder.is_dir() else []


@pytest.mark.parametrize("sample", sample_files(PEPPOL_EXAMPLES) or [None], ids=lambda p: p.name if p else "none")
def test_the_peppol_samples_pass_the_xsd_validator(ubl_validator, sample):
    if sample is None:
        pytest.skip(f"no PEPPOL samples in {PEPPOL_EXAMPLES}")
    assert ubl_validator.errors(sample) == []


def test_the_xsd_validator_rejects_a_broken_document(ubl_validator):
    sample = PEPPOL_EXAMPLES / "base-example.xml"
    if not sample.is_file():
        pytest.skip(f"{sample} not found")
    broken = sample.read_bytes().replace(b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"")
    assert broken != sample.read_bytes()
    assert any("IssueDate" in error or "DueDate" in error for error in ubl_validator.errors(broken))


def test_the_en16931_rules_pass_the_official_samples_and_catch_a_wrong_total(en16931):
    sample = PEPPOL_EXAMPLES / "base-example.xml"
    if not sample.is_file():
        pytest.skip(f"{sample} not found")
    assert en16931.fatal(sample) == []
    broken = sample.read_bytes().replace(b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
                                         b'<cbc:PayableAmount currencyID="EUR">1656.24</cbc:PayableAmount>')
    assert "BR-CO-16" in {rule for rule, _, _ in en16931.fatal(broken)}


# -- our documents ------------------------------------------------------------------------------

def test_an_invoice_is_valid_ubl_with_the_peppol_profile(docs, ubl_validator):
    xml = invoice_ubl(docs.invoice)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice ')
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    assert root.tag == f"{{{NS['inv']}}}Invoice"
    assert text(root, "cbc:CustomizationID") == ("urn:cen.eu:en16931:2017#compliant#"
                                                 "urn:fdc:peppol.eu:2017:poacc:billing:3.0")
    assert text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert text(root, "cbc:ID") == "INV-2026-00001"
    assert text(root, "cbc:IssueDate") == "2026-11-25"
    assert text(root, "cbc:DueDate") == "2026-12-25"
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:DocumentCurrencyCode") == "USD"
    assert text(root, "cbc:Note") == "Thank you for your business."
    assert text(root, "cbc:BuyerReference") == "C-EN1"
    assert text(root, "cac:PaymentTerms/cbc:Note") == "Payment within 30 days"
    assert root.find("cac:BillingReference", NS) is None


def test_seller_and_buyer(docs):
    root = parse(invoice_ubl(docs.invoice))
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert text(seller, "cac:PartyName/cbc:Name") == "Contoh Dagang"
    assert text(seller, "cac:PartyLegalEntity/cbc:RegistrationName") == "PT Contoh Dagang Indonesia"
    assert text(seller, "cac:PostalAddress/cbc:StreetName") == "Jl. Jend. Sudirman Kav. 52"
    assert text(seller, "cac:PostalAddress/cbc:CityName") == "Jakarta Selatan"
    assert text(seller, "cac:PostalAddress/cbc:PostalZone") == "12190"
    assert text(seller, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "ID"
    assert text(seller, "cac:PartyTaxScheme/cbc:CompanyID") == "ID012345678901000"
    assert text(seller, "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == "VAT"
    assert text(seller, "cac:Contact/cbc:ElectronicMail") == "billing@contoh.test"
    assert seller.find("cbc:EndpointID", NS) is None  # no OMS_PEPPOL_ENDPOINT set
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert text(buyer, "cac:PartyName/cbc:Name") == "Acme Trading Accounts Payable"
    assert text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == "Acme Trading Pte Ltd"
    assert text(buyer, "cac:PartyIdentification/cbc:ID") == "C-EN1"
    assert text(buyer, "cac:PostalAddress/cbc:AdditionalStreetName") == "#20-01"
    assert text(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "SG"
    assert text(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "SG201912345A"


def test_peppol_electronic_addresses_come_from_the_setting_and_the_customer(docs, settings, ubl_validator):
    settings.OMS_PEPPOL_ENDPOINT = "0088:5790000435951"
    docs.english.custom = {"peppol_endpoint": "0195:SGUEN201912345A", "buyer_reference": "PO-778"}
    docs.english.save()
    docs.invoice.refresh_from_db()
    xml = invoice_ubl(docs.invoice)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    seller = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (seller.get("schemeID"), seller.text) == ("0088", "5790000435951")
    assert (buyer.get("schemeID"), buyer.text) == ("0195", "SGUEN201912345A")
    assert text(root, "cbc:BuyerReference") == "PO-778"


def test_lines_quantities_units_prices_and_discounts(docs):
    root = parse(invoice_ubl(docs.invoice))
    first, second = root.findall("cac:InvoiceLine", NS)
    assert text(first, "cbc:ID") == "1"
    quantity = first.find("cbc:InvoicedQuantity", NS)
    assert (quantity.text, quantity.get("unitCode")) == ("2", "C62")  # pcs: C62 ("one")
    assert text(first, "cbc:LineExtensionAmount") == "1234.50"
    assert first.find("cbc:LineExtensionAmount", NS).get("currencyID") == "USD"
    assert text(first, "cac:Item/cbc:Name") == "Widget, blue"
    assert text(first, "cac:Item/cac:SellersItemIdentification/cbc:ID") == "WID-100"
    assert text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "S"
    assert text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "11"
    assert text(first, "cac:Price/cbc:PriceAmount") == "617.25"
    assert first.find("cac:AllowanceCharge", NS) is None
    # Hours, exempt, with a discount as a line allowance: 3 x 100.00 - 30.00 = 270.00.
    assert second.find("cbc:InvoicedQuantity", NS).get("unitCode") == "HUR"
    assert text(second, "cbc:LineExtensionAmount") == "270.00"
    assert text(second, "cac:AllowanceCharge/cbc:ChargeIndicator") == "false"
    assert text(second, "cac:AllowanceCharge/cbc:Amount") == "30.00"
    assert text(second, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "E"
    assert text(second, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "0"


def test_tax_total_has_one_subtotal_per_rate(docs):
    root = parse(invoice_ubl(docs.invoice))
    tax_total = root.find("cac:TaxTotal", NS)
    assert text(tax_total, "cbc:TaxAmount") == "135.80"
    subtotals = tax_total.findall("cac:TaxSubtotal", NS)
    summary = [(text(s, "cac:TaxCategory/cbc:ID"), text(s, "cac:TaxCategory/cbc:Percent"),
                text(s, "cbc:TaxableAmount"), text(s, "cbc:TaxAmount")) for s in subtotals]
    assert summary == [("S", "11", "1234.50", "135.80"), ("E", "0", "270.00", "0.00")]
    assert text(subtotals[1], "cac:TaxCategory/cbc:TaxExemptionReason") == "Exempt (education)"
    assert subtotals[0].find("cac:TaxCategory/cbc:TaxExemptionReason", NS) is None


def test_monetary_totals_and_payable_amount_equal_the_invoice_total(docs):
    for document in all_documents(docs):
        root = parse(invoice_ubl(document))
        totals = root.find("cac:LegalMonetaryTotal", NS)
        payable = totals.find("cbc:PayableAmount", NS)
        assert D(payable.text) == document.total, document.number
        assert payable.get("currencyID") == document.currency
        assert D(text(totals, "cbc:LineExtensionAmount")) == document.subtotal
        assert D(text(totals, "cbc:TaxExclusiveAmount")) == document.subtotal
        assert D(text(totals, "cbc:TaxInclusiveAmount")) == document.subtotal + document.tax_total
        assert D(text(root, "cac:TaxTotal/cbc:TaxAmount")) == document.tax_total
        for element in root.iter():
            if element.tag.endswith("Amount") and element.tag != f"{{{NS['cbc']}}}PriceAmount":
                assert element.get("currencyID") == document.currency, element.tag


def test_idr_amounts_use_the_iso_minor_unit_and_withholding_is_stated_as_prepaid(docs, ubl_validator):
    xml = invoice_ubl(docs.invoice_idr)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert text(totals, "cbc:LineExtensionAmount") == "1250000.00"
    assert text(totals, "cbc:TaxInclusiveAmount") == "1387500.00"
    assert text(totals, "cbc:PrepaidAmount") == "25000.00"  # PPh 23 kept back by the buyer
    assert text(totals, "cbc:PayableAmount") == "1362500.00"
    assert "25000.00 IDR" in text(root, "cbc:Note")
    assert root.find("cac:InvoiceLine/cbc:InvoicedQuantity", NS).get("unitCode") == "KGM"


def test_a_credit_note_is_a_ubl_credit_note_referring_to_its_invoice(docs, ubl_validator):
    xml = invoice_ubl(docs.credit_note)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    assert root.tag == f"{{{NS['cn']}}}CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert root.find("cbc:DueDate", NS) is None  # not in the CreditNote schema
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "INV-2026-00001"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == "2026-11-25"
    assert text(root, "cbc:Note") == "Damaged widget returned"
    lines = root.findall("cac:CreditNoteLine", NS)
    assert len(lines) == 1 and not root.findall("cac:InvoiceLine", NS)
    assert text(lines[0], "cbc:CreditedQuantity") == "1"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "685.15"


def test_a_debit_note_is_an_invoice_with_type_383(docs, ubl_validator):
    xml = invoice_ubl(docs.debit_note)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    assert root.tag == f"{{{NS['inv']}}}Invoice"
    assert text(root, "cbc:InvoiceTypeCode") == "383"
    assert text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "INV-2026-00002"
    assert text(root, "cbc:Note") == "Biaya pengiriman tambahan"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "55500.00"


def test_tax_inclusive_prices_are_exported_net_of_tax(docs, ubl_validator):
    xml = invoice_ubl(docs.inclusive)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    for line in root.findall("cac:InvoiceLine", NS):
        quantity = D(text(line, "cbc:InvoicedQuantity"))
        price = D(text(line, "cac:Price/cbc:PriceAmount"))
        allowance = D(text(line, "cac:AllowanceCharge/cbc:Amount") or "0")
        net = D(text(line, "cbc:LineExtensionAmount"))
        assert abs(quantity * price - allowance - net) <= D("0.01")  # PEPPOL-EN16931-R120 allows 0.02
    assert [g.taxable for g in tax_groups(docs.inclusive)] == [D("122.10")]


def test_a_credit_note_stored_with_negative_amounts_is_exported_positive(docs, ubl_validator):
    note = docs.credit_note
    note.lines.update(quantity=D("-1"), line_subtotal=D("-617.25"), line_tax=D("-67.90"), line_total=D("-685.15"))
    Invoice.objects.filter(pk=note.pk).update(subtotal=D("-617.25"), tax_total=D("-67.90"), total=D("-685.15"))
    note.refresh_from_db()
    xml = invoice_ubl(note)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "685.15"
    assert text(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == "1"


def test_a_sales_order_is_referenced(docs):
    from oms.inventory.services import warehouse_create
    from oms.sales.models import SalesOrder

    order = SalesOrder.objects.create(number="SO-2026-00042", customer=docs.english, currency="USD",
                                      warehouse=warehouse_create(code="MAIN", name="Main"),
                                      external_ref="ACME-PO-9")
    Invoice.objects.filter(pk=docs.invoice.pk).update(sales_order=order)
    docs.invoice.refresh_from_db()
    root = parse(invoice_ubl(docs.invoice))
    assert text(root, "cac:OrderReference/cbc:ID") == "ACME-PO-9"
    assert text(root, "cac:OrderReference/cbc:SalesOrderID") == "SO-2026-00042"


@pytest.mark.parametrize("name", ["invoice", "invoice_idr", "credit_note", "debit_note", "inclusive"])
def test_our_documents_break_no_en16931_rule(docs, en16931, name):
    document = getattr(docs, name)
    assert en16931.fatal(invoice_ubl(document)) == []


def test_helpers():
    assert vat_identifier("01.234.567.8-901.000", "ID") == "ID012345678901000"
    assert vat_identifier("DE 123 456 789", "DE") == "DE123456789"
    assert vat_identifier("123456789", "GR") == "EL123456789"
    assert vat_identifier("", "ID") == ""
    assert ubl_filename(Invoice(number="INV/2026/1")) == "INV-2026-1.xml"


def test_tax_category_codes(docs):
    from oms.invoicing.ubl import tax_category_code

    zero = TaxCategory.objects.create(code="doc-zero", name="Zero rated exports", rate=D(0))
    reverse = TaxCategory.objects.create(code="AE", name="Reverse charge", rate=D(0))
    draft = Invoice.objects.create(kind=Invoice.Kind.INVOICE, customer=docs.english, currency="USD")
    lines = [
        InvoiceLine.objects.create(invoice=draft, position=1, description="a", quantity=1, unit_price=1,
                                   tax_percent=D(11), tax_category=zero),  # a positive rate is S
        InvoiceLine.objects.create(invoice=draft, position=2, description="b", quantity=1, unit_price=1,
                                   tax_category=zero),
        InvoiceLine.objects.create(invoice=draft, position=3, description="c", quantity=1, unit_price=1,
                                   tax_category=reverse),
        InvoiceLine.objects.create(invoice=draft, position=4, description="d", quantity=1, unit_price=1,
                                   tax_rate=docs.exempt),
        InvoiceLine.objects.create(invoice=draft, position=5, description="e", quantity=1, unit_price=1),
    ]
    assert [tax_category_code(line) for line in lines] == ["S", "Z", "AE", "E", "Z"]


def test_user_text_is_escaped_and_control_characters_dropped(docs, ubl_validator):
    draft = Invoice.objects.create(number="INV-2026-00100", kind=Invoice.Kind.INVOICE, customer=docs.english,
                                   currency="USD", issue_date=ISSUED, notes="Terms & <conditions>\x0b apply",
                                   billing_address={"name": "A & B <Ltd>", "country": "SG"})
    add_line(draft, 1, "Bolts \x01& nuts <M8>", "1", "10", rate=docs.ppn)
    finish(draft)
    xml = invoice_ubl(draft)
    assert ubl_validator.errors(xml) == []
    root = parse(xml)
    assert text(root, "cbc:Note") == "Terms & <conditions> apply"
    assert text(root, "cac:InvoiceLine/cac:Item/cbc:Name") == "Bolts & nuts <M8>"
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name") == "A & B <Ltd>"
