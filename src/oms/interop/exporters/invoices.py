"""Invoices, credit notes and debit notes in our own columns: one row per document with what is
still owed on it (the balance of its account: total + debit notes - credit notes - payments)."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.core.services.customfields import definitions_for
from oms.interop.exporters.base import Export, by_kind, by_status, created_between, one_per_object
from oms.interop.exporters.columns import Column, ExportRequest, address_columns, custom_columns, money
from oms.invoicing.models import Invoice
from oms.invoicing.selectors import exact, with_balance
from oms.invoicing.services.invoices import CUSTOM_TARGET


def _queryset(request: ExportRequest) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("customer", "sales_order", "original").order_by("pk")
    qs = by_kind(by_status(qs, request, Invoice.Status.values), request, Invoice.Kind.values)
    if request.customer:
        qs = qs.filter(customer__code=request.customer)
    return created_between(qs, request)


def _rows(queryset: QuerySet[Invoice], request: ExportRequest):
    return one_per_object(with_balance(queryset), request)


def _columns(request: ExportRequest) -> list[Column]:
    def amount(attr):
        return lambda i: money(getattr(i, attr), i.currency)

    return [
        Column("number", lambda i: i.number or ""),
        Column("kind", lambda i: i.kind),
        Column("status", lambda i: i.status),
        Column("customer_code", lambda i: i.customer.code),
        Column("customer_name", lambda i: i.customer.name),
        Column("currency", lambda i: i.currency),
        Column("sales_order", lambda i: i.sales_order.number if i.sales_order else ""),
        Column("adjusts_invoice", lambda i: (i.original.number or "") if i.original else ""),
        Column("reason", lambda i: i.reason),
        Column("issue_date", lambda i: i.issue_date),
        Column("due_date", lambda i: i.due_date),
        Column("payment_terms_days", lambda i: i.payment_terms_days),
        Column("prices_include_tax", lambda i: i.tax_inclusive),
        Column("subtotal", amount("subtotal")),
        Column("tax_total", amount("tax_total")),
        Column("withholding_total", amount("withholding_total")),
        Column("total", amount("total")),
        Column("paid", lambda i: money(exact(i.allocated), i.currency) if i.kind == Invoice.Kind.INVOICE else None),
        Column("balance", lambda i: money(exact(i.balance), i.currency) if i.kind == Invoice.Kind.INVOICE else None),
        Column("created_at", lambda i: i.created_at),
        Column("issued_at", lambda i: i.issued_at),
        Column("notes", lambda i: i.notes),
        *address_columns("billing", lambda i: i.billing_address),
        *custom_columns(definitions_for(CUSTOM_TARGET), lambda i: i.custom),
    ]


INVOICES = Export(entity="invoices", title="Invoices", model=Invoice, permission="invoicing.view_invoice",
                  filters=frozenset({"status", "kind", "customer", "created_from", "created_to"}),
                  queryset=_queryset, columns=_columns, rows=_rows)
