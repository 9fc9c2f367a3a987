"""UBL 2.1 export of invoices, credit notes and debit notes, following PEPPOL BIS Billing 3.0.

``invoice_ubl(invoice)`` returns the XML as bytes: an ``Invoice`` (type code 380), a ``CreditNote``
(381) for a credit note, and an ``Invoice`` with type code 383 for a debit note. Built with the
standard library's ElementTree; no network, no templates. The mapping from our fields to UBL
elements is documented in docs/invoicing-documents.md.

What the model does not hold and PEPPOL asks for is read from optional places, and left out when
absent (the XML then still validates against the UBL 2.1 XSD, but a PEPPOL access point will reject
it for missing electronic addresses):

- seller electronic address (BT-34): setting ``OMS_PEPPOL_ENDPOINT``, e.g. ``"0088:5790000435951"``;
- buyer electronic address (BT-49): the customer's custom field ``peppol_endpoint`` (same form);
- buyer reference (BT-10): the invoice's or the customer's custom field ``buyer_reference``,
  else the customer's code (PEPPOL requires a buyer reference or an order reference).

``tax_groups(invoice)`` is the tax breakdown per rate, shared with the PDF.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from oms.core.money import minor_unit_places
from oms.core.services.company import company_default
from oms.invoicing.models import Invoice, InvoiceLine

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

ET.register_namespace("cac", NS_CAC)
ET.register_namespace("cbc", NS_CBC)

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# UNCL 1001 document type codes.
TYPE_CODES = {
    Invoice.Kind.INVOICE: "380",  # commercial invoice
    Invoice.Kind.CREDIT_NOTE: "381",  # credit note
    Invoice.Kind.DEBIT_NOTE: "383",  # debit note
}

# Our units of measure (UnitOfMeasure.code, lower case) -> UN/ECE Recommendation 20 codes.
# Anything not listed is sent as C62 ("one", i.e. a count of pieces).
UNIT_CODES = {
    "pcs": "C62", "pc": "C62", "piece": "C62", "pieces": "C62", "ea": "C62", "each": "C62", "unit": "C62",
    "units": "C62", "pce": "H87", "h87": "H87", "c62": "C62",
    "kg": "KGM", "kgm": "KGM", "g": "GRM", "grm": "GRM", "t": "TNE", "tne": "TNE", "mg": "MGM",
    "l": "LTR", "ltr": "LTR", "litre": "LTR", "liter": "LTR", "ml": "MLT", "mlt": "MLT",
    "m": "MTR", "mtr": "MTR", "cm": "CMT", "mm": "MMT", "km": "KMT", "m2": "MTK", "m3": "MTQ",
    "h": "HUR", "hr": "HUR", "hrs": "HUR", "hour": "HUR", "hours": "HUR", "hur": "HUR",
    "min": "MIN", "day": "DAY", "days": "DAY", "week": "WEE", "month": "MON", "year": "ANN",
    "set": "SET", "pair": "PR", "pr": "PR", "dozen": "DZN", "dzn": "DZN", "box": "XBX", "pack": "XPK",
}
HOURS_UNIT = "HUR"  # for lines of kind "hours" that have no product

# UNCL 5305 tax category codes a TaxCategory.code may name directly.
TAX_CATEGORY_CODES = {"S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"}
ZERO_RATE_CODES = {"Z", "E", "AE", "K", "G", "O"}
EXEMPT_WORDS = ("exempt", "bebas", "dibebaskan")
EXEMPTION_REASONS = {
    "E": "Exempt from tax",
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Not subject to VAT",
}
TAX_SCHEME = "VAT"
HUNDRED = Decimal(100)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def _q(tag: str, ns: str = NS_CBC) -> str:
    return f"{{{ns}}}{tag}"


# -- the tax breakdown (also used by the PDF) ----------------------------------------------------

@dataclass(frozen=True)
class TaxGroup:
    category: str  # UNCL 5305 code: S, Z, E, ...
    percent: Decimal
    taxable: Decimal  # sum of the lines' amounts before tax, rounded to the currency
    tax: Decimal  # sum of the lines' tax, rounded to the currency
    name: str  # the tax rate's name when all lines share one, e.g. "PPN 11%"
    exemption_reason: str = ""


def _round(amount: Decimal, currency: str) -> Decimal:
    places = minor_unit_places(currency)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _category_of(line: InvoiceLine):
    if line.tax_category_id:
        return line.tax_category
    if line.tax_rate_id:
        return line.tax_rate.category
    if line.product_id:
        return line.product.tax_category
    return None


def tax_category_code(line: InvoiceLine) -> str:
    """UNCL 5305 category of a line: S for a positive rate; for a zero rate Z (zero rated), or E
    (exempt) when the tax category's code or the names say so. A TaxCategory whose code is itself
    a UNCL 5305 code (e.g. ``AE``, ``K``, ``O``) is taken at its word when the rate fits."""
    category = _category_of(line)
    hint = (category.code if category else "").strip().upper()
    percent = line.tax_percent or Decimal(0)
    if percent != 0:
        return hint if hint in ("L", "M", "B") else "S"
    if hint in ZERO_RATE_CODES:
        return hint
    words = " ".join(filter(None, [
        category.code if category else "", category.name if category else "",
        line.tax_rate.code if line.tax_rate_id else "", line.tax_rate.name if line.tax_rate_id else "",
    ])).lower()
    return "E" if any(word in words for word in EXEMPT_WORDS) else "Z"


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The document's lines in order, with what the documents read from them in the same query."""
    return list(invoice.lines.select_related("tax_rate__category", "tax_category", "product__tax_category",
                                             "product__unit")
                .prefetch_related("taxes").order_by("position", "pk"))


