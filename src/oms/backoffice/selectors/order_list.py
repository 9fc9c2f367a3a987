"""The back-office order list: filters an operator uses all day, newest first, paged by id (no count)."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet

from oms.backoffice.selectors.dashboard import TO_SHIP, orders_to_invoice
from oms.sales.models import SalesOrder
from oms.sales.states import OrderStatus

S = OrderStatus
QUEUES = {"to_confirm": [S.DRAFT], "on_hold": [S.ON_HOLD], "to_ship": list(TO_SHIP)}
PAGE_SIZE = 50


@dataclass(frozen=True)
class ListFilter:
    status: str = ""
    channel: str = ""
    customer: str = ""  # customer code
    queue: str = ""  # to_confirm, on_hold, to_ship, to_invoice
    before: int | None = None  # the id after which the page starts (keyset pagination)


def order_page(*, filters: ListFilter, size: int = PAGE_SIZE) -> tuple[list[SalesOrder], int | None]:
    """One page of orders and the cursor of the next page (None on the last one).

    Keyset pagination on the primary key: page 20,000 costs what page 1 costs, and no COUNT(*) over
    a million rows is ever run."""
    f = filters
    qs: QuerySet[SalesOrder]
    if f.queue == "to_invoice" and apps.is_installed("oms.invoicing"):
        qs = orders_to_invoice()
    elif f.queue in QUEUES:
        qs = SalesOrder.objects.filter(status__in=QUEUES[f.queue])
    else:
        qs = SalesOrder.objects.all()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.before:
        qs = qs.filter(id__lt=f.before)
    rows = list(qs.select_related("customer").order_by("-id")[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more else None)
