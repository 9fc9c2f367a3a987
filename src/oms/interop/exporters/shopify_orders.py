"""Sales orders in the columns of Shopify's orders export (79 columns), the shape other shop
platforms and order tools read: the first row of an order carries the order's columns, the next
rows only its name, date and line item columns.

Financial status comes from the order's invoices (when invoicing is enabled): every issued invoice
paid is ``paid``, some payment is ``partially_paid``, none is ``pending``; a cancelled order is
``voided``. Taxes are summed per rate into ``Tax 1..5``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from oms.interop.exporters.base import Export
from oms.interop.exporters.columns import Column, ExportRequest, csv_text, money, number
from oms.interop.exporters.orders import order_chunks, orders_queryset
from oms.sales.models import SalesOrder
from oms.sales.states import OrderStatus

if apps.is_installed("oms.invoicing"):
    from oms.invoicing.models import Invoice

HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,"
    "Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")
SHOPIFY_TIME = "%Y-%m-%d %H:%M:%S %z"


def shopify_time(value) -> str:
    return timezone.localtime(value).strftime(SHOPIFY_TIME) if value else ""


def _address(prefix: str, address: dict | None) -> dict[str, str]:
    a = address or {}
    street = ", ".join(part for part in (a.get("line1", ""), a.get("line2", "")) if part)
    return {f"{prefix} Name": a.get("name", ""), f"{prefix} Street": street, f"{prefix} Address1": a.get("line1", ""),
            f"{prefix} Address2": a.get("line2", ""), f"{prefix} City": a.get("city", ""),
            f"{prefix} Zip": a.get("postal_code", ""), f"{prefix} Province": a.get("region", ""),
            f"{prefix} Country": a.get("country", ""), f"{prefix} Province Name": a.get("region", "")}


def _financial_status(order: SalesOrder, invoice_statuses: list[str]) -> str:
    if order.status == OrderStatus.CANCELLED:
        return "voided"
    if invoice_statuses and all(s == "paid" for s in invoice_statuses):
        return "paid"
    if any(s in ("paid", "partially_paid") for s in invoice_statuses):
        return "partially_paid"
    return "pending"


def _fulfillment_status(lines) -> str:
    done = [line.quantity_fulfilled >= line.quantity for line in lines]
    if lines and all(done):
        return "fulfilled"
    return "partial" if any(line.quantity_fulfilled > 0 for line in lines) else "unfulfilled"


def _invoice_statuses(order_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not apps.is_installed("oms.invoicing"):
        return found
    rows = (Invoice.objects.filter(sales_order_id__in=order_ids, kind=Invoice.Kind.INVOICE)
            .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.CANCELLED])
            .values_list("sales_order_id", "status"))
    for order_id, status in rows:
        found[order_id].append(status)
    return found


def _taxes(order: SalesOrder, lines) -> dict[str, str]:
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.line_tax:
            by_rate[line.tax_rate] += line.line_tax
    cells = {}
    for n, rate in enumerate(sorted(by_rate)[:5], start=1):
        cells[f"Tax {n} Name"] = f"Tax {csv_text(number(rate))}%"
        cells[f"Tax {n} Value"] = csv_text(money(by_rate[rate], order.currency))
    return cells


def _is_service(line) -> bool:
    return line.product is not None and line.product.product_type == "service"


def _order_rows(order: SalesOrder, lines: list, invoice_statuses: list[str]) -> Iterator[dict]:
    cur = order.currency
    head = {
        "Name": order.number, "Email": order.customer.email,
        "Financial Status": _financial_status(order, invoice_statuses),
        "Fulfillment Status": _fulfillment_status(lines), "Accepts Marketing": "no", "Currency": cur,
        "Subtotal": csv_text(money(order.subtotal, cur)), "Shipping": csv_text(money(Decimal(0), cur)),
        "Taxes": csv_text(money(order.tax_total, cur)), "Total": csv_text(money(order.total, cur)),
        "Discount Amount": csv_text(money(order.discount_total, cur)),
        **_address("Billing", order.billing_address), **_address("Shipping", order.shipping_address),
        "Notes": order.notes, "Cancelled at": shopify_time(order.updated_at) if order.status == OrderStatus.CANCELLED
        else "", "Refunded Amount": csv_text(money(Decimal(0), cur)), "Location": order.warehouse.name,
        "Id": str(order.pk), "Source": order.channel, "Phone": order.customer.phone, **_taxes(order, lines),
    }
    created = shopify_time(order.created_at)
    if not lines:
        yield {**head, "Created at": created}
    for index, line in enumerate(lines):
        row = dict(head) if index == 0 else {"Name": order.number}
        row.update({
            "Created at": created, "Lineitem quantity": csv_text(number(line.quantity)),
            "Lineitem name": line.description, "Lineitem price": csv_text(money(line.unit_price, cur)),
            "Lineitem sku": line.sku, "Lineitem requires shipping": "false" if _is_service(line) else "true",
            "Lineitem taxable": "true" if line.tax_rate else "false",
            "Lineitem fulfillment status": "fulfilled" if line.quantity_fulfilled >= line.quantity else "pending",
            "Lineitem discount": csv_text(money(line.line_discount, cur)),
        })
        yield row


def _rows(queryset: QuerySet[SalesOrder], request: ExportRequest) -> Iterator[dict]:
    for chunk in order_chunks(queryset, with_products=True):
        statuses = _invoice_statuses([order.pk for order, _ in chunk])
        for order, lines in chunk:
            yield from _order_rows(order, lines, statuses.get(order.pk, []))


def _columns(request: ExportRequest) -> list[Column]:
    return [Column(name, lambda row, name=name: row.get(name, "")) for name in HEADER]


SHOPIFY_ORDERS = Export(entity="orders", title="Sales orders (Shopify orders export CSV)", model=SalesOrder,
                        permission="sales.view_salesorder",
                        filters=frozenset({"status", "customer", "channel", "created_from", "created_to"}),
                        queryset=orders_queryset, columns=_columns, rows=_rows)
