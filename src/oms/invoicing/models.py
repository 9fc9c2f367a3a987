"""Invoicing: invoices, credit notes and debit notes (one document table), their lines and tax rates.

An issued document never changes: adjustments are new documents (credit or debit notes) that
reference the original. What a customer owes on an invoice is derived, never edited:
total + debit notes - credit notes - allocated payments.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oms.catalog.models import Product, TaxCategory
from oms.core.models import CustomFieldsMixin, MoneyField
from oms.parties.models import Party
from oms.sales.models import SalesOrder, SalesOrderLine

QTY = {"max_digits": 19, "decimal_places": 4}


class InvoicingSettings(models.Model):
    """Per-business invoicing rules; one row."""

    class Rounding(models.TextChoices):
        LINE = "line", _("per line")
        DOCUMENT = "document", _("per document")

    class Policy(models.TextChoices):
        ORDERED = "ordered", _("what was ordered")
        FULFILLED = "fulfilled", _("what was fulfilled")

    tax_rounding = models.CharField(_("tax rounding"), max_length=10, choices=Rounding.choices,
                                    default=Rounding.LINE)
    invoice_policy = models.CharField(_("invoice from an order"), max_length=10, choices=Policy.choices,
                                      default=Policy.ORDERED)

    class Meta:
        verbose_name = _("invoicing settings")
        verbose_name_plural = _("invoicing settings")


class TaxRate(models.Model):
    """A tax rate for a tax category in a jurisdiction, valid over a period (e.g. PPN 11% then 12%)."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("standard (added)")
        WITHHOLDING = "withholding", _("withholding (deducted)")

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(TaxCategory, on_delete=models.PROTECT, related_name="rates",
                                 verbose_name=_("tax category"))
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, blank=True,
                                    help_text=_("ISO country code, optionally with region, e.g. ID or US-CA"))
    rate = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.STANDARD)
    compound = models.BooleanField(_("compound (on top of other taxes)"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["category", "jurisdiction", "valid_from"]

    def __str__(self) -> str:
        return f"{self.name} ({format(self.rate.normalize(), 'f')}%)"


class Invoice(CustomFieldsMixin):
    """An invoice, credit note or debit note: a numbered document sent to a customer."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")
        DEBIT_NOTE = "debit_note", _("debit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")
        PARTIALLY_PAID = "partially_paid", _("partially paid")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("number"), max_length=50, unique=True, null=True, blank=True,
                              help_text=_("Given when the document is issued"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.DRAFT)
    # No index of its own: invoicing_customer_status_idx starts with it.
    customer = models.ForeignKey(Party, db_index=False, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("customer"))
    currency = models.CharField(_("currency"), max_length=3)
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="invoices", verbose_name=_("sales order"))
    original = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="adjustments", verbose_name=_("adjusts invoice"),
                                 help_text=_("For credit and debit notes: the invoice they adjust"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    language = models.CharField(_("language"), max_length=10, default="en")
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    subtotal = MoneyField(_("subtotal"), default=0)
    tax_total = MoneyField(_("tax"), default=0)
    withholding_total = MoneyField(_("tax withheld"), default=0)
    total = MoneyField(_("total"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    recurring = models.ForeignKey("RecurringInvoice", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="invoices", verbose_name=_("recurring invoice"))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="invoicing_customer_status_idx"),
            # The list by status, newest first: without it a status with few or no documents walks
            # every invoice (100 ms at a million).
            models.Index(fields=["status", "id"], name="invoicing_status_id_idx"),
            models.Index(fields=["status", "due_date"], name="invoicing_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind="invoice", original__isnull=True) | ~Q(kind="invoice"),
                                   name="invoicing_invoice_has_no_original"),
            models.CheckConstraint(condition=Q(kind="invoice") | Q(original__isnull=False),
                                   name="invoicing_note_has_original"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} (draft #{self.pk})"


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("goods")
        HOURS = "hours", _("hours")
        FEE = "fee", _("fixed fee")
        EXPENSE = "expense", _("expense")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines",
                                verbose_name=_("invoice"))
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("product"))
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_price = MoneyField(_("unit price"))
    discount_amount = MoneyField(_("discount"), default=0)
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("tax rate"))
    tax_percent = models.DecimalField(_("tax %"), max_digits=7, decimal_places=4, default=0)
    tax_category = models.ForeignKey(TaxCategory, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("tax category"))
    line_subtotal = MoneyField(_("line subtotal"), default=0)
    line_tax = MoneyField(_("line tax"), default=0)
    line_total = MoneyField(_("line total"), default=0)
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="invoice_lines", verbose_name=_("order line"))
    original_line = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="adjustments", verbose_name=_("adjusts line"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position"]


class InvoiceLineTax(models.Model):
    """One tax on one line, as computed when the document was written (a line may carry several:
    e.g. VAT and a withholding tax). ``tax_rate``/``tax_percent`` on the line hold its main
    standard rate; these rows hold all of them, and the tax summary is their sum per rate."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="taxes", verbose_name=_("line"))
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("tax rate"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100, blank=True)
    percent = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4)
    kind = models.CharField(_("kind"), max_length=12, choices=TaxRate.Kind.choices, default=TaxRate.Kind.STANDARD)
    compound = models.BooleanField(_("compound"), default=False)
    taxable = MoneyField(_("taxable amount"))
    amount = MoneyField(_("tax"))

    class Meta:
        verbose_name = _("line tax")
        verbose_name_plural = _("line taxes")
        ordering = ["line", "id"]


class RecurringInvoice(models.Model):
    """A subscription or retainer: an invoice made from these lines on a schedule."""

    class Interval(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")

    customer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="recurring_invoices",
                                 verbose_name=_("customer"))
    currency = models.CharField(_("currency"), max_length=3)
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices)
    next_date = models.DateField(_("next invoice date"))
    lines = models.JSONField(_("lines"), default=list,
                             help_text=_('[{"description", "quantity", "unit_price", "tax_category", "kind"}]'))
    issue_automatically = models.BooleanField(_("issue automatically"), default=True)
    active = models.BooleanField(_("active"), default=True)
    anchor_day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True,
                                                  help_text=_("Kept when a month is shorter; empty: the day of "
                                                              "the first next invoice date"))
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Copied to every invoice"))

    class Meta:
        verbose_name = _("recurring invoice")
        verbose_name_plural = _("recurring invoices")

    def __str__(self) -> str:
        return f"{self.customer} {self.get_interval_display()} #{self.pk}"
