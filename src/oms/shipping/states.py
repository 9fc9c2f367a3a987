"""The shipment lifecycle: one table of allowed transitions, checked by one function."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.errors import InvalidTransition


class ShipmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PACKED = "packed", _("packed")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


S = ShipmentStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PACKED, S.SHIPPED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Shipments whose quantities are promised but not yet recorded as fulfilled on the order.
PENDING = frozenset({S.DRAFT, S.PACKED})


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def transition_check(from_state: str, to_state: str) -> None:
    if not can_transition(from_state, to_state):
        raise InvalidTransition(kind="shipment", from_state=str(from_state), to_state=str(to_state))
