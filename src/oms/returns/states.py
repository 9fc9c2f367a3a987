"""The return (RMA) lifecycle: one table of allowed transitions, checked by one function."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.errors import InvalidTransition


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    PARTIALLY_RECEIVED = "partially_received", _("partially received")
    REJECTED = "rejected", _("rejected")
    RECEIVED = "received", _("received")
    CLOSED = "closed", _("closed")


S = ReturnStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED}),
    # rejected here: withdrawn before the goods came back
    S.APPROVED: frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED, S.REJECTED}),
    # some goods are back (and in the ledger); each further receipt stays here until all are back
    S.PARTIALLY_RECEIVED: frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED}),
    S.RECEIVED: frozenset({S.CLOSED}),  # closed by a resolution (refund, store credit, exchange) or without one
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
}

# Returns whose quantities count against what an order line may still return (all but rejected ones).
COUNTING = frozenset({S.REQUESTED, S.APPROVED, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CLOSED})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind="return", from_state=str(from_state), to_state=str(to_state))
