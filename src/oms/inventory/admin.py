from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from oms.core.admin import ReadOnlyAdmin
from oms.inventory.models import Location, StockLevel, StockMove, Warehouse


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    search_fields = ("code", "name")
    inlines = [LocationInline]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    """Levels change only through moves (adjust through the API or services), so they are read-only here."""

    list_display = ("product", "location", "on_hand", "reserved", "available_display", "backorder_allowed")
    list_filter = ("location__warehouse", "backorder_allowed")
    search_fields = ("product__sku", "product__name", "product__barcode")
    list_select_related = ("product", "location__warehouse")

    @admin.display(description=_("available"))
    def available_display(self, obj):
        return obj.available


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "product", "location", "kind", "on_hand_delta", "reserved_delta",
                    "unit_cost", "cost_currency", "reference", "reason")
    list_filter = ("kind", "location__warehouse")
    search_fields = ("product__sku", "reference", "reason")
    list_select_related = ("product", "location__warehouse")
    date_hierarchy = "created_at"
