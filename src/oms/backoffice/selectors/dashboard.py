"""The home dashboard's figures, so that it answers quickly on millions of orders.

Sales count orders by their creation time in the current time zone, excluding drafts (quotations)
and cancelled orders, in one currency at a time (money in different currencies is never added).

Each aggregate is one indexed query split at midnight: the closed days of the window (up to 30 days,
tens of thousands of orders on a busy shop) are aggregated once and kept in the cache for
``HISTORY_SECONDS``; today is always aggregated live. So a new order shows at once, and a change to
an older order (a cancellation) within minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.core.cache import cache
from django.db.models import Count, Exists, F, Min, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from oms.catalog.models import Product
from oms.core.models import Company
from oms.core.plans import custom_plans
from oms.inventory.models import StockLevel
from oms.parties.models import Party
from oms.sales.models import Channel, SalesOrder, SalesOrderLine
from oms.sales.states import OrderStatus

if apps.is_installed("oms.invoicing"):
    from oms.invoicing.models import Invoice
    from oms.invoicing.selectors import InvoiceFilter, invoice_list
if apps.is_installed("oms.returns"):
    from oms.returns.models import Return
if apps.is_installed("oms.purchasing"):
    from oms.purchasing.models import PurchaseOrder
    from oms.purchasing.states import RECEIVABLE

S = OrderStatus
NOT_SALES = (S.DRAFT, S.CANCELLED)
CHART_DAYS = 30
HISTORY_SECONDS = 600  # how long the closed days' aggregates are reused
# Orders that have been sold and may still need an invoice; completed orders are closed business.
TO_INVOICE = (S.CONFIRMED, S.PARTIALLY_FULFILLED, S.FULFILLED)
TO_SHIP = (S.CONFIRMED, S.PARTIALLY_FULFILLED)
# Returns someone must act on: approve or reject a request, receive an approved one, settle a received one.
RETURNS_WAITING = ("requested", "approved", "received")


@dataclass(frozen=True)
class Bounds:
    today: date
    week: date  # Monday of this week
    month: date  # the 1st of this month
    chart_from: date  # the first day of the per-day chart

    @property
    def first_day(self) -> date:
        return min(self.week, self.month, self.chart_from)


def bounds_at(now: datetime) -> Bounds:
    today = timezone.localtime(now).date()
    return Bounds(today=today, week=today - timedelta(days=today.weekday()), month=today.replace(day=1),
                  chart_from=today - timedelta(days=CHART_DAYS - 1))


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class SalesFigures:
    currency: str
    currencies: list[str]
    periods: dict[str, dict] = field(default_factory=dict)  # today/week/month -> {"orders", "revenue"}
    days: list[date] = field(default_factory=list)
    per_day: dict[str, list[Decimal]] = field(default_factory=dict)  # channel -> revenue per day
    per_channel: dict[str, Decimal] = field(default_factory=dict)  # this month


def _sales(since: date, until: date | None):
    qs = SalesOrder.objects.filter(created_at__gte=_start(since)).exclude(status__in=NOT_SALES)
    return qs.filter(created_at__lt=_start(until)) if until else qs


def _split(name: str, since: date, today: date, rows_of) -> list[dict]:
    """``rows_of(since, until)`` for the closed days [since, today) from the cache, plus today live."""
    past: list[dict] = []
    if since < today:
        key = f"backoffice:{name}:{since}:{today}:{timezone.get_current_timezone_name()}"
        past = cache.get_or_set(key, lambda: rows_of(since, today), HISTORY_SECONDS)
    return past + rows_of(max(since, today), None)


def _day_rows(since: date, until: date | None) -> list[dict]:
    return [{**row, "day": _as_date(row["day"]), "revenue": Decimal(row["revenue"])} for row in
            _sales(since, until).annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .order_by().values("day", "channel", "currency").annotate(orders=Count("id"), revenue=Sum("total"))]


def sales_figures(*, bounds: Bounds, currency: str | None) -> SalesFigures:
    """Sales today, this week and this month, per day (last 30 days) and per channel (this month), from
    one query grouped by day, channel and currency over the window."""
    rows = _split("days", bounds.first_day, bounds.today, _day_rows)
    by_currency: dict[str, Decimal] = {}
    for row in rows:
        by_currency[row["currency"]] = by_currency.get(row["currency"], Decimal(0)) + row["revenue"]
    chosen = currency or default_currency() or (max(by_currency, key=by_currency.get) if by_currency else "")
    out = SalesFigures(currency=chosen, currencies=sorted(set(by_currency) | ({chosen} if chosen else set())))
    starts = {"today": bounds.today, "week": bounds.week, "month": bounds.month}
    out.periods = {key: {"orders": 0, "revenue": Decimal(0)} for key in starts}
    out.days = [bounds.chart_from + timedelta(days=i) for i in range(CHART_DAYS)]
    index = {day: i for i, day in enumerate(out.days)}
    for row in rows:
        if row["currency"] != chosen:
            continue
        day, revenue = row["day"], row["revenue"]
        for key, start in starts.items():
            if day >= start:
                out.periods[key]["orders"] += row["orders"]
                out.periods[key]["revenue"] += revenue
        if day in index:
            series = out.per_day.setdefault(row["channel"], [Decimal(0)] * CHART_DAYS)
            series[index[day]] += revenue
        if day >= bounds.month:
            out.per_channel[row["channel"]] = out.per_channel.get(row["channel"], Decimal(0)) + revenue
    return out


def default_currency() -> str:
    """The company's base currency: the dashboard shows it unless the operator picks another."""
    return Company.objects.order_by("pk").values_list("base_currency", flat=True).first() or ""


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def channel_label(code: str) -> str:
    return str(dict(Channel.choices).get(code, code))


