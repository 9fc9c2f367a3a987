"""Returns reads: what an order line may still return, the return list with its filters, lookup by
number or id, an order's returns, a return's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.returns.models import Return, ReturnLine, ReturnSettlement
from oms.returns.states import COUNTING
from oms.sales.models import SalesOrder, SalesOrderLine

QUANTUM = Decimal("0.0001")


def _q(value) -> Decimal:
    # SQLite returns sums of NUMERIC columns as floats; quantities have 4 places.
    return Decimal(str(value or 0)).quantize(QUANTUM)


def returned_quantities(*, order: SalesOrder) -> dict[int, Decimal]:
    """Per order line: what returns that are not rejected hold (requested, approved, received, closed)."""
    rows = (ReturnLine.objects.filter(rma__order=order, rma__status__in=COUNTING).values("order_line_id")
            .annotate(q=Sum("quantity")))
    return {row["order_line_id"]: _q(row["q"]) for row in rows}


def returnable_quantities(*, order: SalesOrder) -> dict[int, Decimal]:
    """Per order line: shipped (fulfilled) less what returns already hold. Callers that write hold
    the order row lock, so the answer cannot change before they commit."""
    returned = returned_quantities(order=order)
    return {line.pk: line.quantity_fulfilled - returned.get(line.pk, Decimal(0))
            for line in SalesOrderLine.objects.filter(order=order)}


@dataclass(frozen=True)
class ReturnFilter:
    status: str | None = None
    order: str | None = None
    customer: str | None = None
    reason: str | None = None
    resolution: str | None = None


def returns_full() -> QuerySet[Return]:
    return Return.objects.select_related("order", "customer", "exchange_order").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("id")),
        Prefetch("settlements", queryset=ReturnSettlement.objects.select_related("credit_note", "refund")))


def return_list(*, filters: ReturnFilter) -> QuerySet[Return]:
    qs = returns_full()
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.order:
        qs = qs.filter(order__number=f.order)
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.reason:
        qs = qs.filter(reason=f.reason)
    if f.resolution:
        qs = qs.filter(resolution=f.resolution)
    return qs


def return_get(*, ref: str | int) -> Return:
    """A return by its number or its id."""
    ref = str(ref)
    qs = returns_full()
    found = qs.filter(number=ref).first()
    if found is None and ref.isdigit():
        found = qs.filter(pk=int(ref)).first()
    if found is None:
        raise NotFound(f"No return {ref!r}", field="return")
    return found


def returns_for_order(*, order: SalesOrder) -> QuerySet[Return]:
    """An order's returns with their lines and settlements, oldest first (for the order's page and timeline)."""
    return returns_full().filter(order=order).order_by("id")


def return_timeline(*, rma: Return):
    return audit_for_object(object_type="returns.return", object_id=rma.pk)
