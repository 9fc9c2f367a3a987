"""Back office for payments: the list with what each payment has left, its allocations, actions."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext, ngettext

from oms.core.admin import run_action, timeline_html
from oms.core.money import amount_rounded
from oms.payments.models import Allocation, Payment, ProviderEvent
from oms.payments.selectors import payment_timeline, with_unallocated
from oms.payments.services import allocation_reverse, payment_allocate

ALLOCATION_FIELDS = ("invoice", "amount", "reverses", "reason", "created_at")


class AllocationInline(admin.TabularInline):
    """Allocations are shown, never edited: changes go through the services (reversal rows, audit)."""

    model = Allocation
    fk_name = "payment"
    fields = ALLOCATION_FIELDS
    readonly_fields = ALLOCATION_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, items, action, label, name=str):
    run_action(modeladmin, request, items, action, name=name, done_text=lambda n: ngettext(
        "%(action)s: %(count)d item", "%(action)s: %(count)d items", n) % {"action": label, "count": n})


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "side", "kind", "status", "method", "amount_shown", "unallocated_shown",
                    "currency", "received_on", "reference")
    list_filter = ("side", "method", "kind", "status", "currency", "provider", "received_on")
    search_fields = ("number", "reference", "provider_reference", "customer__code", "customer__name")
    list_select_related = ("customer",)
    date_hierarchy = "received_on"
    inlines = [AllocationInline]
    readonly_fields = ("number", "side", "kind", "status", "customer", "currency", "amount", "unallocated_shown", "method",
                       "received_on", "reference", "provider", "provider_reference", "refund_of", "credit_note",
                       "created_at", "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["allocate_to_open_invoices"]
    show_full_result_count = False

    def get_queryset(self, request):
        return with_unallocated(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # payments are recorded through the API or the services (numbers, allocation rules, audit)

    def has_delete_permission(self, request, obj=None):
        return False  # allocations are reversed and refunds recorded; nothing is deleted

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return amount_rounded(obj.amount, obj.currency)

    @admin.display(description=_("unallocated"), ordering="unallocated")
    def unallocated_shown(self, obj):
        if obj.kind != Payment.Kind.PAYMENT or obj.status != Payment.Status.COMPLETED:
            return "-"
        return amount_rounded(obj.unallocated, obj.currency)  # rounding also drops SQLite's float noise

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(payment_timeline(payment=obj), with_changes=False)

    @admin.action(description=_("Apply what is left to open invoices (earliest due first)"))
    def allocate_to_open_invoices(self, request, queryset):
        _run(self, request, queryset, lambda p: payment_allocate(payment=p, auto=True), _("Allocated"),
             name=lambda p: p.number)


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("id", "payment", "invoice", "amount", "reverses", "reason", "created_at")
    search_fields = ("payment__number", "invoice__number", "payment__customer__code")
    list_select_related = ("payment", "invoice")
    readonly_fields = ("payment", "invoice", "amount", "reverses", "reason", "created_at")
    fields = readonly_fields
    actions = ["reverse"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: the reverse action (a service) is the only change

    @admin.action(description=_("Reverse selected allocations"), permissions=["view"])
    def reverse(self, request, queryset):
        if not request.user.has_perm("payments.change_payment"):
            self.message_user(request, _("You need the permission to change payments"), messages.ERROR)
            return
        _run(self, request, queryset.order_by("id"),
             lambda a: allocation_reverse(allocation=a, reason=f"reversed by {request.user} in the back office"),
             _("Reversed"), name=lambda a: gettext("allocation %(id)s") % {"id": a.pk})


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    list_display = ("provider", "event_id", "event_type", "payment", "received_at")
    list_filter = ("provider", "event_type")
    search_fields = ("event_id", "payment__number")
    readonly_fields = ("provider", "event_id", "event_type", "payment", "received_at", "payload")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
