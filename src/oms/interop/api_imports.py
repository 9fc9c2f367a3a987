"""Interop API: imports. Upload a file with its format (and dry_run), get a job with its progress,
counts, preview and the link to its error report (CSV: file, line, column, reason)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.http import StreamingHttpResponse
from django.urls import reverse
from ninja import File, Form, Header, Router, Schema
from ninja.files import UploadedFile

from oms.core.apikit import idempotent, require_perm
from oms.core.errors import DomainError, NotFound
from oms.interop.models import ImportFormat, ImportJob
from oms.interop.selectors import import_records_for_order
from oms.interop.services_imports import import_errors_csv, import_job_create, import_job_run
from oms.sales.models import SalesOrder

router = Router(tags=["interop"])
INLINE_MAX_BYTES = 20 * 1024 * 1024  # larger files are queued for `oms import --queued`


class ImportOut(Schema):
    id: int
    format: str
    file_name: str
    dry_run: bool
    currency: str
    status: str
    message: str
    progress_percent: int
    records_seen: int
    created: int
    updated: int
    unchanged: int
    errors: int
    warnings: int
    checkpoint_line: int
    preview: list[dict]
    errors_url: str
    created_at: datetime
    finished_at: datetime | None


class OrderImportRecordOut(Schema):
    audit_id: int
    audit_seq: int | None
    recorded_at: datetime
    actor: str
    action: str
    order: dict
    import_job: int | None
    file_name: str
    file_sha256: str


def _out(job: ImportJob) -> dict:
    return {
        "id": job.pk, "format": job.format, "file_name": job.file_name, "dry_run": job.dry_run,
        "currency": job.currency, "status": job.status, "message": job.message,
        "progress_percent": job.progress_percent, "records_seen": job.records_seen,
        "created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
        "errors": job.error_count, "warnings": job.warning_count, "checkpoint_line": job.checkpoint_line,
        "preview": job.preview, "errors_url": reverse("api-v1:imports_errors", kwargs={"job_id": job.pk}),
        "created_at": job.created_at, "finished_at": job.finished_at,
    }


def _job(job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"No import {job_id}", field="id")
    return job


@router.post("/imports", response={201: ImportOut, 202: ImportOut})
def imports_create(request, file: File[UploadedFile], format: Form[ImportFormat],
                   dry_run: Form[bool] = False, currency: Form[str] = "",
                   idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Upload a CSV. Files up to 20 MB are imported at once (201); larger ones are queued (202) and
    run by `oms import --queued`; poll GET /imports/{id} for progress either way."""
    require_perm(request, "interop.add_importjob")
    if not file.size:
        raise DomainError("The file is empty", field="file", code="empty_file")
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)

    def action():
        job = import_job_create(upload=file.chunks(), file_name=file.name or "upload.csv", format=format,
                                dry_run=dry_run, currency=currency, user=request.user)
        if job.file_size > INLINE_MAX_BYTES:
            return 202, ImportOut(**_out(job)).dict()
        return 201, ImportOut(**_out(import_job_run(job=job))).dict()

    body = {"format": format, "dry_run": dry_run, "currency": currency, "file": digest.hexdigest()}
    return idempotent(request, key=idempotency_key, body=body, action=action)


@router.get("/imports/audit", response=list[OrderImportRecordOut])
def imports_audit_for_order(request, order: str):
    """The import batch audit records that created or updated one order (by its number), oldest
    first, each with the import job and file it came from."""
    require_perm(request, "core.view_auditrecord")
    require_perm(request, "sales.view_salesorder")
    found = SalesOrder.objects.filter(number=order).first()
    if found is None:
        raise NotFound(f"No order {order}", field="order")
    return [{"audit_id": r.audit.pk, "audit_seq": r.audit.seq, "recorded_at": r.audit.created_at,
             "actor": r.audit.actor_label, "action": r.action, "order": r.snapshot,
             "import_job": r.job.pk if r.job else None, "file_name": r.job.file_name if r.job else "",
             "file_sha256": r.job.file_sha256 if r.job else ""}
            for r in import_records_for_order(order=found)]


@router.get("/imports/{job_id}", response=ImportOut)
def imports_get(request, job_id: int):
    require_perm(request, "interop.view_importjob")
    return _out(_job(job_id))


@router.get("/imports/{job_id}/errors", url_name="imports_errors")
def imports_errors(request, job_id: int):
    """The error report as CSV: file, line, column, record, severity, code, reason."""
    require_perm(request, "interop.view_importjob")
    job = _job(job_id)
    response = StreamingHttpResponse(import_errors_csv(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
