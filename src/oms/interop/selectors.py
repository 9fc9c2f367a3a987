"""Interop reads: from one imported order to the audit records (and import jobs) that wrote it.

Imported orders are audited one record per batch (``order.import_batch``), each listing the
numbers of the orders it created or updated and naming its import job and file under
``origin``: a record per order would cost more than the import itself. An auditor holding one
order finds its records here.
"""

from __future__ import annotations

from dataclasses import dataclass

from oms.core.models import AuditRecord
from oms.interop.models import ImportJob
from oms.sales.importing import IMPORT_BATCH_ACTION
from oms.sales.models import SalesOrder


@dataclass(frozen=True)
class OrderImportRecord:
    audit: AuditRecord  # the batch record, sealed into the hash chain like any other
    action: str  # created or updated
    snapshot: dict  # what the record says about this order: number, status, currency, total, external_ref
    job: ImportJob | None  # the import job named by the record (None for records without an origin)


def import_records_for_order(*, order: SalesOrder) -> list[OrderImportRecord]:
    """Every import batch record that created or updated ``order``, oldest first.

    The database narrows the batch records to those whose text holds the order number (ASCII
    numbers are stored verbatim by every backend; others are checked on all batch records); the
    lists are then read exactly, so "#100" never matches "#1001"."""
    candidates = AuditRecord.objects.filter(action=IMPORT_BATCH_ACTION, object_type="sales.order")
    if order.number.isascii():
        candidates = candidates.filter(changes__icontains=order.number)
    found = []
    for record in candidates.order_by("id").iterator(chunk_size=50):
        for action in ("created", "updated"):
            snapshot = next((o for o in record.changes.get(action, []) if o.get("number") == order.number), None)
            if snapshot is not None:
                found.append((record, action, snapshot))
    job_ids = {(r.changes.get("origin") or {}).get("import_job") for r, _, _ in found}
    jobs = ImportJob.objects.in_bulk([pk for pk in job_ids if isinstance(pk, int)])
    return [OrderImportRecord(audit=record, action=action, snapshot=snapshot,
                              job=jobs.get((record.changes.get("origin") or {}).get("import_job")))
            for record, action, snapshot in found]
