"""The sales order lifecycle: one table of allowed transitions, checked by one function."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.errors import InvalidTransition


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("draft (quotation)")
    CONFIRMED = "confirmed", _("confirmed")
    ON_HOLD = "on_hold", _("on hold")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("partially fulfilled")
    FULFILLED = "fulfilled", _("fulfilled")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.ON_HOLD, S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.CONFIRMED, S.PARTIALLY_FULFILLED, S.CANCELLED}),
    S.PARTIALLY_FULFILLED: frozenset({S.ON_HOLD, S.FULFILLED}),
    S.FULFILLED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# States in which stock is held for the order, and in which its lines may still be edited.
RESERVING = frozenset({S.CONFIRMED, S.ON_HOLD, S.PARTIALLY_FULFILLED})
EDITABLE = frozenset({S.DRAFT, S.CONFIRMED, S.ON_HOLD})
OPEN = frozenset({S.CONFIRMED, S.ON_HOLD, S.PARTIALLY_FULFILLED})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind="sales order", from_state=str(from_state), to_state=str(to_state))
