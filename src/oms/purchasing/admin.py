"""Purchasing back office: supplier prices, reorder rules, purchase orders (send, receive everything open,
cancel), receipts (read-only), supplier bills (release held ones, pay), product costs."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import ReadOnlyAdmin, run_action, timeline_html
from oms.parties.models import Party
from oms.purchasing.models import (
    ProductCost, PurchaseOrder, PurchaseOrderLine, PurchasingSettings, Receipt, ReceiptLine, ReorderRule,
    SupplierBill, SupplierBillLine, SupplierItem,
)
from oms.purchasing.selectors import bill_timeline, order_timeline
from oms.purchasing.services import (
    purchase_order_cancel, purchase_order_send, receipt_create, supplier_bill_cancel, supplier_bill_pay,
    supplier_bill_release,
)


def _run(modeladmin, request, queryset, action, label, what):
    run_action(modeladmin, request, queryset, action, done_text=lambda n: ngettext(
        "%(action)s: %(count)d %(what)s", "%(action)s: %(count)d %(what)s", n) % {
        "action": label, "count": n, "what": what})


class _LinesInline(admin.TabularInline):
    """Lines are shown, not edited: documents change only through the purchasing services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupplierItem)
class SupplierItemAdmin(admin.ModelAdmin):
    list_display = ("supplier", "product", "supplier_sku", "price", "currency", "min_order_quantity",
                    "lead_time_days", "preferred", "active")
    list_filter = ("preferred", "active", "currency", "supplier")
    search_fields = ("supplier__code", "supplier__name", "product__sku", "supplier_sku")
    list_select_related = ("supplier", "product")
    autocomplete_fields = ("product",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supplier":
            kwargs["queryset"] = Party.objects.filter(is_supplier=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReorderRule)
class ReorderRuleAdmin(admin.ModelAdmin):
    list_display = ("product", "warehouse", "min_quantity", "max_quantity")
    list_filter = ("warehouse",)
    search_fields = ("product__sku", "product__name")


@admin.register(PurchasingSettings)
class PurchasingSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "receipt_tolerance_percent", "bill_quantity_tolerance_percent",
                    "bill_price_tolerance_percent")

    def has_add_permission(self, request):
        return not PurchasingSettings.objects.exists()


class POLineInline(_LinesInline):
    model = PurchaseOrderLine
    fields = ("position", "product", "supplier_sku", "description", "quantity", "unit_price", "line_total",
              "quantity_received", "quantity_billed")
    readonly_fields = fields


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "supplier", "status", "currency", "total", "warehouse", "expected_on", "created_at")
    list_filter = ("status", "currency", "warehouse", "created_at")
    search_fields = ("number", "supplier__code", "supplier__name")
    list_select_related = ("supplier", "warehouse")
    date_hierarchy = "created_at"
    inlines = [POLineInline]
    readonly_fields = ("number", "supplier", "status", "currency", "total", "warehouse", "expected_on", "created_at",
                       "sent_at", "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["send", "receive_all", "cancel"]

    def has_add_permission(self, request):
        return False  # made through the API or replenishment, which run the services

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(order_timeline(order=obj))

    @admin.action(description=_("Send selected purchase orders"))
    def send(self, request, queryset):
        _run(self, request, queryset, lambda o: purchase_order_send(order=o), _("Sent"), _("purchase orders"))

    @admin.action(description=_("Receive everything still open"))
    def receive_all(self, request, queryset):
        _run(self, request, queryset, lambda o: receipt_create(order=o), _("Received"), _("purchase orders"))

    @admin.action(description=_("Cancel selected purchase orders"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, lambda o: purchase_order_cancel(order=o, reason=f"cancelled by {request.user}"),
             _("Cancelled"), _("purchase orders"))


class ReceiptLineInline(_LinesInline):
    model = ReceiptLine
    fields = ("order_line", "quantity", "unit_cost", "stock_move")
    readonly_fields = fields


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "purchase_order", "location", "received_on", "created_at")
    list_filter = ("received_on", "location__warehouse")
    search_fields = ("number", "purchase_order__number", "purchase_order__supplier__name")
    list_select_related = ("purchase_order", "location__warehouse")
    inlines = [ReceiptLineInline]


class BillLineInline(_LinesInline):
    model = SupplierBillLine
    fields = ("order_line", "quantity", "unit_price", "line_total")
    readonly_fields = fields


@admin.register(SupplierBill)
class SupplierBillAdmin(admin.ModelAdmin):
    list_display = ("number", "supplier", "supplier_reference", "purchase_order", "status", "total", "amount_paid",
                    "currency", "due_date")
    list_filter = ("status", "currency", "due_date")
    search_fields = ("number", "supplier_reference", "supplier__code", "supplier__name", "purchase_order__number")
    list_select_related = ("supplier", "purchase_order")
    inlines = [BillLineInline]
    readonly_fields = ("number", "supplier", "supplier_reference", "purchase_order", "status", "currency",
                       "bill_date", "due_date", "total", "amount_paid", "differences", "hold_reason", "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["release", "pay_by_transfer", "cancel_bills"]

    def has_add_permission(self, request):
        return False  # entered through the API, which runs the three-way match

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(bill_timeline(bill=obj))

    @admin.action(description=_("Release selected held bills (accept their differences)"))
    def release(self, request, queryset):
        _run(self, request, queryset, lambda b: supplier_bill_release(bill=b, reason=f"released by {request.user}"),
             _("Released"), _("bills"))

    @admin.action(description=_("Cancel selected unpaid bills (their quantities may be billed again)"))
    def cancel_bills(self, request, queryset):
        _run(self, request, queryset, lambda b: supplier_bill_cancel(bill=b, reason=f"cancelled by {request.user}"),
             _("Cancelled"), _("bills"))

    @admin.action(description=_("Pay the balance of selected bills by bank transfer"))
    def pay_by_transfer(self, request, queryset):
        _run(self, request, queryset, lambda b: supplier_bill_pay(bill=b, method="bank_transfer"), _("Paid"),
             _("bills"))


@admin.register(ProductCost)
class ProductCostAdmin(ReadOnlyAdmin):
    list_display = ("product", "currency", "average_cost", "received_quantity", "updated_at")
    list_filter = ("currency",)
    search_fields = ("product__sku", "product__name")
