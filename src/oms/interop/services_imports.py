"""Import jobs: store the upload, read it in batches, write each batch in one transaction together
with its issues and the job's checkpoint, so a killed run resumes after the last committed line
and never writes a record twice. A dry run does all of it inside a transaction that is rolled
back, and keeps only the job's counts, preview and issues."""

from __future__ import annotations

import csv
import hashlib
import io
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oms.core.errors import DomainError
from oms.core.money import is_known_currency
from oms.core.services.audit import audit_record
from oms.core.services.company import company_default
from oms.interop.importers import FORMATS, shopify, woocommerce
from oms.interop.importers.common import ReadOptions
from oms.interop.importers.reading import CsvSource, FileRejected
from oms.interop.importers.records import Item
from oms.interop.importers.values import Issue
from oms.interop.importers.writers import Context, customer_import, orders_import, product_import
from oms.interop.models import ImportFormat, ImportIssue, ImportJob

PREVIEW_MAX = 200
BATCH_SIZE = 500
Progress = Callable[[ImportJob], None]
_SIGNATURES = {  # the columns that tell one format from another, for a helpful "wrong format" message
    ImportFormat.SHOPIFY_PRODUCTS: shopify.PRODUCT_COLUMNS,
    ImportFormat.SHOPIFY_ORDERS: shopify.ORDER_COLUMNS,
    ImportFormat.WOOCOMMERCE_PRODUCTS: woocommerce.COLUMNS,
    ImportFormat.ODOO_QUOTATIONS: ["Order Reference", "Order Lines/Quantity"],
}


class ImportRefused(DomainError):
    code = "invalid_import"


def imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_job_create(*, upload: Iterable[bytes] | str, file_name: str, format: str, dry_run: bool = False,
                      currency: str = "", user=None) -> ImportJob:
    """Keep a copy of the file (chunks of an upload, or a path) and make a queued job for it."""
    if format not in FORMATS:
        raise ImportRefused(f"format must be one of {sorted(FORMATS)}", field="format", code="invalid_format")
    currency = (currency or company_default().base_currency).upper()
    if not is_known_currency(currency):
        raise ImportRefused(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    file_name = file_name.replace("\x00", "")  # PostgreSQL refuses NUL in text columns
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).name)[-100:] or "upload.csv"
    digest = hashlib.sha256()
    tmp = imports_dir() / f".upload-{timezone.now().timestamp()}-{safe_name}"
    size = 0
    with open(tmp, "wb") as out:
        chunks = _file_chunks(upload) if isinstance(upload, str) else upload
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    stored = imports_dir() / f"{digest.hexdigest()[:16]}-{safe_name}"
    shutil.move(tmp, stored)
    return ImportJob.objects.create(format=format, file_name=Path(file_name).name[:255], stored_path=str(stored),
                                    file_sha256=digest.hexdigest(), file_size=size, dry_run=dry_run,
                                    currency=currency, created_by=user if getattr(user, "pk", None) else None)


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def import_job_unfinished(*, sha256: str, format: str, exclude: int | None = None) -> ImportJob | None:
    """A real (not dry) run of the same file that stopped before the end: resume it, do not start over."""
    return (ImportJob.objects.filter(file_sha256=sha256, format=format, dry_run=False,
                                     status__in=[ImportJob.Status.RUNNING, ImportJob.Status.QUEUED])
            .exclude(pk=exclude).order_by("-id").first())


def _hint(header: list[str], chosen: str) -> str:
    for fmt, columns in _SIGNATURES.items():
        if fmt != chosen and all(c in header for c in columns):
            return f" It looks like a {ImportFormat(fmt).label}."
    return ""


_END = object()


