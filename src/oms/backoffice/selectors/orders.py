"""The order work page: the order, its documents from the other modules, one merged timeline, the actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, QuerySet

from oms.backoffice.actions import OrderFacts, order_actions
from oms.core.errors import NotFound
from oms.core.models import AuditRecord
from oms.sales.models import SalesOrder
from oms.sales.selectors import orders_with_lines

if apps.is_installed("oms.shipping"):
    from oms.shipping.models import Shipment
    from oms.shipping.selectors import shipments_with_lines
    from oms.shipping.services import open_quantities
    from oms.shipping.states import PENDING as PENDING_SHIPMENTS
if apps.is_installed("oms.invoicing"):
    from oms.invoicing.models import Invoice
    from oms.invoicing.selectors import QUANTUM, invoiced_quantities, invoicing_settings, with_balance
    from oms.invoicing.states import OPEN as OPEN_INVOICES
if apps.is_installed("oms.payments"):
    from oms.payments.models import Allocation, Payment
if apps.is_installed("oms.returns"):
    from oms.returns.selectors import returns_for_order

TIMELINE_LIMIT = 300


def order_find(*, ref: str) -> SalesOrder:
    """An order by number (any case) or by id, with customer, warehouse and lines."""
    qs = orders_with_lines()
    order = qs.filter(number=ref).first() or qs.filter(number=ref.upper()).first()
    if order is None and ref.isdigit():
        order = qs.filter(pk=int(ref)).first()
    if order is None:
        raise NotFound(f"No order {ref!r}", field="order")
    return order


@dataclass
class OrderDocuments:
    shipments: list = field(default_factory=list)
    invoices: list = field(default_factory=list)  # invoices and their notes, with ``balance``
    payments: list = field(default_factory=list)  # (payment, amount allocated to this order's invoices)
    returns: list = field(default_factory=list)


def _invoices_of(order: SalesOrder) -> QuerySet[Invoice]:
    """The order's invoices and the notes on them. The notes are found by the ids of the order's own
    invoices, so that both conditions read an index: one OR across the join to the original invoice
    made PostgreSQL scan every invoice (0.9 s per order page at a million invoices)."""
    own = list(Invoice.objects.filter(sales_order=order).values_list("pk", flat=True))
    return Invoice.objects.filter(Q(sales_order=order) | Q(original_id__in=own))


def order_documents(order: SalesOrder) -> OrderDocuments:
    docs = OrderDocuments()
    if apps.is_installed("oms.shipping"):
        docs.shipments = list(shipments_with_lines().filter(order=order).order_by("id"))
    if apps.is_installed("oms.invoicing"):
        docs.invoices = list(with_balance(_invoices_of(order).select_related("original")).order_by("id"))
    if apps.is_installed("oms.payments") and docs.invoices:
        paid: dict[int, Decimal] = {}
        payments: dict[int, Payment] = {}
        for row in Allocation.objects.filter(invoice__in=[i.pk for i in docs.invoices]).select_related("payment"):
            paid[row.payment_id] = paid.get(row.payment_id, Decimal(0)) + row.amount
            payments[row.payment_id] = row.payment
        docs.payments = [(payments[pk], paid[pk]) for pk in sorted(payments)]
    if apps.is_installed("oms.returns"):
        docs.returns = list(returns_for_order(order=order))
    return docs


def _left_to_invoice(order: SalesOrder) -> bool:
    policy = invoicing_settings().invoice_policy
    done = invoiced_quantities(order_id=order.pk)
    for line in order.lines.all():
        cap = line.quantity_fulfilled if policy == "fulfilled" else line.quantity
        if cap - done.get(line.pk, (Decimal(0), Decimal(0)))[0] > 0:
            return True
    return False


def order_facts(order: SalesOrder, docs: OrderDocuments) -> OrderFacts:
    shipping, invoicing = apps.is_installed("oms.shipping"), apps.is_installed("oms.invoicing")
    return OrderFacts(
        status=order.status, shipping=shipping, invoicing=invoicing, payments=apps.is_installed("oms.payments"),
        open_to_ship=shipping and any(q > 0 for q in open_quantities(order).values()),
        left_to_invoice=invoicing and _left_to_invoice(order),
        unpaid_invoice=invoicing and any(unpaid_invoices(docs)))


def unpaid_invoices(docs: OrderDocuments) -> list:
    return [i for i in docs.invoices if i.kind == "invoice" and i.status in OPEN_INVOICES and i.balance >= QUANTUM]


def pending_shipments(docs: OrderDocuments) -> list:
    return [s for s in docs.shipments if s.status in PENDING_SHIPMENTS]


def allowed_actions(order: SalesOrder, docs: OrderDocuments) -> list[str]:
    return order_actions(order_facts(order, docs))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # order, shipment, invoice, payment, return
    document: str
    action: str
    actor: str
    details: str


SOURCES = {"sales.order": "order", "shipping.shipment": "shipment", "invoicing.invoice": "invoice",
           "payments.payment": "payment", "returns.return": "return"}


def _value(value) -> str:
    """A change as an operator reads it: [before, after] pairs as "before → after"."""
    if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, (list, dict)) for v in value):
        return f"{value[0] if value[0] not in (None, '') else '—'} → {value[1] if value[1] not in (None, '') else '—'}"
    return str(value)


def _details(changes: dict) -> str:
    text = ", ".join(f"{k}: {_value(v)}" for k, v in changes.items()
                     if k not in ("lines", "number") and v not in (None, "", [], {}))
    return text if len(text) <= 240 else text[:239] + "…"


def order_timeline(order: SalesOrder, docs: OrderDocuments, extra: dict[str, dict[str, str]] | None = None
                   ) -> list[TimelineEntry]:
    """The audit records of the order and of its shipments, invoices (and notes), payments and returns,
    merged by time. ``extra`` adds other modules' objects: {object_type: {object_id: label}}."""
    wanted: dict[str, dict[str, str]] = {"sales.order": {order.number: order.number}}
    wanted["shipping.shipment"] = {str(s.pk): str(s) for s in docs.shipments}
    wanted["invoicing.invoice"] = {str(i.pk): str(i) for i in docs.invoices}
    wanted["payments.payment"] = {p.number: p.number for p, _ in docs.payments}
    wanted["returns.return"] = {str(r.pk): r.number for r in docs.returns}
    for object_type, ids in (extra or {}).items():
        wanted.setdefault(object_type, {}).update(ids)
    match = Q(pk__in=[])
    for object_type, ids in wanted.items():
        if ids:
            match |= Q(object_type=object_type, object_id__in=list(ids))
    records: QuerySet[AuditRecord] = AuditRecord.objects.filter(match).order_by("created_at", "id")
    return [TimelineEntry(at=r.created_at, source=SOURCES.get(r.object_type, r.object_type),
                          document=wanted[r.object_type].get(r.object_id, r.object_id), action=r.action,
                          actor=r.actor_label, details=_details(r.changes))
            for r in records[:TIMELINE_LIMIT]]


def shipment_of(order: SalesOrder, shipment_id: int):
    shipment = Shipment.objects.filter(order=order, pk=shipment_id).first()
    if shipment is None:
        raise NotFound(f"Order {order.number} has no shipment {shipment_id}", field="shipment")
    return shipment


def invoice_of(order: SalesOrder, invoice_id: int):
    invoice = with_balance(_invoices_of(order).select_related("customer", "original")).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(f"Order {order.number} has no invoice {invoice_id}", field="invoice")
    return invoice
