"""Which models the full archive holds, in which order, and how it names records outside it.

The archive is generic: every concrete model of every installed ``oms.*`` app is in it (so a model
added by any module is archived without touching this file), plus the users and groups of
``django.contrib.auth``. Content types and permissions are not archived: ``oms migrate`` creates
them, with ids that differ between databases, so the archive names them by their natural keys
(``["add_product", "catalog", "product"]``). Sessions and the admin's change log are left out:
they are Django's working state, not the business's records.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models

from oms.interop.archive.errors import ArchiveError

# Referenced by natural key, never archived: migrate recreates them with their own ids.
NATURAL_KEY_MODELS: tuple[type[models.Model], ...] = (ContentType, Permission)

# Rows that the migrations themselves write (the audit chain head, the seeded tax categories and
# rates). A freshly migrated database has them, so it still counts as empty; an archive import
# replaces them with the archive's rows. A module adding a seeding migration adds its model here.
SEEDED_BY_MIGRATIONS: frozenset[str] = frozenset({"core.auditchainhead", "catalog.taxcategory", "invoicing.taxrate"})


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _is_archived(model: type[models.Model]) -> bool:
    opts = model._meta
    if opts.proxy or not opts.managed or opts.auto_created:
        return False
    return opts.app_config.name.startswith("oms.") or model in (Group, get_user_model())


def _targets(model: type[models.Model], archived: set[type[models.Model]]) -> set[type[models.Model]]:
    """The archived models this one points at (foreign keys and one-to-ones), itself excluded."""
    found = set()
    for field in model._meta.local_concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None or target is model:
            continue
        target = target._meta.concrete_model
        if target in archived:
            found.add(target)
        elif target not in NATURAL_KEY_MODELS and not _is_archived(target):
            raise ArchiveError(f"{label(model)}.{field.name} points at {label(target)}, which the archive neither "
                               f"holds nor can name by a natural key", code="archive_unsupported_model")
    return found


def archived_models(using: str = "default") -> list[type[models.Model]]:
    """Archived models, each after the models it points at (a stable topological order; ties and
    cycles are broken by label, which is harmless because foreign keys are checked at commit).

    A model whose table is not in the database (its migration not applied yet) cannot hold a
    record, so it is left out rather than failing the whole archive."""
    tables = set(connections[using].introspection.table_names())
    archived = {m for m in apps.get_models() if _is_archived(m) and m._meta.db_table in tables}
    pending = {m: _targets(m, archived) for m in archived}
    ordered: list[type[models.Model]] = []
    while pending:
        ready = sorted((m for m, deps in pending.items() if not deps), key=label)
        if not ready:  # a cycle between models: take the first by label and go on
            ready = [min(pending, key=label)]
        for model in ready:
            ordered.append(model)
            del pending[model]
        for deps in pending.values():
            deps.difference_update(ready)
    return ordered


def m2m_fields(model: type[models.Model]) -> list[models.ManyToManyField]:
    """Many-to-many fields stored in their own automatic table: archived inside the owning record."""
    return [f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]
