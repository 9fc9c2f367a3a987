"""Migration operations that several apps' migrations use."""

from django.db import migrations

# Indexes of this operator class are what Django adds on PostgreSQL beside the index of every indexed
# or unique CharField (named ``*_like``).
_PATTERN_INDEXES = """
    SELECT i.indexrelid::regclass::text FROM pg_index i
    WHERE i.indrelid = ANY(%s::text[]::regclass[])
      AND pg_get_indexdef(i.indexrelid) LIKE '%%varchar_pattern_ops%%'
"""


def drop_pattern_indexes(*tables: str) -> migrations.RunPython:
    """Drop the ``varchar_pattern_ops`` indexes on tables that every document writes to.

    They serve only ``LIKE 'prefix%'``, which no query of ours runs (lookups are exact, searches
    ``icontains``, which no B-tree serves), and cost one more index entry for every row written. The
    column's own index stays. Reversing does not rebuild them. Other databases have no such indexes.
    """

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_PATTERN_INDEXES, [list(tables)])
            names = [name for (name,) in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forward, migrations.RunPython.noop)
