"""Demo data of the returns module, loaded by ``oms demo`` through the module's services (after the
demo's shipping and payments parts)."""

from __future__ import annotations

from oms.returns.models import Resolution, ReturnReason
from oms.returns.services import (
    Inspection, ReturnLineSpec, return_approve, return_create, return_receive, return_resolve,
)
from oms.sales.models import SalesOrder


def returns_demo_load() -> str:
    """Maya sends back one of the two T-shirts of her delivered point-of-sale order (the colour is not
    what the photo showed): the return is approved, received back into stock and refunded (a
    credit note and a bank transfer)."""
    order = SalesOrder.objects.filter(channel="pos", customer__code="C0003", status="fulfilled").first()
    if order is None:  # the shipping part of the demo did not run
        return "no returns demo data (no delivered order)"
    line = order.lines.order_by("position").first()
    rma = return_create(order=order, reason=ReturnReason.NOT_AS_DESCRIBED, notes="Colour differs from the photo",
                        lines=[ReturnLineSpec(line_id=line.pk, quantity="1")])
    return_receive(rma=return_approve(rma=rma), inspection=[Inspection(line_id=line.pk, restock="1")])
    return_resolve(rma=rma, resolution=Resolution.REFUND)
    return "1 return (received back into stock and refunded)"
