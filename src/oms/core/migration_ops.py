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


def trigram_indexes(table: str, columns: tuple[str, ...]) -> migrations.RunPython:
    """Trigram indexes (``pg_trgm``) that serve the ORM's ``icontains`` on each column, which
    PostgreSQL writes as ``UPPER(column::text) LIKE UPPER('%word%')``: a search by part of a name,
    an email or a phone number then reads the index instead of every row. PostgreSQL chooses them
    once a table is larger than a few tens of thousands of rows (below, a scan costs as little) and
    for words of three characters or more. ``pg_trgm`` ships with PostgreSQL and is trusted: the
    database's owner may create it. Other databases keep scanning."""

    def names() -> list[tuple[str, str]]:
        return [(column, f"{table}_{column}_trgm") for column in columns]

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column, name in names():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                                  f"USING gin (UPPER({column}::text) gin_trgm_ops)")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _, name in names():
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forward, backward)
