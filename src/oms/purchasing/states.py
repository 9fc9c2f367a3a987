"""The purchase order and supplier bill lifecycles: one table of allowed transitions each, checked by one function."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.errors import InvalidTransition


class POStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent to the supplier")
    PARTIALLY_RECEIVED = "partially_received", _("partially received")
    RECEIVED = "received", _("received")
    BILLED = "billed", _("billed")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


P = POStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    P.DRAFT: frozenset({P.SENT, P.CANCELLED}),
    P.SENT: frozenset({P.PARTIALLY_RECEIVED, P.RECEIVED, P.CANCELLED}),
    # A partially received order can be closed short: the rest will not come.
    P.PARTIALLY_RECEIVED: frozenset({P.RECEIVED, P.CLOSED}),
    P.RECEIVED: frozenset({P.BILLED}),
    # back to received when a bill is cancelled and not everything received is billed any more
    P.BILLED: frozenset({P.CLOSED, P.RECEIVED}),
    P.CLOSED: frozenset(),
    P.CANCELLED: frozenset(),
}

# Orders whose open quantities are still expected (replenishment counts them as incoming).
INCOMING = frozenset({P.DRAFT, P.SENT, P.PARTIALLY_RECEIVED})
RECEIVABLE = frozenset({P.SENT, P.PARTIALLY_RECEIVED})
BILLABLE = frozenset({P.SENT, P.PARTIALLY_RECEIVED, P.RECEIVED, P.BILLED})


class BillStatus(models.TextChoices):
    ON_HOLD = "on_hold", _("on hold (match differences)")
    OPEN = "open", _("approved, to pay")
    PARTIALLY_PAID = "partially_paid", _("partially paid")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


B = BillStatus

BILL_TRANSITIONS: dict[str, frozenset[str]] = {
    # A held bill is released when a correction clears its differences, or by hand with a reason.
    # Cancelled only while nothing is paid on it (entered by mistake, or replaced by the supplier).
    B.ON_HOLD: frozenset({B.OPEN, B.CANCELLED}),
    B.OPEN: frozenset({B.PARTIALLY_PAID, B.PAID, B.CANCELLED}),
    B.PARTIALLY_PAID: frozenset({B.PAID}),
    B.PAID: frozenset(),
    B.CANCELLED: frozenset(),
}

PAYABLE = frozenset({B.OPEN, B.PARTIALLY_PAID})
UNPAID = frozenset({B.ON_HOLD, B.OPEN, B.PARTIALLY_PAID})


def can_transition(from_state: str, to_state: str, table: dict[str, frozenset[str]] = TRANSITIONS) -> bool:
    return to_state in table.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind="purchase order", from_state=str(from_state), to_state=str(to_state))


def bill_transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state, BILL_TRANSITIONS):
        raise InvalidTransition(kind="supplier bill", from_state=str(from_state), to_state=str(to_state))
