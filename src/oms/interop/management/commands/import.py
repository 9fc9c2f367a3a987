"""oms import: load a Shopify, WooCommerce or Odoo CSV (or, with --all, a full archive).

    oms import shopify_orders orders_export.csv [--dry-run] [--currency EUR] [--errors report.csv]
    oms import --resume 12          # carry on a killed run from its last committed line
    oms import --queued             # run the jobs uploaded through the API or back office
    oms import --all archive.jsonl  # an archive written by `oms export --all`, into an empty database

Running the same file again resumes an unfinished run of it, or updates what an earlier run wrote.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from oms.core.errors import DomainError
from oms.interop.archive import archive_import
from oms.interop.importers import FORMATS
from oms.interop.models import ImportJob
from oms.interop.services_imports import (
    import_errors_csv, import_job_create, import_job_run, import_job_unfinished,
)


class Command(BaseCommand):
    help = "Import a CSV from Shopify, WooCommerce or Odoo (see docs/migration.md), or a full archive with --all."

    def add_arguments(self, parser):
        parser.add_argument("format", nargs="?", choices=sorted(FORMATS), help="what the file holds")
        parser.add_argument("file", nargs="?", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument("--currency", default="", help="currency of prices in files that name none "
                                                           "(default: the company's base currency)")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--errors", metavar="CSV", help="also write the error report to this file")
        parser.add_argument("--resume", type=int, metavar="JOB", help="resume an unfinished import job")
        parser.add_argument("--queued", action="store_true", help="run every queued import job")
        parser.add_argument("--all", metavar="ARCHIVE", help="load a full archive into an empty database")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            if options["all"]:
                return self._archive(options["all"])
            for job in self._jobs(options):
                self._run(job, options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:  # a file that is missing, a directory, not readable or not writable
            raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}") from exc

    def _archive(self, path: str) -> None:
        summary = archive_import(path=path)
        self.stdout.write(f"archive loaded: {summary.records} records from {path}")

    def _jobs(self, options) -> list[ImportJob]:
        if options["resume"]:
            job = ImportJob.objects.filter(pk=options["resume"]).first()
            if job is None:
                raise CommandError(f"No import job {options['resume']}")
            return [job]
        if options["queued"]:
            return list(ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("id"))
        if not options["format"] or not options["file"]:
            raise CommandError("Give a format and a file (or --resume JOB, --queued, --all ARCHIVE)")
        job = import_job_create(upload=options["file"], file_name=options["file"], format=options["format"],
                                dry_run=options["dry_run"], currency=options["currency"])
        unfinished = None if job.dry_run else import_job_unfinished(sha256=job.file_sha256, format=job.format,
                                                                    exclude=job.pk)
        if unfinished is not None:
            job.delete()
            self.stdout.write(f"resuming import #{unfinished.pk} after line {unfinished.checkpoint_line}")
            return [unfinished]
        return [job]

    def _run(self, job: ImportJob, options) -> None:
        bar = None if options["no_progress"] else tqdm(total=job.file_size, unit="B", unit_scale=True,
                                                        desc=f"import #{job.pk}", initial=job.bytes_read)

        def progress(current: ImportJob) -> None:
            if bar is not None:
                bar.update(current.bytes_read - bar.n)
                bar.set_postfix(records=current.records_seen, errors=current.error_count, refresh=False)

        job = import_job_run(job=job, batch_size=options["batch_size"], progress=progress)
        if bar is not None:
            bar.update(job.file_size - bar.n)
            bar.close()
        prefix = "dry run, nothing written: would have " if job.dry_run else ""
        self.stdout.write(f"import #{job.pk} {job.status}: {prefix}created {job.created_count}, updated "
                          f"{job.updated_count}, unchanged {job.unchanged_count}; {job.error_count} row(s) "
                          f"rejected, {job.warning_count} warning(s)")
        if job.message:
            self.stderr.write(job.message)
        for change in job.preview[:20] if job.dry_run else []:
            self.stdout.write(f"  line {change['line']}: {change['action']} {change['key']} {change['changes'] or ''}")
        for issue in job.issues.order_by("line", "id")[:20]:
            self.stdout.write(f"  line {issue.line} {issue.column or '-'}: {issue.severity}: {issue.reason}")
        if options["errors"]:
            with open(options["errors"], "w", encoding="utf-8", newline="") as out:
                out.writelines(import_errors_csv(job=job))
            self.stdout.write(f"error report: {options['errors']}")
