"""The home page of the back office: the admin index with today's business on top."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from oms.backoffice.selectors.dashboard import (
    QUEUE_COUNT_CAP, action_queues, bounds_at, channel_label, low_stock, sales_figures, top_customers, top_products,
)
from oms.backoffice.views.common import operator_view
from oms.backoffice.templatetags.backoffice import money
from oms.core.money import amount_rounded, is_known_currency

QUEUES = {  # key: (label, status filter of the back-office order list)
    "to_confirm": (_("To confirm"), "queue=to_confirm"),
    "on_hold": (_("On hold"), "queue=on_hold"),
    "to_ship": (_("To ship"), "queue=to_ship"),
    "to_invoice": (_("To invoice"), "queue=to_invoice"),
    "overdue_invoices": (_("Overdue invoices"), None),
    "returns_to_handle": (_("Returns to handle"), None),
    "purchases_to_receive": (_("Purchases to receive"), None),
}
ADMIN_LISTS = {  # queues kept by other modules: their admin list, filtered
    "overdue_invoices": ("admin:invoicing_invoice_changelist", {"overdue": "yes"}),
    "returns_to_handle": ("admin:returns_return_changelist", {"status__in": "requested,approved,received"}),
    "purchases_to_receive": ("admin:purchasing_purchaseorder_changelist",
                             {"status__in": "sent,partially_received"}),
}
PERIODS = {"today": _("Today"), "week": _("This week"), "month": _("This month")}
COLOURS = ["#417690", "#e0a030", "#70a860", "#c05050", "#8060b0", "#50a0c0", "#a0a0a0"]


def _money(amount, currency: str) -> str:
    return money(amount, currency) if currency else "0"


def _plain(amount, currency: str) -> str:
    """An exact decimal string for the charts (Chart.js reads numeric strings; no float on the way)."""
    return str(amount_rounded(amount, currency)) if currency else str(amount)


def dashboard_context(request) -> dict:
    bounds = bounds_at(timezone.now())
    wanted = request.GET.get("currency", "").upper()
    figures = sales_figures(bounds=bounds, currency=wanted if is_known_currency(wanted) else None)
    cur = figures.currency
    orders_url = reverse("backoffice:order-list")
    queues = []
    for key, count in action_queues().items():
        label, query = QUEUES[key]
        if query:
            url = f"{orders_url}?{query}"
        else:
            name, params = ADMIN_LISTS[key]
            url = reverse(name) + "?" + urlencode(params)
        shown = f"{number_format(QUEUE_COUNT_CAP, force_grouping=True)}+" if count > QUEUE_COUNT_CAP else count
        queues.append({"key": key, "label": label, "count": count, "shown": shown, "url": url})
    channels = sorted(figures.per_day, key=lambda c: -sum(figures.per_day[c]))
    chart = {
        "currency": cur,
        "days": [d.isoformat() for d in figures.days],
        "per_day": [{"label": channel_label(c), "data": [_plain(v, cur) for v in figures.per_day[c]],
                     "backgroundColor": COLOURS[i % len(COLOURS)]} for i, c in enumerate(channels)],
        "per_channel": {"labels": [channel_label(c) for c in figures.per_channel],
                        "data": [_plain(v, cur) for v in figures.per_channel.values()],
                        "colours": [COLOURS[channels.index(c) % len(COLOURS)] if c in channels else COLOURS[-1]
                                    for c in figures.per_channel]},
        "labels": {"per_day": str(_("Sales per day (last 30 days)")), "per_channel": str(_("Sales per channel"))},
    }
    return {"dashboard": {
        "currency": cur, "currencies": figures.currencies,
        "periods": [{"key": k, "label": PERIODS[k], "orders": v["orders"], "revenue": _money(v["revenue"], cur)}
                    for k, v in figures.periods.items()],
        "queues": queues, "chart": chart,
        "low_stock": low_stock(),
        "top_products": [{**r, "revenue": _money(r["revenue"], cur)} for r in top_products(bounds=bounds, currency=cur)]
        if cur else [],
        "top_customers": [{**r, "revenue": _money(r["revenue"], cur)} for r in top_customers(bounds=bounds, currency=cur)]
        if cur else [],
    }}


@operator_view()
def home(request):
    """The admin index (apps, recent actions) with the dashboard above it."""
    return admin.site.index(request, extra_context=dashboard_context(request))
