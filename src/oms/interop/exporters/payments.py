"""Payments and refunds in our own columns: one row per payment, with what is allocated to which
invoices and what is left unallocated (the customer's credit)."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.interop.exporters.base import Export, by_kind, by_status, created_between, with_children
from oms.interop.exporters.columns import Column, ExportRequest, money
from oms.payments.models import Allocation, Payment
from oms.payments.selectors import exact, with_unallocated


def _queryset(request: ExportRequest) -> QuerySet[Payment]:
    qs = Payment.objects.select_related("customer", "refund_of", "credit_note").order_by("pk")
    qs = by_kind(by_status(qs, request, Payment.Status.values), request, Payment.Kind.values)
    if request.customer:
        qs = qs.filter(customer__code=request.customer)
    return created_between(qs, request)


def _rows(queryset: QuerySet[Payment], request: ExportRequest):
    return with_children(with_unallocated(queryset), parent_field="payment_id", attr="export_allocations",
                         children=lambda ids: Allocation.objects.filter(payment_id__in=ids).select_related("invoice"))


def _allocations(payment: Payment) -> str:
    """``INV-2026-00001=500.00; ...`` in allocation order (reversals appear as negative amounts)."""
    rows = sorted(payment.export_allocations, key=lambda a: a.pk)
    return "; ".join(f"{a.invoice.number or a.invoice_id}={money(a.amount, payment.currency)}" for a in rows)


def _columns(request: ExportRequest) -> list[Column]:
    return [
        Column("number", lambda p: p.number),
        Column("kind", lambda p: p.kind),
        Column("status", lambda p: p.status),
        Column("side", lambda p: getattr(p, "side", "")),
        Column("customer_code", lambda p: p.customer.code),
        Column("customer_name", lambda p: p.customer.name),
        Column("currency", lambda p: p.currency),
        Column("amount", lambda p: money(p.amount, p.currency)),
        Column("method", lambda p: p.method),
        Column("received_on", lambda p: p.received_on),
        Column("reference", lambda p: p.reference),
        Column("provider", lambda p: p.provider),
        Column("provider_reference", lambda p: p.provider_reference),
        Column("refund_of", lambda p: p.refund_of.number if p.refund_of else ""),
        Column("credit_note", lambda p: (p.credit_note.number or "") if p.credit_note else ""),
        Column("allocated", lambda p: money(exact(p.allocated_total), p.currency)),
        Column("unallocated", lambda p: money(exact(p.unallocated), p.currency)),
        Column("allocations", _allocations),
        Column("notes", lambda p: p.notes),
        Column("created_at", lambda p: p.created_at),
    ]


PAYMENTS = Export(entity="payments", title="Payments", model=Payment, permission="payments.view_payment",
                  filters=frozenset({"status", "kind", "customer", "created_from", "created_to"}),
                  queryset=_queryset, columns=_columns, rows=_rows)
