"""Back office for shipments: the list an operator works from, a shipment with its lines and timeline, actions."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import run_action, timeline_html
from oms.shipping.models import Shipment, ShipmentLine, ShippingMethod, ShippingRateBand
from oms.shipping.selectors import shipment_timeline
from oms.shipping.services import shipment_cancel, shipment_deliver, shipment_pack, shipment_ship


class ShipmentLineInline(admin.TabularInline):
    """Lines are shown, not edited here: shipments are made through the shipping services."""

    model = ShipmentLine
    fields = ("order_line", "quantity")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, action, label):
    run_action(modeladmin, request, queryset, action, done_text=lambda n: ngettext(
        "%(action)s: %(count)d shipment", "%(action)s: %(count)d shipments", n) % {"action": label, "count": n})


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "order", "status", "warehouse", "carrier", "tracking_number", "created_at",
                    "shipped_at")
    list_filter = ("status", "carrier", "warehouse", "created_at")
    search_fields = ("number", "tracking_number", "order__number", "order__customer__name")
    list_select_related = ("order", "warehouse")
    date_hierarchy = "created_at"
    inlines = [ShipmentLineInline]
    readonly_fields = ("number", "order", "warehouse", "status", "carrier", "service", "tracking_number",
                       "tracking_url", "weight", "parcels", "created_at", "updated_at", "packed_at", "shipped_at",
                       "delivered_at", "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["pack", "ship", "deliver", "cancel"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # shipments are made from orders through the API, which runs the services

    def has_delete_permission(self, request, obj=None):
        return False  # shipments are cancelled, never deleted

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(shipment_timeline(shipment=obj))

    @admin.action(description=_("Mark selected shipments packed"))
    def pack(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_pack(shipment=s), _("Packed"))

    @admin.action(description=_("Ship selected shipments"))
    def ship(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_ship(shipment=s), _("Shipped"))

    @admin.action(description=_("Mark selected shipments delivered"))
    def deliver(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_deliver(shipment=s), _("Delivered"))

    @admin.action(description=_("Cancel selected shipments"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_cancel(shipment=s, reason=f"cancelled by {request.user}"),
             _("Cancelled"))


class ShippingRateBandInline(admin.TabularInline):
    model = ShippingRateBand
    fields = ("up_to_weight", "amount")
    extra = 0


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "carrier", "service", "kind", "amount", "free_over", "currency", "active")
    list_filter = ("kind", "currency", "active", "carrier")
    search_fields = ("code", "name", "carrier")
    inlines = [ShippingRateBandInline]
