"""Back office for invoicing: invoices and notes with their balance and timeline, tax rates,
recurring invoices and the invoicing settings. Every write goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import run_action, timeline_html
from oms.core.money import amount_rounded
from oms.invoicing.models import Invoice, InvoiceLine, InvoicingSettings, RecurringInvoice, TaxRate
from oms.invoicing.selectors import QUANTUM, invoice_timeline, tax_summary, with_balance
from oms.invoicing.services import (
    invoice_cancel, invoice_issue, invoice_update, invoicing_settings_update, recurring_invoice_create,
    recurring_invoice_update, tax_rate_create, tax_rate_update,
)
from oms.invoicing.states import OPEN
from oms.parties.admin import ServiceAdmin, inline_rows

LINE_FIELDS = ("position", "kind", "sku", "description", "quantity", "unit_price", "discount_amount", "tax_percent",
               "line_subtotal", "line_tax", "line_total")


class InvoiceLineInline(admin.TabularInline):
    """Lines are shown, not edited: an issued document never changes, a draft changes through the API."""

    model = InvoiceLine
    fk_name = "invoice"
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        overdue = dict(status__in=OPEN, kind=Invoice.Kind.INVOICE, due_date__lt=timezone.localdate(),
                       balance__gte=QUANTUM)
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


def _run(modeladmin, request, queryset, action, label):
    run_action(modeladmin, request, queryset, action, done_text=lambda n: ngettext(
        "%(action)s: %(count)d document", "%(action)s: %(count)d documents", n) % {"action": label, "count": n})


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ("notes", "payment_terms_days")


@admin.register(Invoice)
class InvoiceAdmin(ServiceAdmin):
    form = InvoiceForm
    list_display = ("__str__", "customer", "kind", "status", "total", "balance", "currency", "issue_date",
                    "due_date")
    list_filter = ("status", "kind", "currency", OverdueFilter, "issue_date")
    search_fields = ("number", "customer__name", "customer__code", "sales_order__number")
    list_select_related = ("customer",)
    inlines = [InvoiceLineInline]
    readonly_fields = ("number", "kind", "status", "customer", "currency", "sales_order", "original", "reason",
                       "issue_date", "due_date", "tax_inclusive", "language", "billing_address", "subtotal",
                       "tax_total", "withholding_total", "total", "balance", "taxes", "created_by", "created_at",
                       "issued_at", "custom", "timeline")
    actions = ["issue", "cancel"]
    show_full_result_count = False

    def get_queryset(self, request):
        return with_balance(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Invoice.Status.DRAFT:
            return self.readonly_fields + ("notes", "payment_terms_days")
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        return self.readonly_fields[:-1] + ("notes", "payment_terms_days", "timeline")

    def has_add_permission(self, request):
        return False  # invoices come from orders, the API or recurring schedules, through the services

    def save_model(self, request, obj, form, change):
        if obj.status == Invoice.Status.DRAFT:
            invoice_update(invoice=obj, notes=form.cleaned_data["notes"],
                           payment_terms_days=form.cleaned_data["payment_terms_days"])

    def save_formset(self, request, form, formset, change):
        inline_rows(formset, ())  # the lines inline is read-only: nothing to save

    @admin.display(description=_("balance"))
    def balance(self, obj):
        value = getattr(obj, "balance", None)
        return "-" if value is None else amount_rounded(value, obj.currency)

    @admin.display(description=_("tax summary"))
    def taxes(self, obj):
        c = obj.currency
        rows = [(r["code"], format(r["percent"].normalize(), "f"), r["kind"], amount_rounded(r["taxable"], c),
                 amount_rounded(r["tax"], c)) for r in tax_summary(obj)]
        return format_html_join("\n", "<div>{} {}% ({}): {} &rarr; <b>{}</b></div>", rows) or "-"

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(invoice_timeline(invoice=obj))

    @admin.action(description=_("Issue selected drafts"), permissions=["change"])
    def issue(self, request, queryset):
        _run(self, request, queryset, lambda x: invoice_issue(invoice=x), _("Issued"))

    @admin.action(description=_("Cancel selected drafts"), permissions=["change"])
    def cancel(self, request, queryset):
        _run(self, request, queryset, lambda x: invoice_cancel(invoice=x, reason=f"cancelled by {request.user}"),
             _("Cancelled"))


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ("code", "name", "category", "jurisdiction", "rate", "kind", "compound", "valid_from", "valid_to")


@admin.register(TaxRate)
class TaxRateAdmin(ServiceAdmin):
    form = TaxRateForm
    list_display = ("code", "name", "category", "jurisdiction", "rate", "kind", "compound", "valid_from", "valid_to")
    list_filter = ("category", "jurisdiction", "kind")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        # A rate's percent never changes once documents may use it: a new percent is a new rate.
        return ("code", "category", "jurisdiction", "rate", "kind", "compound") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = tax_rate_update(rate=obj, name=data["name"], valid_from=data["valid_from"],
                                    valid_to=data["valid_to"])
        else:
            saved = tax_rate_create(code=data["code"], name=data["name"], category=data["category"].code,
                                    jurisdiction=data["jurisdiction"], rate=data["rate"], kind=data["kind"],
                                    compound=data["compound"], valid_from=data["valid_from"],
                                    valid_to=data["valid_to"])
        obj.pk = saved.pk
        obj._state.adding = False


class RecurringForm(forms.ModelForm):
    class Meta:
        model = RecurringInvoice
        fields = ("customer", "currency", "interval", "next_date", "lines", "issue_automatically", "tax_inclusive",
                  "notes", "active")


@admin.register(RecurringInvoice)
class RecurringInvoiceAdmin(ServiceAdmin):
    form = RecurringForm
    list_display = ("__str__", "customer", "interval", "next_date", "currency", "issue_automatically", "active",
                    "invoice_count")
    list_filter = ("interval", "active", "currency")
    search_fields = ("customer__name", "customer__code")
    list_select_related = ("customer",)

    def get_readonly_fields(self, request, obj=None):
        return ("customer", "currency") if obj is not None else ()

    @admin.display(description=_("invoices"))
    def invoice_count(self, obj):
        return obj.invoices.count()

    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        if change:
            data.pop("customer", None), data.pop("currency", None)
            saved = recurring_invoice_update(recurring=obj, **data)
        else:
            active = data.pop("active")
            saved = recurring_invoice_create(customer=data.pop("customer").code, **data)
            if not active:
                saved = recurring_invoice_update(recurring=saved, active=False)
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(InvoicingSettings)
class InvoicingSettingsAdmin(ServiceAdmin):
    list_display = ("__str__", "tax_rounding", "invoice_policy")

    def has_add_permission(self, request):
        return not InvoicingSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        saved = invoicing_settings_update(tax_rounding=form.cleaned_data["tax_rounding"],
                                          invoice_policy=form.cleaned_data["invoice_policy"])
        obj.pk = saved.pk
        obj._state.adding = False