QUEUE_COUNT_CAP = 1000


def _capped_count(qs: QuerySet) -> int:
    """How many rows, counted up to one past the cap. The invoice queues need a check per row (an
    order's invoices, an invoice's payments and notes): counted in full over a large book, they took
    most of a second on every visit to this page; the list behind each queue shows them all."""
    return qs.order_by()[:QUEUE_COUNT_CAP + 1].count()


def action_queues() -> dict[str, int]:
    """How many orders (and invoices) wait for someone: to confirm, on hold, to ship, to invoice, overdue.
    Orders to invoice and overdue invoices are counted up to ``QUEUE_COUNT_CAP + 1`` ("1,000+")."""
    with custom_plans():  # few rows of a large book are in these statuses: plans for the values asked
        return _queues()


def _queues() -> dict[str, int]:
    counts = dict(SalesOrder.objects.filter(status__in=[S.DRAFT, S.ON_HOLD, *TO_SHIP]).order_by()
                  .values_list("status").annotate(n=Count("id")))
    queues = {"to_confirm": counts.get(S.DRAFT, 0), "on_hold": counts.get(S.ON_HOLD, 0),
              "to_ship": sum(counts.get(s, 0) for s in TO_SHIP)}
    if apps.is_installed("oms.invoicing"):
        queues["to_invoice"] = _capped_count(orders_to_invoice())
        queues["overdue_invoices"] = _capped_count(invoice_list(filters=InvoiceFilter(overdue=True)))
    if apps.is_installed("oms.returns"):
        queues["returns_to_handle"] = Return.objects.filter(status__in=RETURNS_WAITING).count()
    if apps.is_installed("oms.purchasing"):
        queues["purchases_to_receive"] = PurchaseOrder.objects.filter(status__in=RECEIVABLE).count()
    return queues


def orders_to_invoice():
    """Sold orders without any invoice yet (cancelled invoices do not count)."""
    invoiced = Invoice.objects.filter(sales_order_id=OuterRef("pk"), kind=Invoice.Kind.INVOICE).exclude(
        status=Invoice.Status.CANCELLED)
    return SalesOrder.objects.filter(status__in=TO_INVOICE).filter(~Exists(invoiced))


def low_stock(*, limit: int = 10) -> list[StockLevel]:
    """Stock levels whose available quantity (on hand - reserved) is below the product's threshold."""
    return list(StockLevel.objects.select_related("product", "location__warehouse")
                .filter(product__low_stock_threshold__isnull=False, product__active=True)
                .annotate(free=F("on_hand") - F("reserved"))
                .filter(free__lt=F("product__low_stock_threshold")).order_by("free", "product__sku")[:limit])


def _product_rows(since: date, until: date | None) -> list[dict]:
    # A redundant but exact bound on the line's order id (orders since a date have ids >= the first
    # one's): it lets PostgreSQL read only those lines through the order_id index.
    first_id = SalesOrder.objects.filter(created_at__gte=_start(since)).aggregate(m=Min("id"))["m"]
    if first_id is None:
        return []
    orders = _sales(since, until)
    return [{**r, "revenue": Decimal(r["revenue"]), "quantity": Decimal(r["quantity"])} for r in
            SalesOrderLine.objects.filter(order_id__gte=first_id, order__in=orders).exclude(sku="").order_by()
            .values("sku", currency=F("order__currency"))
            .annotate(revenue=Sum("line_total"), quantity=Sum("quantity"), orders=Count("order_id"))]


def _customer_rows(since: date, until: date | None) -> list[dict]:
    return [{**r, "revenue": Decimal(r["revenue"])} for r in
            _sales(since, until).order_by().values("customer_id", "currency")
            .annotate(revenue=Sum("total"), orders=Count("id"))]


def _top(rows: list[dict], key: str, currency: str, limit: int) -> list[dict]:
    """Add up the closed days' and today's rows per ``key`` in ``currency``; the biggest first."""
    merged: dict = {}
    for row in rows:
        if row["currency"] != currency:
            continue
        into = merged.setdefault(row[key], {key: row[key], "revenue": Decimal(0), "quantity": Decimal(0), "orders": 0})
        into["revenue"] += row["revenue"]
        into["quantity"] += row.get("quantity", 0)
        into["orders"] += row["orders"]
    return sorted(merged.values(), key=lambda r: (-r["revenue"], r[key]))[:limit]


def top_products(*, bounds: Bounds, currency: str, limit: int = 10) -> list[dict]:
    """This month's best sellers by revenue in ``currency``, with their names."""
    rows = _top(_split("products", bounds.month, bounds.today, _product_rows), "sku", currency, limit)
    names = dict(Product.objects.filter(sku__in=[r["sku"] for r in rows]).values_list("sku", "name"))
    for row in rows:
        row["name"] = names.get(row["sku"], "")
    return rows


def top_customers(*, bounds: Bounds, currency: str, limit: int = 10) -> list[dict]:
    """This month's biggest customers by revenue in ``currency``, with their names."""
    rows = _top(_split("customers", bounds.month, bounds.today, _customer_rows), "customer_id", currency, limit)
    names = Party.objects.in_bulk([r["customer_id"] for r in rows])
    for row in rows:
        row["customer"] = names.get(row["customer_id"])
    return rows