def tax_groups(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> list[TaxGroup]:
    """The VAT breakdown: one group per tax category and rate (the line's main rate,
    ``tax_percent``), highest rate first, with the taxable amount and the tax.

    A group's tax is the sum of its lines' added tax (``line_tax``), rounded once to the currency
    (stored line taxes are already rounded, so this is their exact sum). EN 16931 has one VAT rate
    per line: a line carrying several added taxes (a compound tax) counts all of them here, under
    its main rate. Withholding taxes are not in this breakdown (they are not added to the price).
    """
    lines = invoice_lines(invoice) if lines is None else lines
    groups: dict[tuple[str, Decimal], dict] = {}
    for line in lines:
        code = tax_category_code(line)
        percent = (line.tax_percent or Decimal(0)).normalize()
        group = groups.setdefault((code, percent), {"taxable": Decimal(0), "tax": Decimal(0), "names": set(),
                                                    "reasons": set()})
        group["taxable"] += line.line_subtotal
        group["tax"] += line.line_tax
        if line.tax_rate_id:
            group["names"].add(line.tax_rate.name)
        if code in EXEMPTION_REASONS:
            category = _category_of(line)
            group["reasons"].add((line.tax_rate.name if line.tax_rate_id else "")
                                 or (category.name if category else "") or EXEMPTION_REASONS[code])
    result = []
    for (code, percent), group in groups.items():
        names = sorted(group["names"])
        reasons = sorted(group["reasons"])
        result.append(TaxGroup(
            category=code, percent=percent,
            taxable=_round(group["taxable"], invoice.currency), tax=_round(group["tax"], invoice.currency),
            name=names[0] if len(names) == 1 else "",
            exemption_reason="; ".join(reasons) if code in EXEMPTION_REASONS else "",
        ))
    result.sort(key=lambda g: (-g.percent, g.category))
    return result


# -- small formatting helpers -------------------------------------------------------------------

def _amount_text(amount: Decimal, currency: str) -> str:
    value = _round(amount, currency)
    return format(value + 0, "f")  # "+ 0" turns -0.00 into 0.00


def _plain_decimal(value: Decimal, *, min_places: int = 0, max_places: int = 6) -> str:
    value = value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP).normalize()
    if value.as_tuple().exponent > -min_places:
        value = value.quantize(Decimal(1).scaleb(-min_places))
    return format(value + 0, "f")


def _percent_text(percent: Decimal) -> str:
    return _plain_decimal(percent, max_places=4)


def vat_identifier(tax_id: str, country: str) -> str:
    """A VAT number with its ISO country prefix (EN 16931 BR-CO-09): ``01.234.567.8-901.000`` in
    Indonesia -> ``ID012345678901000``; ``DE123456789`` stays as it is; Greece uses ``EL``."""
    compact = re.sub(r"[\s.\-/]", "", tax_id or "").upper()
    if not compact:
        return ""
    if re.match(r"^[A-Z]{2}", compact):
        return compact
    prefix = "EL" if country.upper() == "GR" else country.upper()
    return prefix + compact if prefix else compact


