"""Read a full archive back into an empty database: same records, same primary keys, same bytes.

Everything happens in one transaction: a wrong header, a module not enabled here, a record that
does not fit, or a file cut off before its end line rolls the whole import back. Foreign keys are
checked at commit (Django creates them deferrable on PostgreSQL and SQLite), so records load in
file order whatever the references between them, cycles included; the check runs explicitly at
the end to report a broken reference before commit.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer
from django.db import DatabaseError, connections, models, transaction
from django.db.models import ProtectedError

from oms.core import customfield_cache
from oms.interop.archive.errors import ArchiveError
from oms.interop.archive.fileformat import FORMAT_NAME, FORMAT_VERSION, open_archive
from oms.interop.archive.registry import SEEDED_BY_MIGRATIONS, archived_models, label, m2m_fields
from oms.interop.archive.writer import ArchiveSummary

BATCH = 1000


def _header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ArchiveError(f"This file is not an OMS archive: its first line is not an {FORMAT_NAME!r} header",
                           code="archive_not_an_archive", field="file")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveError(f"Archive format version {version!r} is newer than this OMS reads ({FORMAT_VERSION}): "
                           f"import it with the OMS version that wrote it ({header.get('oms_version')})",
                           code="archive_version_unsupported", field="version")
    missing = sorted(set(header.get("modules") or {}) - set(settings.OMS_MODULES))
    if missing:
        raise ArchiveError(f"The archive holds data of module(s) {', '.join(missing)}, not enabled here: add them "
                           f"to OMS_MODULES and run `oms migrate` first", code="archive_module_disabled",
                           field="modules")
    return header


def _check_empty(using: str, ordered: list[type[models.Model]]) -> None:
    found = []
    for model in [get_user_model(), *ordered]:
        if label(model) in SEEDED_BY_MIGRATIONS:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found.append(f"{label(model)}: {count}")
    if found:
        raise ArchiveError(
            f"The database is not empty ({', '.join(sorted(set(found)))} rows): a full archive is imported only into "
            f"a freshly migrated database (a new OMS_DATA_DIR, or `createdb`, then `oms migrate`)",
            code="archive_target_not_empty", field="database")


def _clear_seeded(using: str, ordered: list[type[models.Model]], archived: set[str]) -> None:
    """Remove what the migrations seeded in the tables the archive holds: it has their rows as they were."""
    for model in reversed(ordered):
        if label(model) in SEEDED_BY_MIGRATIONS and label(model) in archived:
            try:
                model._base_manager.using(using).all().delete()
            except ProtectedError as exc:
                raise ArchiveError(
                    f"The seeded rows of {label(model)} are used by a module the archive does not hold: import "
                    f"into an installation with the same modules enabled as the archive's header lists",
                    code="archive_module_mismatch", field="modules") from exc


class _Loader:
    def __init__(self, *, using: str, ordered: list[type[models.Model]]):
        self.using = using
        self.by_label = {label(m): m for m in ordered}
        self.counts: dict[str, int] = {}
        self.batch: list[dict] = []
        self.first_line = 0

    def add(self, record: object, line_no: int) -> None:
        if not (isinstance(record, dict) and isinstance(record.get("fields"), dict) and "pk" in record):
            raise ArchiveError(f"Line {line_no}: not an archive record (model, pk, fields)",
                               code="archive_bad_record", field="file", extra={"line": line_no})
        name = record.get("model")
        if name not in self.by_label:
            raise ArchiveError(f"Line {line_no}: the model {name!r} is not installed here (enable its module and "
                               f"run `oms migrate`, or use the OMS version that wrote the archive)",
                               code="archive_unknown_model",
                               field="file", extra={"line": line_no})
        if self.batch and (self.batch[0]["model"] != name or len(self.batch) >= BATCH):
            self.flush()
        if not self.batch:
            self.first_line = line_no
        self.batch.append(record)

    def flush(self) -> None:
        if not self.batch:
            return
        model = self.by_label[self.batch[0]["model"]]
        last_line = self.first_line + len(self.batch) - 1
        try:
            loaded = list(Deserializer(self.batch, using=self.using))
        except (DeserializationError, LookupError, ValueError) as exc:
            raise ArchiveError(f"Lines {self.first_line}-{last_line} ({label(model)}): {exc}",
                               code="archive_bad_record", field="file", extra={"line": self.first_line}) from exc
        objects = [item.object for item in loaded]
        fields = model._meta.local_concrete_fields
        connection = connections[self.using]
        size = max(1, connection.ops.bulk_batch_size(fields, objects))
        try:
            for start in range(0, len(objects), size):
                # raw=True: the stored values go in as they are (no auto_now, no defaults), like loaddata.
                model._base_manager.using(self.using)._insert(objects[start:start + size], fields=fields,
                                                              using=self.using, raw=True)
            for m2m in m2m_fields(model):
                self._insert_m2m(m2m, loaded)
        except DatabaseError as exc:
            raise ArchiveError(f"Lines {self.first_line}-{last_line} ({label(model)}) do not fit this database: {exc}",
                               code="archive_bad_record", field="file", extra={"line": self.first_line}) from exc
        self.counts[label(model)] = self.counts.get(label(model), 0) + len(objects)
        self.batch = []

    def _insert_m2m(self, m2m: models.ManyToManyField, loaded: list) -> None:
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        rows = [through(**{f"{source}_id": item.object.pk, f"{target}_id": pk})
                for item in loaded for pk in item.m2m_data.get(m2m.name, [])]
        through._base_manager.using(self.using).bulk_create(rows, batch_size=BATCH)


def _reset_sequences(using: str, ordered: list[type[models.Model]]) -> None:
    """Move id sequences past the imported primary keys (PostgreSQL; SQLite follows by itself)."""
    connection = connections[using]
    with_through = [*ordered, *(f.remote_field.through for m in ordered for f in m2m_fields(m))]
    statements = connection.ops.sequence_reset_sql(no_style(), with_through)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def archive_import(*, path: str | Path, using: str = "default",
                   progress: Callable[[str, int], None] | None = None) -> ArchiveSummary:
    """Load the archive at ``path`` into the (empty) database ``using``; all or nothing.

    ``progress(model_label, records_loaded_so_far)`` is called after each batch.
    """
    try:
        return _archive_import(path=path, using=using, progress=progress)
    # Bytes that are not UTF-8 text, or a .gz that is not gzip, surface while the lines are read:
    # they say "this is not an archive", which is the caller's mistake, not a crash.
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"This file is not an OMS archive: it is not UTF-8 text ({exc.reason} at byte "
                           f"{exc.start})", code="archive_not_an_archive", field="file") from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ArchiveError(f"This file is not a readable gzip-compressed archive: {exc}",
                           code="archive_not_an_archive", field="file") from exc


def _archive_import(*, path: str | Path, using: str,
                    progress: Callable[[str, int], None] | None) -> ArchiveSummary:
    ordered = archived_models(using)
    summary = ArchiveSummary(path=str(path))
    with open_archive(path, "r") as source:
        header = _header(source.readline())
        end = None
        with transaction.atomic(using=using):
            _check_empty(using, ordered)
            _clear_seeded(using, ordered, set(header.get("models") or []))
            loader = _Loader(using=using, ordered=ordered)
            for line_no, line in enumerate(source, start=2):
                if end is not None:
                    raise ArchiveError(f"Line {line_no}: records after the end line", code="archive_bad_record",
                                       field="file", extra={"line": line_no})
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise ArchiveError(f"Line {line_no} is not valid JSON: {exc}", code="archive_bad_record",
                                       field="file", extra={"line": line_no}) from exc
                if isinstance(record, dict) and "end" in record:
                    end = record["end"]
                    continue
                loader.add(record, line_no)
                if progress and len(loader.batch) == 1 and loader.counts:
                    progress(record["model"], sum(loader.counts.values()))
            loader.flush()
            if not isinstance(end, dict):
                raise ArchiveError("The archive has no end line: the file was cut off, nothing was imported",
                                   code="archive_truncated", field="file")
            written = {name: n for name, n in loader.counts.items() if n}
            expected = {name: n for name, n in (end.get("counts") or {}).items() if n}
            if written != expected:
                raise ArchiveError(f"The archive's end line counts {expected} records but the file holds {written}",
                                   code="archive_truncated", field="file")
            _reset_sequences(using, ordered)
            try:
                connections[using].check_constraints()
            except DatabaseError as exc:
                raise ArchiveError(f"The archive's references do not hold together: {exc}",
                                   code="archive_broken_reference", field="file") from exc
    customfield_cache.clear()  # definitions came in without their model's save(), which clears it
    summary.counts = loader.counts
    summary.records = sum(loader.counts.values())
    if progress:
        progress("", summary.records)
    return summary
