"""Back office for shipments: the list an operator works from, a shipment with its lines and timeline, actions."""

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import run_action, timeline_html
from oms.core.errors import DomainError
from oms.shipping.documents import delivery_note_pdf, document_filename, packing_slip_pdf
from oms.shipping.models import (
    Shipment, ShipmentLine, ShippingMethod, ShippingRateBand, ShippingValueBand, ShippingZone, ShippingZoneArea,
)
from oms.shipping.selectors import shipment_timeline
from oms.shipping.services import (
    shipment_cancel, shipment_deliver, shipment_label_create, shipment_pack, shipment_ship,
)
from oms.shipping.states import ShipmentStatus

DOCUMENTS = {
    "packing-slip": (_("Packing slip"), packing_slip_pdf),
    "delivery-note": (_("Delivery note"), delivery_note_pdf),
    "label": (_("Label"), lambda s: bytes(s.label_data)),
}


def _available(shipment: Shipment) -> list[str]:
    kinds = []
    if shipment.status != ShipmentStatus.CANCELLED:
        kinds.append("packing-slip")
    if shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        kinds.append("delivery-note")
    if shipment.label_carrier:
        kinds.append("label")
    return kinds


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
                       "delivered_at", "label_carrier", "documents", "timeline")
    fields = readonly_fields[:-1] + ("notes", "timeline")
    actions = ["pack", "ship", "deliver", "cancel", "label"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # shipments are made from orders through the API, which runs the services

    def has_delete_permission(self, request, obj=None):
        return False  # shipments are cancelled, never deleted

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_html(shipment_timeline(shipment=obj))

    @admin.display(description=_("documents"))
    def documents(self, obj):
        links = [(reverse("admin:shipping_shipment_document", args=[obj.pk, kind]), DOCUMENTS[kind][0])
                 for kind in _available(obj)]
        return format_html_join(" &middot; ", '<a href="{}" target="_blank">{}</a>', links) or "-"

    def get_urls(self):
        view = self.admin_site.admin_view(self.document_view)
        return [path("<int:pk>/document/<str:kind>/", view, name="shipping_shipment_document")] + super().get_urls()

    def document_view(self, request, pk: int, kind: str):
        """A shipment's PDF (packing slip, delivery note, label), for whoever may view shipments."""
        shipment = get_object_or_404(Shipment.objects.select_related("order__customer", "warehouse"), pk=pk)
        if not self.has_view_permission(request, shipment) or kind not in DOCUMENTS:
            return HttpResponse(status=404)
        try:
            if kind not in _available(shipment):
                raise DomainError(str(_("This document is not available for this shipment")))
            content = DOCUMENTS[kind][1](shipment)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:shipping_shipment_change", args=[pk]))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document_filename(kind, shipment)}"'
        return response

    @admin.action(description=_("Mark selected shipments packed"))
    def pack(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_pack(shipment=s), _("Packed"))

    @admin.action(description=_("Ship selected shipments"))
    def ship(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_ship(shipment=s), _("Shipped"))

    @admin.action(description=_("Mark selected shipments delivered"))
    def deliver(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_deliver(shipment=s), _("Delivered"))

    @admin.action(description=_("Make a label with the manual carrier"))
    def label(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_label_create(shipment=s, carrier="manual"), _("Labelled"))

    @admin.action(description=_("Cancel selected shipments"))
    def cancel(self, request, queryset):
        _run(self, request, queryset, lambda s: shipment_cancel(shipment=s, reason=f"cancelled by {request.user}"),
             _("Cancelled"))


class ShippingRateBandInline(admin.TabularInline):
    model = ShippingRateBand
    fields = ("up_to_weight", "amount")
    extra = 0


class ShippingValueBandInline(admin.TabularInline):
    model = ShippingValueBand
    fields = ("from_value", "amount")
    extra = 0


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "carrier", "service", "kind", "amount", "free_over", "currency", "zone", "active")
    list_filter = ("kind", "currency", "active", "carrier", "zone")
    search_fields = ("code", "name", "carrier")
    list_select_related = ("zone",)
    inlines = [ShippingRateBandInline, ShippingValueBandInline]


class ShippingZoneAreaInline(admin.TabularInline):
    model = ShippingZoneArea
    fields = ("country", "region", "postcode_pattern")
    extra = 0


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area_list")
    search_fields = ("code", "name", "areas__country", "areas__region")
    inlines = [ShippingZoneAreaInline]

    @admin.display(description=_("areas"))
    def area_list(self, obj):
        return format_html("{}", ", ".join(str(a) for a in obj.areas.all()) or "-")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")