def unit_code(line: InvoiceLine) -> str:
    if line.product_id and line.product.unit_id:
        unit = line.product.unit.code.strip().lower()
        return UNIT_CODES.get(unit, "C62")
    if line.kind == InvoiceLine.Kind.HOURS:
        return HOURS_UNIT
    return "C62"


def _endpoint(value: str) -> tuple[str, str] | None:
    """``"0088:5790000435951"`` -> ("0088", "5790000435951")."""
    scheme, sep, ident = (value or "").strip().partition(":")
    if sep and scheme and ident:
        return scheme.strip(), ident.strip()
    return None


# -- building -----------------------------------------------------------------------------------

class _Builder:
    def __init__(self, invoice: Invoice):
        self.invoice = invoice
        self.currency = invoice.currency
        self.credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
        # A credit note is sent with positive amounts; if ours stores them negative, flip them.
        self.sign = Decimal(-1) if self.credit and invoice.total < 0 else Decimal(1)

    # element helpers
    def sub(self, parent: ET.Element, tag: str, text: object = None, ns: str = NS_CBC, **attrs) -> ET.Element:
        element = ET.SubElement(parent, _q(tag, ns), {k: v for k, v in attrs.items() if v})
        if text is not None:
            element.text = _XML_ILLEGAL.sub("", str(text))
        return element

    def opt(self, parent: ET.Element, tag: str, text: object) -> None:
        """A basic element only when it has a value (PEPPOL forbids empty elements)."""
        if text not in (None, ""):
            self.sub(parent, tag, text)

    def cac(self, parent: ET.Element, tag: str) -> ET.Element:
        return self.sub(parent, tag, ns=NS_CAC)

    def amount(self, parent: ET.Element, tag: str, value: Decimal) -> ET.Element:
        return self.sub(parent, tag, _amount_text(value, self.currency), currencyID=self.currency)

    def address(self, parent: ET.Element, tag: str, data: dict) -> None:
        fields = [("StreetName", data.get("line1")), ("AdditionalStreetName", data.get("line2")),
                  ("CityName", data.get("city")), ("PostalZone", data.get("postal_code")),
                  ("CountrySubentity", data.get("region"))]
        country = (data.get("country") or "").strip().upper()
        if not any(value for _, value in fields) and not country:
            return
        address = self.cac(parent, tag)
        for name, value in fields:
            self.opt(address, name, (value or "").strip())
        if country:
            self.sub(self.cac(address, "Country"), "IdentificationCode", country)

    def tax_scheme(self, parent: ET.Element) -> None:
        self.sub(self.cac(parent, "TaxScheme"), "ID", TAX_SCHEME)

    def tax_category(self, parent: ET.Element, tag: str, code: str, percent: Decimal, reason: str = "") -> None:
        category = self.cac(parent, tag)
        self.sub(category, "ID", code)
        if code != "O":  # "not subject to VAT" carries no rate (BR-O-05)
            self.sub(category, "Percent", _percent_text(percent))
        if reason:
            self.sub(category, "TaxExemptionReason", reason)
        self.tax_scheme(category)

    def party(self, parent: ET.Element, tag: str, *, endpoint, name: str, legal_name: str, address: dict,
              vat_id: str, email: str = "", phone: str = "", party_id: str = "") -> None:
        party = self.cac(self.cac(parent, tag), "Party")
        if endpoint:
            self.sub(party, "EndpointID", endpoint[1], schemeID=endpoint[0])
        if party_id:
            self.sub(self.cac(party, "PartyIdentification"), "ID", party_id)
        if name:
            self.sub(self.cac(party, "PartyName"), "Name", name)
        self.address(party, "PostalAddress", address)
        if vat_id:
            scheme = self.cac(party, "PartyTaxScheme")
            self.sub(scheme, "CompanyID", vat_id)
            self.tax_scheme(scheme)
        self.sub(self.cac(party, "PartyLegalEntity"), "RegistrationName", legal_name or name)
        if email or phone:
            contact = self.cac(party, "Contact")
            self.opt(contact, "Telephone", phone)
            self.opt(contact, "ElectronicMail", email)

    def build(self, company) -> ET.Element:
        invoice, currency, sign = self.invoice, self.currency, self.sign
        lines = invoice_lines(invoice)
        groups = tax_groups(invoice, lines)
        root_ns = NS_CREDIT_NOTE if self.credit else NS_INVOICE
        root = ET.Element(_q("CreditNote" if self.credit else "Invoice", root_ns))

        self.sub(root, "CustomizationID", CUSTOMIZATION_ID)
        self.sub(root, "ProfileID", PROFILE_ID)
        self.sub(root, "ID", invoice.number or f"DRAFT-{invoice.pk}")
        self.sub(root, "IssueDate", (invoice.issue_date or invoice.created_at.date()).isoformat())
        if not self.credit and invoice.due_date:
            self.sub(root, "DueDate", invoice.due_date.isoformat())
        self.sub(root, "CreditNoteTypeCode" if self.credit else "InvoiceTypeCode", TYPE_CODES[invoice.kind])

        # PEPPOL allows one document-level note: the reason for a note, the withholding, the notes.
        payable = _round(invoice.total * sign, currency)
        line_extension = sum((_round(line.line_subtotal * sign, currency) for line in lines), Decimal(0))
        tax_amount = sum((g.tax * sign for g in groups), Decimal(0))
        tax_inclusive = line_extension + tax_amount
        withheld = _round(invoice.withholding_total * sign, currency)
        difference = tax_inclusive - payable
        note_parts = []
        if invoice.kind != Invoice.Kind.INVOICE and invoice.reason:
            note_parts.append(invoice.reason)
        if withheld and difference == withheld:
            note_parts.append(f"Tax withheld by the buyer: {_amount_text(withheld, currency)} {currency}")
        if invoice.notes:
            note_parts.append(invoice.notes)
        note = "\n".join(part.strip() for part in note_parts if part.strip())
        self.opt(root, "Note", note)

        self.sub(root, "DocumentCurrencyCode", currency)
        custom = invoice.custom or {}
        customer = invoice.customer
        buyer_reference = (custom.get("buyer_reference") or (customer.custom or {}).get("buyer_reference")
                           or customer.code)
        self.opt(root, "BuyerReference", str(buyer_reference).strip())
        order = invoice.sales_order
        if order is not None:
            reference = self.cac(root, "OrderReference")
            # PEPPOL: the buyer's order number, or "NA" when only our sales order number is known.
            self.sub(reference, "ID", order.external_ref or "NA")
            self.sub(reference, "SalesOrderID", order.number)
        original = invoice.original
        if original is not None:
            document = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.sub(document, "ID", original.number or f"DRAFT-{original.pk}")
            if original.issue_date:
                self.sub(document, "IssueDate", original.issue_date.isoformat())

        uses_o = any(g.category == "O" for g in groups)  # BR-O-02: no VAT identifiers then
        seller_country = (company.country or "").upper()
        self.party(
            root, "AccountingSupplierParty",
            endpoint=_endpoint(getattr(settings, "OMS_PEPPOL_ENDPOINT", "")),
            name=company.trade_name or company.legal_name, legal_name=company.legal_name,
            address={"line1": company.address_line1, "line2": company.address_line2, "city": company.city,
                     "postal_code": company.postal_code, "region": company.region, "country": company.country},
            vat_id="" if uses_o else vat_identifier(company.tax_id, seller_country),
            email=company.email, phone=company.phone,
        )
        billing = invoice.billing_address or {}
        buyer_country = (billing.get("country") or "").upper()
        self.party(
            root, "AccountingCustomerParty",
            endpoint=_endpoint((customer.custom or {}).get("peppol_endpoint", "")),
            name=billing.get("name") or customer.name, legal_name=customer.name, address=billing,
            vat_id="" if uses_o else vat_identifier(customer.tax_id, buyer_country),
            email=customer.email, phone=customer.phone, party_id=customer.code,
        )

        if payable > 0:  # BR-CO-25: terms or a due date when something is to be paid
            terms = self.cac(root, "PaymentTerms")
            if self.credit:
                text = f"Credit for invoice {original.number}" if original is not None else "Credit note"
            elif invoice.payment_terms_days:
                text = f"Payment within {invoice.payment_terms_days} days"
            else:
                text = "Payment due on receipt"
            self.sub(terms, "Note", text)

        tax_total = self.cac(root, "TaxTotal")
        self.amount(tax_total, "TaxAmount", tax_amount)
        for group in groups:
            subtotal = self.cac(tax_total, "TaxSubtotal")
            self.amount(subtotal, "TaxableAmount", group.taxable * sign)
            self.amount(subtotal, "TaxAmount", group.tax * sign)
            self.tax_category(subtotal, "TaxCategory", group.category, group.percent, group.exemption_reason)

        totals = self.cac(root, "LegalMonetaryTotal")
        self.amount(totals, "LineExtensionAmount", line_extension)
        self.amount(totals, "TaxExclusiveAmount", line_extension)
        self.amount(totals, "TaxInclusiveAmount", tax_inclusive)
        if difference:
            if withheld and difference == withheld:
                # Withholding tax (e.g. Indonesian PPh 23) is kept back by the buyer and paid to the tax
                # office: EN 16931 has no element for it; it is stated as already paid (BT-113).
                self.amount(totals, "PrepaidAmount", withheld)
            else:
                self.amount(totals, "PayableRoundingAmount", -difference)
        self.amount(totals, "PayableAmount", payable)

        for index, line in enumerate(lines, start=1):
            self.line(root, index, line)
        return root

    def line(self, root: ET.Element, index: int, line: InvoiceLine) -> None:
        invoice, currency, sign = self.invoice, self.currency, self.sign
        element = self.cac(root, "CreditNoteLine" if self.credit else "InvoiceLine")
        self.sub(element, "ID", line.position or index)
        quantity = line.quantity * sign
        net = _round(line.line_subtotal * sign, currency)
        rate = line.tax_percent or Decimal(0)
        discount = _round(line.discount_amount * sign, currency)
        if invoice.tax_inclusive and discount:
            discount = _round(discount / (1 + rate / HUNDRED), currency)
        if invoice.tax_inclusive:
            # The price must be net of tax (BT-146): derive it from the line's net amount, so that
            # quantity x price - discount = line amount holds (PEPPOL-EN16931-R120).
            gross = net + discount
            price = gross / quantity if quantity else line.unit_price / (1 + rate / HUNDRED)
        else:
            price = line.unit_price
        if price < 0:  # BR-27: the price is never negative; the quantity carries the sign
            price, quantity = -price, -quantity
        self.sub(element, "CreditedQuantity" if self.credit else "InvoicedQuantity",
                 _plain_decimal(quantity, max_places=4), unitCode=unit_code(line))
        self.amount(element, "LineExtensionAmount", net)
        if line.order_line_id:
            self.sub(self.cac(element, "OrderLineReference"), "LineID", line.order_line_id)

        if discount:  # before the Item in both schemas
            charge = self.cac(element, "AllowanceCharge")
            self.sub(charge, "ChargeIndicator", "false")
            self.sub(charge, "AllowanceChargeReason", "Discount")
            self.amount(charge, "Amount", discount)
        item = self.cac(element, "Item")
        self.sub(item, "Name", (line.description or line.sku or f"Line {index}")[:300])
        if line.sku:
            self.sub(self.cac(item, "SellersItemIdentification"), "ID", line.sku)
        self.tax_category(item, "ClassifiedTaxCategory", tax_category_code(line), line.tax_percent or Decimal(0))
        self.sub(self.cac(element, "Price"), "PriceAmount",
                 _plain_decimal(price, min_places=minor_unit_places(currency), max_places=6), currencyID=currency)


def invoice_ubl(invoice: Invoice) -> bytes:
    """The document as UBL 2.1 XML (PEPPOL BIS Billing 3.0), UTF-8 with an XML declaration."""
    root = _Builder(invoice).build(company_default())
    ET.indent(root, space="  ")
    # The document element goes in the default namespace (no prefix), as in the PEPPOL samples.
    # ElementTree's default_namespace option refuses unprefixed attributes (currencyID), so the
    # element is written with a plain name and an explicit xmlns; every other element is prefixed.
    root_ns, _, local = root.tag[1:].partition("}")
    root.tag = local
    root.set("xmlns", root_ns)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def ubl_filename(invoice: Invoice) -> str:
    """A file name for a download: ``INV-2026-00001.xml``."""
    base = invoice.number or f"draft-{invoice.pk}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base) + ".xml"
