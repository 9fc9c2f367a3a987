"""The transactional outbox: events are rows written in the transaction that causes them.

A dispatcher (``oms outbox dispatch``, later a broker relay) reads undelivered rows in id order.
Side effects that must not happen for a rolled-back change (mail, files) go through ``after_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from oms.core.models import OutboxEvent
from oms.core.services.audit import AuditEntry, audit_rows, audit_seal_after_commit, jsonable
from oms.core.sqlbatch import Statement, insert_together

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = {}


def event_publish(*, event_type: str, aggregate_type: str, aggregate_id: object, payload: dict) -> OutboxEvent:
    return OutboxEvent.objects.create(event_type=event_type, aggregate_type=aggregate_type,
                                      aggregate_id=str(aggregate_id), payload=jsonable(payload))


def event_build(*, event_type: str, aggregate_type: str, aggregate_id: object, payload: dict) -> OutboxEvent:
    """An unsaved event, for services that insert several rows with one bulk_create."""
    return OutboxEvent(event_type=event_type, aggregate_type=aggregate_type, aggregate_id=str(aggregate_id),
                       payload=jsonable(payload))


def effects_write(*, events: list[OutboxEvent], entries: list[AuditEntry], rows: Sequence[Sequence[Model]] = (),
                  before: Sequence[Statement] = ()) -> None:
    """A service's last writes: its other new rows (``rows``, groups of one model each), its events
    and its audit records, after its pending UPDATEs (``before``): one statement on PostgreSQL
    (``sqlbatch``). The records are chained once the transaction commits."""
    insert_together(*rows, events, audit_rows(entries=entries), before=before)
    audit_seal_after_commit()


def after_commit(func: Callable[[], None]) -> None:
    transaction.on_commit(func)


def handler_register(event_type: str, handler: Handler) -> None:
    """Subscribe an in-process handler; '*' receives every event."""
    _handlers.setdefault(event_type, []).append(handler)


def outbox_dispatch(*, limit: int = 500) -> int:
    """Deliver pending events to in-process handlers in id order; returns how many were delivered."""
    delivered = 0
    with transaction.atomic():
        pending = list(OutboxEvent.objects.select_for_update(skip_locked=True)
                       .filter(delivered_at__isnull=True).order_by("id")[:limit])
        for event in pending:
            for handler in _handlers.get(event.event_type, []) + _handlers.get("*", []):
                handler(event)
            delivered += 1
        OutboxEvent.objects.filter(pk__in=[e.pk for e in pending]).update(delivered_at=timezone.now())
    return delivered
