"""Sales orders with their lines in our own columns: one row per line, every row carrying its
order's columns too (so each row stands alone in a spreadsheet); an order without lines is one row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet

from oms.core.errors import DomainError
from oms.interop.exporters.base import Export, by_status, created_between
from oms.interop.exporters.columns import Column, ExportRequest, address_columns, money, number
from oms.sales.models import Channel, SalesOrder, SalesOrderLine
from oms.sales.states import OrderStatus


# Orders are read this many at a time with their lines (an order and its lines take a few kB).
ORDER_CHUNK = 500


def orders_queryset(request: ExportRequest) -> QuerySet[SalesOrder]:
    qs = SalesOrder.objects.select_related("customer", "warehouse").order_by("pk")
    qs = by_status(qs, request, OrderStatus.values)
    if request.customer:
        qs = qs.filter(customer__code=request.customer)
    if request.channel:
        if request.channel not in Channel.values:
            raise DomainError(f"Unknown channel {request.channel!r}; channels: {', '.join(Channel.values)}",
                              field="channel", code="invalid_filter")
        qs = qs.filter(channel=request.channel)
    return created_between(qs, request)


def _with_lines(orders: list[SalesOrder], with_products: bool) -> list[tuple[SalesOrder, list[SalesOrderLine]]]:
    lines: dict[int, list[SalesOrderLine]] = defaultdict(list)
    found = SalesOrderLine.objects.filter(order_id__in=[o.pk for o in orders]).order_by("order_id", "position", "pk")
    for line in found.select_related("product") if with_products else found:
        lines[line.order_id].append(line)
    return [(order, lines.get(order.pk, [])) for order in orders]


def order_chunks(queryset: QuerySet[SalesOrder], *, with_products: bool = False):
    """Orders with their lines, ``ORDER_CHUNK`` orders at a time (one query for their lines).

    Lines are grouped by hand rather than with prefetch_related, whose back-references (line to
    order) make reference cycles that only the garbage collector frees, so several chunks would
    pile up in memory before it runs."""
    chunk: list[SalesOrder] = []
    for order in queryset.iterator(chunk_size=ORDER_CHUNK):
        chunk.append(order)
        if len(chunk) >= ORDER_CHUNK:
            yield _with_lines(chunk, with_products)
            chunk = []
    if chunk:
        yield _with_lines(chunk, with_products)


def order_lines(queryset: QuerySet[SalesOrder],
                request: ExportRequest) -> Iterator[tuple[SalesOrder, SalesOrderLine | None]]:
    for chunk in order_chunks(queryset):
        for order, lines in chunk:
            if not lines:
                yield order, None
            for line in lines:
                yield order, line


def _line(attr: str, kind: str = "text"):
    def get(row):
        order, line = row
        if line is None:
            return None
        value = getattr(line, attr)
        if kind == "money":
            return money(value, order.currency)
        return number(value) if kind == "number" else value
    return get


def _columns(request: ExportRequest) -> list[Column]:
    def order(get):
        return lambda row: get(row[0])

    def amount(attr):
        return lambda row: money(getattr(row[0], attr), row[0].currency)

    return [
        Column("number", order(lambda o: o.number)),
        Column("status", order(lambda o: o.status)),
        Column("created_at", order(lambda o: o.created_at)),
        Column("confirmed_at", order(lambda o: o.confirmed_at)),
        Column("customer_code", order(lambda o: o.customer.code)),
        Column("customer_name", order(lambda o: o.customer.name)),
        Column("customer_email", order(lambda o: o.customer.email)),
        Column("currency", order(lambda o: o.currency)),
        Column("channel", order(lambda o: o.channel)),
        Column("external_ref", order(lambda o: o.external_ref)),
        Column("warehouse", order(lambda o: o.warehouse.code)),
        Column("prices_include_tax", order(lambda o: o.tax_inclusive)),
        Column("subtotal", amount("subtotal")),
        Column("discount_total", amount("discount_total")),
        Column("tax_total", amount("tax_total")),
        Column("total", amount("total")),
        Column("hold_reason", order(lambda o: o.hold_reason)),
        Column("notes", order(lambda o: o.notes)),
        *address_columns("billing", lambda row: row[0].billing_address),
        *address_columns("shipping", lambda row: row[0].shipping_address),
        Column("line_position", _line("position")),
        Column("line_sku", _line("sku")),
        Column("line_description", _line("description")),
        Column("line_quantity", _line("quantity", "number")),
        Column("line_unit_price", _line("unit_price", "money")),
        Column("line_discount_percent", _line("discount_percent", "number")),
        Column("line_discount_amount", _line("discount_amount", "money")),
        Column("line_tax_rate", _line("tax_rate", "number")),
        Column("line_discount", _line("line_discount", "money")),
        Column("line_tax", _line("line_tax", "money")),
        Column("line_total", _line("line_total", "money")),
        Column("line_quantity_fulfilled", _line("quantity_fulfilled", "number")),
    ]


ORDERS = Export(entity="orders", title="Sales orders", model=SalesOrder, permission="sales.view_salesorder",
                filters=frozenset({"status", "customer", "channel", "created_from", "created_to"}),
                queryset=orders_queryset, columns=_columns, rows=order_lines)
