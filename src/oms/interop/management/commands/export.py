"""oms export: one entity as CSV / XLSX / Shopify CSV, or (with --all) the full archive.

    oms export --all archive.jsonl            # every record of every enabled module (.gz compresses)
    oms export products products.csv          # our columns (docs/export.md)
    oms export orders orders.xlsx --format xlsx --status confirmed,fulfilled --from 2026-01-01
    oms export products shopify.csv --format shopify --price-list "Retail USD"
    oms export customers -                    # CSV to standard output
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from oms.core.errors import DomainError
from oms.interop.archive import archive_export
from oms.interop.exporters import ENTITIES, FORMATS, ExportRequest, export_csv, export_for, export_xlsx


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _yes_no(value: str) -> bool:
    if value.lower() in ("yes", "true", "1"):
        return True
    if value.lower() in ("no", "false", "0"):
        return False
    raise CommandError(f"--active takes yes or no, not {value!r}")


class Command(BaseCommand):
    help = "Export products, customers, orders, invoices or payments (CSV, XLSX, Shopify CSV), or the full archive."

    def add_arguments(self, parser):
        parser.add_argument("entity", nargs="?", choices=ENTITIES, help="what to export")
        parser.add_argument("file", nargs="?", help="where to write it ('-' for standard output, CSV only)")
        parser.add_argument("--all", metavar="ARCHIVE", help="write the full archive (JSON lines) to this file")
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="csv (default; xlsx when FILE ends in .xlsx), xlsx, or shopify")
        parser.add_argument("--status", help="orders, invoices, payments: statuses separated by commas")
        parser.add_argument("--customer", help="orders, invoices, payments: a customer code")
        parser.add_argument("--channel", help="orders: a sales channel")
        parser.add_argument("--kind", help="invoices: invoice/credit_note/debit_note; payments: payment/refund")
        parser.add_argument("--active", type=_yes_no, help="products, customers: yes or no")
        parser.add_argument("--from", dest="created_from", type=_day, help="created on or after (YYYY-MM-DD)")
        parser.add_argument("--to", dest="created_to", type=_day, help="created on or before (YYYY-MM-DD)")
        parser.add_argument("--price-list", help="products: the price list (id or name) whose price is exported")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            if options["all"]:
                return self._archive(options["all"], progress=not options["no_progress"])
            if not options["entity"] or not options["file"]:
                raise CommandError("Name what to export and where: oms export ENTITY FILE, or oms export --all FILE")
            self._entity(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:  # a file that is missing, a directory, not readable or not writable
            raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}") from exc

    def _archive(self, path: str, *, progress: bool) -> None:
        bar = tqdm(unit=" records", desc="archive", disable=not progress, file=sys.stderr)

        def advance(model_label: str, done: int) -> None:
            bar.set_postfix_str(model_label)
            bar.update(done - bar.n)

        summary = archive_export(path=path, progress=advance)
        bar.close()
        self.stdout.write(f"archive written: {summary.records} records of {len(summary.counts)} models to {path}")

    def _entity(self, options) -> None:
        path = options["file"]
        fmt = options["format"] or ("xlsx" if path.endswith(".xlsx") else "csv")
        export = export_for(options["entity"], fmt)
        request = ExportRequest(**{name: options[name] for name in (
            "status", "customer", "channel", "kind", "active", "created_from", "created_to", "price_list")})
        if fmt == "xlsx":
            if path == "-":
                raise CommandError("XLSX is a binary file: give a file name, not '-'")
            with export_xlsx(export, request) as workbook:
                Path(path).write_bytes(workbook.read())
        else:
            blocks = export_csv(export, request)
            if path == "-":
                for block in blocks:
                    self.stdout.write(block, ending="")
                return
            with open(path, "w", encoding="utf-8", newline="") as out:
                for block in blocks:
                    out.write(block)
        self.stderr.write(f"{export.title} written to {path}")
