"""What every return service shares: the locks (in one order), the outbox event and audit record."""

from __future__ import annotations

from decimal import Decimal

from oms.core.models import OutboxEvent
from oms.core.services.audit import audit_record
from oms.core.services.events import event_build
from oms.returns.models import Return
from oms.returns.states import transition_check
from oms.sales.models import SalesOrder

AGGREGATE = "returns.return"


def text(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def lock_order(order: SalesOrder | int) -> SalesOrder:
    """The sales order row first, everywhere (as sales and shipping do): it serialises everything that
    counts an order's shipped and returned quantities."""
    pk = order.pk if isinstance(order, SalesOrder) else order
    return (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "warehouse")
            .get(pk=pk))


def locked(rma: Return) -> Return:
    """The order row, then the return row."""
    order = lock_order(rma.order_id)
    current = Return.objects.select_for_update(of=("self",)).get(pk=rma.pk)
    current.order = order
    return current


def move(rma: Return, to: str, extra: dict | None = None) -> dict:
    before = rma.status
    transition_check(before, to)
    rma.status = to
    return {"status": [before, to], **(extra or {})}


def record(rma: Return, action: str, changes: dict) -> None:
    """The outbox event and the audit record of one step, in the step's transaction."""
    payload = {**changes, "id": rma.pk, "number": rma.number, "order": rma.order.number,
               "customer": rma.order.customer.code, "status": rma.status}
    OutboxEvent.objects.bulk_create([event_build(event_type=action, aggregate_type=AGGREGATE, aggregate_id=rma.pk,
                                                 payload=payload)])
    audit_record(action=action, object_type=AGGREGATE, object_id=rma.pk, changes=changes)
