"""The invoice lifecycle: one table of allowed transitions, checked by one function.

draft -> issued (number, dates and totals frozen) or cancelled (only a draft can be cancelled: an
issued document is corrected by a credit note). Once issued, the status follows what is left to
pay: issued -> partially_paid -> paid, and back when a payment allocation is reversed or a debit
note adds to what is owed. Credit and debit notes are issued when created and stay ``issued``: what
is owed on them is tracked on the invoice they adjust.
"""

from __future__ import annotations

from oms.core.errors import InvalidTransition
from oms.invoicing.models import Invoice

S = Invoice.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.ISSUED, S.CANCELLED}),
    S.ISSUED: frozenset({S.PARTIALLY_PAID, S.PAID}),
    S.PARTIALLY_PAID: frozenset({S.ISSUED, S.PAID}),
    S.PAID: frozenset({S.ISSUED, S.PARTIALLY_PAID}),
    S.CANCELLED: frozenset(),
}

# Issued documents: numbered, frozen, counted in balances.
ISSUED = frozenset({S.ISSUED, S.PARTIALLY_PAID, S.PAID})
# Issued documents with something still to pay.
OPEN = frozenset({S.ISSUED, S.PARTIALLY_PAID})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str, *, kind: str = "invoice") -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind=kind.replace("_", " "), from_state=str(from_state), to_state=str(to_state))


def payment_status(*, balance, allocated, adjusted_total) -> str:
    """The status an issued invoice should have: ``paid`` when nothing is left to pay (by payments,
    credit notes or both), ``partially_paid`` when payments were allocated and something is left,
    else ``issued``. ``adjusted_total`` is the total with debit and credit notes."""
    if balance <= 0:
        return S.PAID
    if allocated > 0 and balance < adjusted_total:
        return S.PARTIALLY_PAID
    return S.ISSUED
