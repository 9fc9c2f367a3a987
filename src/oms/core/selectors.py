"""Reads for the core module."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.core.models import AuditRecord, OutboxEvent


def audit_for_object(*, object_type: str, object_id: object) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("id")


def audit_records(*, object_type: str | None = None, object_id: str | None = None,
                  action: str | None = None) -> QuerySet[AuditRecord]:
    qs = AuditRecord.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return qs


def outbox_pending() -> QuerySet[OutboxEvent]:
    return OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id")
