"""Trading back office: reference data, risk settings, the order blotter, orders with their events, executions,
positions and allocations (append-only records are read-only here; orders change through the services)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms.core.admin import ReadOnlyAdmin, run_action, timeline_html
from oms.core.errors import DomainError
from oms.trading.gateway import CancelRequest
from oms.trading.models import (
    Allocation, Execution, Instrument, KillSwitch, OrderEvent, Position, Restriction, RiskLimit, TradingAccount,
    TradingOrder, Venue,
)
from oms.trading.selectors import order_timeline, position_unrealised
from oms.trading.services import kill_switch_engage, kill_switch_release, order_cancel_receive
from oms.trading.services.common import utc_now
from oms.trading.services.reference import isin_clean
from oms.trading.states import WORKING

BLOTTER_ROWS = 200


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "mic", "active")
    search_fields = ("code", "name", "mic")


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = "__all__"

    def clean_isin(self):
        try:
            return isin_clean(self.cleaned_data.get("isin"))  # the same check as the API's
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    form = InstrumentForm
    list_display = ("symbol", "isin", "name", "mic", "currency", "tick_size", "lot_size", "reference_price",
                    "active", "halted")
    list_filter = ("active", "halted", "currency", "mic")
    search_fields = ("symbol", "isin", "name")


@admin.register(TradingAccount)
class TradingAccountAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "owner", "base_currency", "default_venue", "cost_method",
                    "short_selling_allowed", "active")
    list_filter = ("cost_method", "short_selling_allowed", "active")
    search_fields = ("code", "name", "owner__name", "owner__code")
    list_select_related = ("owner", "default_venue")
    actions = ["engage_kill_switch", "release_kill_switch"]

    @admin.action(description=_("Engage the kill switch (cancel every working order)"))
    def engage_kill_switch(self, request, queryset):
        run_action(self, request, queryset, lambda a: kill_switch_engage(account=a, reason=f"by {request.user}"),
                   done_text=lambda n: ngettext("Kill switch engaged for %(count)d account",
                                                "Kill switch engaged for %(count)d accounts", n) % {"count": n})

    @admin.action(description=_("Release the kill switch"))
    def release_kill_switch(self, request, queryset):
        run_action(self, request, queryset, lambda a: kill_switch_release(account=a, reason=f"by {request.user}"),
                   done_text=lambda n: ngettext("Kill switch released for %(count)d account",
                                                "Kill switch released for %(count)d accounts", n) % {"count": n})


@admin.register(RiskLimit)
class RiskLimitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "max_order_quantity", "max_order_value", "max_position", "max_daily_value",
                    "price_collar_percent", "max_orders_per_second", "duplicate_window_seconds")


@admin.register(Restriction)
class RestrictionAdmin(admin.ModelAdmin):
    list_display = ("instrument", "account", "reason", "created_at")
    search_fields = ("instrument__symbol", "account__code", "reason")


@admin.register(KillSwitch)
class KillSwitchAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "active", "reason", "changed_at")


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ("seq", "at", "event", "exec_type", "ord_status", "cl_ord_id", "last_qty", "last_px", "cum_qty",
              "leaves_qty", "avg_px", "reject_code", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TradingOrder)
class TradingOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "account", "instrument", "side", "order_type", "quantity", "price", "status",
                    "cum_qty", "leaves_qty", "avg_px", "venue", "received_at")
    list_filter = ("status", "side", "order_type", "time_in_force", "venue", "received_at")
    search_fields = ("number", "cl_ord_id", "account__code", "instrument__symbol", "block_id")
    list_select_related = ("account", "instrument", "venue")
    date_hierarchy = "received_at"
    inlines = [OrderEventInline]
    exclude = ("event_count", "request_count")
    actions = ["cancel"]
    show_full_result_count = False
    change_list_template = "admin/trading/tradingorder_change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude] + ["timeline"]

    def has_add_permission(self, request):
        return False  # orders come in through the API or FIX, which run the checks

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("audit timeline"))
    def timeline(self, obj):
        return timeline_html(order_timeline(order=obj), with_changes=False)

    @admin.action(description=_("Cancel selected orders"))
    def cancel(self, request, queryset):
        def one(order):
            order_cancel_receive(request=CancelRequest(account=order.account.code, orig_cl_ord_id=order.cl_ord_id,
                                                       cl_ord_id=f"BO-{utc_now().strftime('%H%M%S%f')}-{order.pk}"))
        run_action(self, request, queryset.select_related("account"), one, done_text=lambda n: ngettext(
            "Cancel sent for %(count)d order", "Cancel sent for %(count)d orders", n) % {"count": n})

    def get_urls(self):
        blotter = path("blotter/", self.admin_site.admin_view(self.blotter_view), name="trading_blotter")
        return [blotter] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "blotter_url": reverse("admin:trading_blotter")}
        return super().changelist_view(request, extra_context=extra_context)

    def blotter_view(self, request):
        """Working orders, the latest fills and the positions, refreshed every few seconds."""
        if not request.user.has_perm("trading.view_tradingorder"):
            return TemplateResponse(request, "admin/trading/blotter.html", {"denied": True}, status=403)
        working = (TradingOrder.objects.filter(status__in=sorted(WORKING))
                   .select_related("account", "instrument", "venue").order_by("-id")[:BLOTTER_ROWS])
        fills = (Execution.objects.filter(is_fill=True).select_related("order", "account", "instrument", "venue")
                 .order_by("-id")[:BLOTTER_ROWS])
        positions = [(p, position_unrealised(p, None)) for p in
                     Position.objects.exclude(quantity=0, realised_pnl=0).select_related("account", "instrument")
                     .order_by("account__code", "instrument__symbol")[:BLOTTER_ROWS]]
        context = {**self.admin_site.each_context(request), "title": _("Trading blotter"), "working": working,
                   "fills": fills, "positions": positions, "refresh": int(request.GET.get("refresh", 5) or 0),
                   "kill_switches": KillSwitch.objects.filter(active=True).select_related("account"),
                   "opts": self.model._meta, "now": utc_now()}
        return TemplateResponse(request, "admin/trading/blotter.html", context)


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ("exec_id", "venue", "order", "account", "instrument", "side", "exec_type", "last_qty",
                    "last_px", "status", "received_at")
    list_filter = ("exec_type", "status", "venue", "trade_date")
    search_fields = ("exec_id", "order__number", "account__code", "instrument__symbol")
    list_select_related = ("venue", "order", "account", "instrument")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ("exec_id", "order", "seq", "at", "event", "ord_status", "last_qty", "last_px", "reject_code")
    list_filter = ("event", "ord_status")
    search_fields = ("exec_id", "order__number", "cl_ord_id")
    list_select_related = ("order",)


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ("account", "instrument", "quantity", "avg_cost", "realised_pnl", "unrealised", "updated_at")
    list_filter = ("account",)
    search_fields = ("account__code", "instrument__symbol")
    list_select_related = ("account", "instrument")
    exclude = ("state",)

    @admin.display(description=_("unrealised P&L (at the reference price)"))
    def unrealised(self, obj):
        value = position_unrealised(obj, None)
        return "-" if value is None else format_html("{}", value.quantize(Decimal("0.01")))


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("order", "account", "instrument", "side", "method", "share", "quantity", "avg_px", "gross",
                    "status", "created_at")
    list_filter = ("status", "method")
    search_fields = ("order__number", "account__code")
    list_select_related = ("order", "account", "instrument")
