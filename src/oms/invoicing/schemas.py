"""Invoicing API schemas, and the one function that turns a document into its output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from oms.core.money import Money, amount_rounded, to_decimal
from oms.core.schemas import AmountIn
from oms.invoicing.models import Invoice, TaxRate
from oms.invoicing.selectors import tax_summary
from oms.invoicing.services import LineSpec, NoteLineSpec


def plain(value: Decimal) -> str:
    """A percent without trailing zeros or exponent: 11.0000 -> "11"."""
    return format(value.normalize(), "f")


class MoneyIn(Schema):
    amount: AmountIn
    currency: str = Field(min_length=3, max_length=3)

    def to_money(self, prefix: str) -> Money:
        return Money(to_decimal(self.amount, field=f"{prefix}.amount"), self.currency)


def _price(value: object, prefix: str) -> object:
    return value.to_money(f"{prefix}.unit_price") if isinstance(value, MoneyIn) else value


class LineIn(Schema):
    kind: str = Field("goods", max_length=10, description="goods, hours, fee or expense")
    sku: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=300)
    quantity: AmountIn
    unit_price: MoneyIn | AmountIn = Field(description="In the invoice's currency: an amount, or amount and currency")
    discount_amount: AmountIn | None = None
    tax_category: str | None = Field(None, max_length=30, description="Tax category code (default: the product's)")
    tax_rates: list[int] | None = Field(None, max_length=10, description="Tax rate ids, instead of the category's")

    def to_spec(self, prefix: str) -> LineSpec:
        return LineSpec(kind=self.kind, sku=self.sku, description=self.description, quantity=self.quantity,
                        unit_price=_price(self.unit_price, prefix), discount_amount=self.discount_amount,
                        tax_category=self.tax_category, tax_rates=self.tax_rates)


class InvoiceIn(Schema):
    customer: str = Field(min_length=1, max_length=50, description="The customer's code")
    lines: list[LineIn] = Field(min_length=1, max_length=5000)
    currency: str | None = Field(None, min_length=3, max_length=3)
    tax_inclusive: bool = False
    payment_terms_days: int | None = None
    notes: str = Field("", max_length=5000)
    billing_address: dict | None = None
    custom: dict | None = None
    issue: bool = Field(False, description="Issue the invoice at once (numbered, immutable)")


class InvoicePatch(Schema):
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=5000)
    notes: str | None = Field(None, max_length=5000)
    payment_terms_days: int | None = None
    tax_inclusive: bool | None = None
    billing_address: dict | None = None
    custom: dict | None = None


class FromOrderIn(Schema):
    issue: bool = Field(False, description="Issue the invoice at once")


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


class NoteLineIn(Schema):
    original_line_id: int | None = Field(None, description="The invoice line adjusted: its taxes apply")
    description: str | None = Field(None, max_length=300)
    quantity: AmountIn | None = Field(None, description="Default: the original line's")
    unit_price: MoneyIn | AmountIn | None = Field(None, description="Default: the original line's")
    kind: str = Field("goods", max_length=10)
    tax_category: str | None = Field(None, max_length=30)
    tax_rates: list[int] | None = Field(None, max_length=10)

    def to_spec(self, prefix: str) -> NoteLineSpec:
        return NoteLineSpec(original_line_id=self.original_line_id, description=self.description,
                            quantity=self.quantity, unit_price=_price(self.unit_price, prefix) if self.unit_price
                            is not None else None, kind=self.kind, tax_category=self.tax_category,
                            tax_rates=self.tax_rates)


class NoteIn(Schema):
    reason: str = Field(min_length=1, max_length=300)
    lines: list[NoteLineIn] = Field(min_length=1, max_length=5000)


class LineTaxOut(Schema):
    code: str
    percent: str
    kind: str
    compound: bool
    taxable: Decimal
    amount: Decimal


class LineOut(Schema):
    id: int
    position: int
    kind: str
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_amount: Decimal
    tax_category: str | None
    tax_percent: str
    taxes: list[LineTaxOut]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    order_line_id: int | None
    original_line_id: int | None


class TaxSummaryOut(Schema):
    code: str
    name: str
    percent: str
    kind: str
    compound: bool
    taxable: Decimal
    tax: Decimal


class InvoiceOut(Schema):
    id: int
    number: str | None
    kind: str
    status: str
    customer: str
    customer_name: str
    currency: str
    sales_order: str | None
    original: str | None = Field(description="For a credit or debit note: the invoice it adjusts")
    reason: str
    issue_date: date | None
    due_date: date | None
    payment_terms_days: int
    tax_inclusive: bool
    language: str
    billing_address: dict
    subtotal: Decimal
    tax_total: Decimal
    withholding_total: Decimal
    total: Decimal = Field(description="What the customer pays: subtotal + tax - withholding")
    balance: Decimal = Field(description="Left to pay on an issued invoice, its notes included; 0 for a draft and "
                                         "for a note (it counts in its invoice's balance)")
    tax_summary: list[TaxSummaryOut]
    notes: str
    custom: dict
    created_by: str
    created_at: datetime
    issued_at: datetime | None
    lines: list[LineOut]


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


class BalanceOut(Schema):
    invoice: str | None
    currency: str
    total: Decimal
    debit_notes: Decimal
    credit_notes: Decimal
    allocated: Decimal
    balance: Decimal
    left_to_credit: Decimal


class TaxRateIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=30, description="Tax category code")
    jurisdiction: str = Field("", max_length=10)
    rate: AmountIn
    kind: str = Field(TaxRate.Kind.STANDARD, max_length=12)
    compound: bool = False
    valid_from: date | None = None
    valid_to: date | None = None


class TaxRatePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None


class TaxRateOut(Schema):
    id: int
    code: str
    name: str
    category: str
    jurisdiction: str
    rate: str
    kind: str
    compound: bool
    valid_from: date | None
    valid_to: date | None


def tax_rate_out(rate: TaxRate) -> dict:
    return {"id": rate.pk, "code": rate.code, "name": rate.name, "category": rate.category.code,
            "jurisdiction": rate.jurisdiction, "rate": plain(rate.rate), "kind": rate.kind, "compound": rate.compound,
            "valid_from": rate.valid_from, "valid_to": rate.valid_to}


def _line_out(line, currency: str) -> dict:
    def r(value):
        return amount_rounded(value, currency)

    return {"id": line.pk, "position": line.position, "kind": line.kind, "sku": line.sku,
            "description": line.description, "quantity": line.quantity.normalize(), "unit_price": line.unit_price,
            "discount_amount": r(line.discount_amount),
            "tax_category": line.tax_category.code if line.tax_category_id else None,
            "tax_percent": plain(line.tax_percent),
            "taxes": [{"code": t.code, "percent": plain(t.percent), "kind": t.kind, "compound": t.compound,
                       "taxable": r(t.taxable), "amount": r(t.amount)} for t in line.taxes.all()],
            "subtotal": r(line.line_subtotal), "tax": r(line.line_tax), "total": r(line.line_total),
            "order_line_id": line.order_line_id, "original_line_id": line.original_line_id}


def invoice_out(doc: Invoice) -> dict:
    """A document as the API shows it: amounts rounded to the currency, with its tax summary and balance.
    ``doc`` comes from ``selectors.invoices_full`` (lines prefetched, balance annotated)."""
    c = doc.currency

    def r(value):
        return amount_rounded(value, c)

    summary = [{**row, "percent": plain(row["percent"]), "taxable": r(row["taxable"]), "tax": r(row["tax"])}
               for row in tax_summary(doc)]
    return {
        "id": doc.pk, "number": doc.number, "kind": doc.kind, "status": doc.status, "customer": doc.customer.code,
        "customer_name": doc.customer.name, "currency": c,
        "sales_order": doc.sales_order.number if doc.sales_order_id else None,
        "original": doc.original.number if doc.original_id else None, "reason": doc.reason,
        "issue_date": doc.issue_date, "due_date": doc.due_date, "payment_terms_days": doc.payment_terms_days,
        "tax_inclusive": doc.tax_inclusive, "language": doc.language, "billing_address": doc.billing_address,
        "subtotal": r(doc.subtotal), "tax_total": r(doc.tax_total), "withholding_total": r(doc.withholding_total),
        "total": r(doc.total), "balance": r(doc.balance), "tax_summary": summary, "notes": doc.notes,
        "custom": doc.custom, "created_by": doc.created_by, "created_at": doc.created_at, "issued_at": doc.issued_at,
        "lines": [_line_out(line, c) for line in doc.lines.all()],
    }
