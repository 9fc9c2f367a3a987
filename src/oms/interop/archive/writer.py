"""Write the full archive: every record of every archived model, streamed in a stable order."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import connections, models, transaction

from oms import __version__
from oms.interop.archive.fileformat import FORMAT_NAME, FORMAT_VERSION, dumps, open_archive
from oms.interop.archive.registry import NATURAL_KEY_MODELS, archived_models, label, m2m_fields

CHUNK = 2000


class _RecordSerializer(PythonSerializer):
    """Django's python serializer, with the archive's rules for references: foreign keys to archived
    models as their primary keys, to content types and permissions by natural key; many-to-many
    values sorted, so that the same data always gives the same line."""

    def handle_fk_field(self, obj, field):
        if field.related_model in NATURAL_KEY_MODELS:
            related = getattr(obj, field.name)
            self._current[field.name] = list(related.natural_key()) if related else None
        else:
            super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        if not field.remote_field.through._meta.auto_created:
            return  # an explicit through model is archived as records of its own
        related = getattr(obj, field.name).all()  # prefetched by the export's queryset
        if field.related_model in NATURAL_KEY_MODELS:
            self._current[field.name] = sorted(list(r.natural_key()) for r in related)
        else:
            self._current[field.name] = sorted(r.pk for r in related)


@dataclass
class ArchiveSummary:
    path: str
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def module_versions() -> dict[str, str]:
    """Enabled modules and their versions. The manifests were loaded by the module registry at
    start-up; they are looked up, not imported, because interop may not import the back-office
    module (a sibling layer) that the registry also lists."""
    found = {}
    for name in settings.OMS_MODULES:
        manifest = sys.modules.get(f"oms.{name}.manifest")
        found[name] = manifest.MANIFEST.version if manifest is not None else ""
    return found


def archive_header(*, models_: list[type[models.Model]]) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "oms_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "modules": module_versions(),
        "models": [label(m) for m in models_],
    }


def _queryset(model: type[models.Model], using: str):
    qs = model._base_manager.using(using).order_by("pk")
    for m2m in m2m_fields(model):
        qs = qs.prefetch_related(f"{m2m.name}__content_type" if m2m.related_model is Permission else m2m.name)
    return qs


def _records(model: type[models.Model], using: str) -> Iterator[dict]:
    serializer = _RecordSerializer()
    chunk: list[models.Model] = []
    for obj in _queryset(model, using).iterator(chunk_size=CHUNK):
        chunk.append(obj)
        if len(chunk) == CHUNK:
            yield from serializer.serialize(chunk)
            chunk = []
    if chunk:
        yield from serializer.serialize(chunk)


@contextmanager
def _snapshot(using: str):
    """Read every table from one snapshot, so the archive is consistent while the system runs.
    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite: a deferred read transaction (WAL
    keeps writers going; Django's own atomic() would take the write lock for the whole export)."""
    connection = connections[using]
    if connection.in_atomic_block:  # already inside a transaction (e.g. a test): its snapshot it is
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=using):
        yield


def archive_export(*, path: str | Path, using: str = "default",
                   progress: Callable[[str, int], None] | None = None) -> ArchiveSummary:
    """Write every record of every enabled module to ``path`` (JSON lines; ``.gz`` compresses).

    ``progress(model_label, records_written_so_far)`` is called after each model.
    """
    ordered = archived_models(using)
    summary = ArchiveSummary(path=str(path))
    with _snapshot(using), open_archive(path, "w") as out:
        out.write(dumps(archive_header(models_=ordered)) + "\n")
        for model in ordered:
            count = 0
            for record in _records(model, using):
                out.write(dumps(record) + "\n")
                count += 1
            summary.counts[label(model)] = count
            summary.records += count
            if progress:
                progress(label(model), summary.records)
        out.write(dumps({"end": {"records": summary.records, "counts": summary.counts}}) + "\n")
    return summary
