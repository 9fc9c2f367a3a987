"""Which buttons the order work page shows: only the actions allowed in the order's current state.

Plain Python over the sales transition table (and the other modules' rules for shipping, invoicing
and payments), tested without a database. The services check everything again when a button is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from oms.sales.states import OrderStatus, can_transition

S = OrderStatus
# The shipping module ships confirmed and partly shipped orders only (not held ones).
SHIPPABLE = frozenset({S.CONFIRMED, S.PARTIALLY_FULFILLED})
INVOICEABLE = frozenset({S.CONFIRMED, S.PARTIALLY_FULFILLED, S.FULFILLED, S.COMPLETED})
# The order the buttons appear in: the usual next step first, destructive ones last.
ORDER = ("confirm", "release", "ship", "invoice", "pay", "complete", "hold", "cancel")


@dataclass(frozen=True)
class OrderFacts:
    """What the page knows about an order besides its status."""

    status: str
    shipping: bool = False  # the shipping module is enabled
    invoicing: bool = False
    payments: bool = False
    open_to_ship: bool = False  # some quantity is neither shipped nor on a pending shipment
    left_to_invoice: bool = False
    unpaid_invoice: bool = False  # an issued invoice of the order has something left to pay


def order_actions(facts: OrderFacts) -> list[str]:
    """The actions allowed now, in display order."""
    status = facts.status
    allowed = set()
    if status == S.DRAFT and can_transition(status, S.CONFIRMED):
        allowed.add("confirm")
    if status == S.ON_HOLD:
        allowed.add("release")
    if status != S.ON_HOLD and can_transition(status, S.ON_HOLD):
        allowed.add("hold")
    if can_transition(status, S.CANCELLED):
        allowed.add("cancel")
    if can_transition(status, S.COMPLETED):
        allowed.add("complete")
    if facts.shipping and status in SHIPPABLE and facts.open_to_ship:
        allowed.add("ship")
    if facts.invoicing and status in INVOICEABLE and facts.left_to_invoice:
        allowed.add("invoice")
    if facts.payments and facts.unpaid_invoice:
        allowed.add("pay")
    return [name for name in ORDER if name in allowed]
