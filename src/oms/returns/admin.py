"""Back office for returns: the list an operator works from, a return with its lines, settlements and
timeline, and actions that run the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import run_action, timeline_html
from oms.returns.models import Resolution, Return, ReturnLine, ReturnSettlement
from oms.returns.selectors import return_timeline
from oms.returns.services import (
    return_approve, return_close, return_receive, return_reject, return_resolve,
)


class ReturnLineInline(admin.TabularInline):
    """Lines are shown, not edited: returns are requested through the API, which runs the services."""

    model = ReturnLine
    fields = ("order_line", "quantity", "quantity_restocked", "quantity_damaged", "quantity_scrapped")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReturnSettlementInline(admin.TabularInline):
    model = ReturnSettlement
    fields = ("credit_note", "refund")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, action, label):
    run_action(modeladmin, request, queryset, action, done_text=lambda n: ngettext(
        "%(action)s: %(count)d return", "%(action)s: %(count)d returns", n) % {"action": label, "count": n})


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ("number", "order", "customer", "status", "reason", "resolution", "created_at", "closed_at")
    list_filter = ("status", "reason", "resolution", "created_at")
    search_fields = ("number", "order__number", "customer__code", "customer__name")
    list_select_related = ("order", "customer")
    date_hierarchy = "created_at"
    inlines = [ReturnLineInline, ReturnSettlementInline]
    readonly_fields = ("number", "order", "customer", "status", "reason", "rejection_reason", "resolution",
                       "exchange_order", "created_at", "updated_at", "approved_at", "received_at", "closed_at",
                       "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["approve", "reject", "receive", "refund", "store_credit", "exchange", "close"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # returns are requested through the API, which checks what may be returned

    def has_delete_permission(self, request, obj=None):
        return False  # returns are rejected or closed, never deleted

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(return_timeline(rma=obj))

    @admin.action(description=_("Approve selected returns"))
    def approve(self, request, queryset):
        _run(self, request, queryset, lambda r: return_approve(rma=r), _("Approved"))

    @admin.action(description=_("Reject selected returns"))
    def reject(self, request, queryset):
        _run(self, request, queryset, lambda r: return_reject(rma=r, reason=f"rejected by {request.user}"),
             _("Rejected"))

    @admin.action(description=_("Receive selected returns (everything back to stock)"))
    def receive(self, request, queryset):
        _run(self, request, queryset, lambda r: return_receive(rma=r), _("Received"))

    @admin.action(description=_("Refund selected returns (credit note and bank transfer)"))
    def refund(self, request, queryset):
        _run(self, request, queryset, lambda r: return_resolve(rma=r, resolution=Resolution.REFUND), _("Refunded"))

    @admin.action(description=_("Settle selected returns as store credit"))
    def store_credit(self, request, queryset):
        _run(self, request, queryset, lambda r: return_resolve(rma=r, resolution=Resolution.STORE_CREDIT),
             _("Credited"))

    @admin.action(description=_("Exchange selected returns (a replacement order)"))
    def exchange(self, request, queryset):
        _run(self, request, queryset, lambda r: return_resolve(rma=r, resolution=Resolution.EXCHANGE),
             _("Exchanged"))

    @admin.action(description=_("Close selected returns without settlement"))
    def close(self, request, queryset):
        _run(self, request, queryset, lambda r: return_close(rma=r, reason=f"closed by {request.user}"), _("Closed"))