def _read_ahead(items: Iterator[Item], batch_size: int) -> Iterator[list[Item]]:
    """Batches read and parsed by a thread while the previous batch is written: parsing is pure
    Python and the database driver releases the GIL while it waits, so the two overlap."""
    batches: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                batches.put(value, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        batch: list[Item] = []
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= batch_size:
                    if not put(batch):
                        return  # the writer stopped (an error): stop reading too
                    batch = []
            if batch:
                put(batch)
            put(_END)
        except BaseException as exc:  # handed to the writer, raised there  # noqa: BLE001
            put(exc)

    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        while (batch := batches.get()) is not _END:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        stop.set()
        reader.join(timeout=5)


class _Run:
    def __init__(self, job: ImportJob, progress: Progress | None) -> None:
        self.job, self.progress = job, progress
        self.fmt = FORMATS[job.format]
        self.ctx = Context(source=self.fmt.source, currency=job.currency,
                           origin={"import_job": job.pk, "file": job.file_name, "sha256": job.file_sha256})
        self.pending_issues: list[ImportIssue] = []

    def issue(self, issue: Issue, key: str = "") -> None:
        self.pending_issues.append(ImportIssue(job=self.job, line=issue.line, column=issue.column[:200],
                                               key=(issue.key or key)[:200], severity=issue.severity,
                                               code=issue.code[:50], reason=issue.reason))
        if issue.severity == "error":
            self.job.error_count += 1
        else:
            self.job.warning_count += 1

    def outcome(self, item: Item, action: str, changes: dict | None = None) -> None:
        job = self.job
        setattr(job, f"{action}_count", getattr(job, f"{action}_count") + 1)
        if len(job.preview) < PREVIEW_MAX and action != "unchanged":
            job.preview.append({"line": item.line, "key": item.key, "action": action, "changes": changes or {}})

    def refused(self, item: Item, exc: DomainError) -> None:
        self.issue(Issue(item.line, exc.field or "", exc.code, exc.message, key=item.key))

    def write_batch(self, items: list[Item]) -> None:
        usable = []
        for item in items:
            for issue in item.issues:
                self.issue(issue, item.key)
            if item.record is not None:
                usable.append(item)
        if self.fmt.kind == "order":
            self._orders(usable)
        else:
            for item in usable:
                try:
                    with transaction.atomic():
                        if self.fmt.kind == "product":
                            outcome = product_import(record=item.record, ctx=self.ctx, line=item.line)
                        else:
                            outcome = customer_import(record=item.record, ctx=self.ctx)
                except DomainError as exc:
                    self.refused(item, exc)
                    continue
                for issue in outcome.issues:
                    self.issue(issue, item.key)
                self.outcome(item, outcome.action, outcome.changes)

    def _orders(self, items: list[Item]) -> None:
        if not items:
            return
        results = orders_import(records=[item.record for item in items], ctx=self.ctx)
        for item, result in zip(items, results, strict=True):
            if isinstance(result, DomainError):
                self.refused(item, result)
            elif result.error is not None:
                self.refused(item, result.error)
            else:
                self.outcome(item, result.action, {"total": str(item.record.total)} if result.action != "unchanged"
                             else None)

    def commit(self, items: list[Item]) -> None:
        """One batch: its records, its issues and the checkpoint, in one transaction."""
        job = self.job
        with transaction.atomic():
            self.write_batch(items)
            job.records_seen += len(items)
            job.checkpoint_line = items[-1].end_line
            job.bytes_read = max(job.bytes_read, items[-1].offset)
            if not job.dry_run:
                ImportIssue.objects.bulk_create(self.pending_issues)
                self.pending_issues = []
                job.save()
        if self.progress:
            self.progress(job)

    def items(self, source: CsvSource) -> Iterator[Item]:
        options = ReadOptions(currency=self.job.currency, time_zone=settings.TIME_ZONE)
        seen: dict[str, int] = {}
        for item in self.fmt.read(source, options):
            if item.key:
                first = seen.setdefault(item.key, item.line)
                if first != item.line:
                    # Whatever else is wrong with a repeated key (a stray line of an order whose rows
                    # are not together has no currency, for one), the repetition is the cause to report.
                    item.issues = [issue for issue in item.issues if issue.severity != "error"]
                    item.issues.append(Issue(item.line, "", "duplicate_key", key=item.key,
                                             reason=f"{item.key} appears again in this file (first at line {first}); "
                                                    "this occurrence is not imported"))
                    item.record = None
            if item.end_line > self.job.checkpoint_line:
                yield item

    def run(self, batch_size: int) -> None:
        job = self.job
        try:
            source = CsvSource(job.stored_path)
        except FileRejected as exc:
            return self.reject(exc)
        job.encoding, job.delimiter = source.encoding, source.delimiter
        try:
            with closing(_read_ahead(self.items(source), batch_size)) as batches:
                for batch in batches:  # closed (reader thread stopped) before the file is
                    self.commit(batch)
        except FileRejected as exc:
            exc.reason += _hint(source.header, job.format)
            return self.reject(exc)
        except DomainError as exc:  # e.g. no warehouse set up: the file cannot go in at all
            return self.reject(FileRejected(exc.message, exc.code, exc.field or ""))
        finally:
            source.close()
        job.status, job.bytes_read = ImportJob.Status.DONE, job.file_size

    def reject(self, exc: FileRejected) -> None:
        job = self.job
        job.status, job.message = ImportJob.Status.FAILED, exc.reason
        self.issue(Issue(0, exc.column, exc.code, exc.reason))


def import_job_run(*, job: ImportJob, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> ImportJob:
    """Run (or resume) a job to its end. Returns it with its counts, preview and issues saved."""
    job.status, job.started_at = ImportJob.Status.RUNNING, job.started_at or timezone.now()
    job.save()
    run = _Run(job, progress)
    if job.dry_run:
        job.checkpoint_line = 0
        with transaction.atomic():
            run.run(batch_size)
            transaction.set_rollback(True)
        ImportIssue.objects.filter(job=job).delete()
    else:
        run.run(batch_size)
    job.finished_at = timezone.now()
    with transaction.atomic():
        ImportIssue.objects.bulk_create(run.pending_issues)
        job.save()
        if not job.dry_run:
            audit_record(action="import.finished", object_type="interop.import", object_id=job.pk,
                         changes={"file": job.file_name, "format": job.format, "status": job.status,
                                  "created": job.created_count, "updated": job.updated_count,
                                  "errors": job.error_count})
    return job


def import_errors_csv(*, job: ImportJob) -> Iterator[str]:
    """The error report: one CSV line per issue (file, line, column, record, severity, code, reason)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(["file", "line", "column", "record", "severity", "code", "reason"])
    yield flush()
    for issue in job.issues.order_by("line", "id").iterator(chunk_size=2000):
        writer.writerow([job.file_name, issue.line, issue.column, issue.key, issue.severity, issue.code,
                         issue.reason])
        yield flush()


def import_preview_confirm(*, job: ImportJob, user=None) -> ImportJob:
    """After a dry run looked right: a real job on the same stored file."""
    if not job.dry_run:
        raise ImportRefused("Only a dry run (preview) can be confirmed", field="dry_run", code="not_a_preview")
    return ImportJob.objects.create(format=job.format, file_name=job.file_name, stored_path=job.stored_path,
                                    file_sha256=job.file_sha256, file_size=job.file_size, dry_run=False,
                                    currency=job.currency, created_by=user if getattr(user, "pk", None) else None)

