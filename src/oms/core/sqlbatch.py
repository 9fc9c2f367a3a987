"""Hand-written SQL for the hot paths: several independent writes in one round trip where the
database allows it, and reads converted exactly as the ORM converts them.

The hot write paths (placing an order) insert rows into several tables that do not depend on each
other: stock moves and reservations, outbox events and audit records. PostgreSQL runs such writes
as one statement with data-modifying CTEs::

    WITH w0 AS (INSERT INTO a ...), w1 AS (UPDATE b ...) INSERT INTO c ... RETURNING id

All parts run against the same snapshot and none sees the rows another part writes, so only writes
that do not read each other's rows may be combined (inserts into different tables, an update of a
row no other part touches). Deferred foreign keys are checked at commit, as before. Other
databases (SQLite) run the parts one after the other, in the order given: the same rows, more
round trips.

The INSERTs prepare values as Django's insert compiler does (field preparation, ``auto_now``
defaults, database defaults), with plain ``VALUES`` rows: for the few rows of an order they cost
less to build and send than the ``UNNEST`` arrays ``bulk_create`` uses on PostgreSQL (many rows
take bulk_create's own statement).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.transaction import TransactionManagementError
from django.db.models import AutoField, Field, Model
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

Statement = tuple[str, Sequence]
# Up to this many rows, plain VALUES rows are cheaper to build and send; beyond, bulk_create's own
# statement (UNNEST arrays on PostgreSQL) is cheaper to bind and to plan (a 1,000-line order).
MANY_ROWS = 50


@functools.cache
def _insert_shape(model: type[Model], with_pk: bool = False) -> tuple[tuple[Field, ...], str, bool]:
    """The fields an INSERT of new rows writes (the primary key too when the rows carry theirs), the
    statement's head, and whether every value can take a plain ``%s`` placeholder (fields with their
    own placeholder take the compiler's path)."""
    opts = model._meta
    fields = tuple(f for f in opts.concrete_fields
                   if not f.generated and (with_pk or not isinstance(f, AutoField)))
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    return fields, head, not any(hasattr(f, "get_placeholder") for f in fields)


# Field classes whose preparation returns a value of the matching Python type unchanged (Django's
# CharField, IntegerField... get_db_prep_save of a str, an int, a bool): such values skip the call.
# Exact classes only: a subclass may prepare differently. A foreign key prepares as its target field.
_PASS_THROUGH = {models.CharField: str, models.TextField: str, models.SlugField: str, models.EmailField: str,
                 models.IntegerField: int, models.BigIntegerField: int, models.PositiveIntegerField: int,
                 models.PositiveSmallIntegerField: int, models.SmallIntegerField: int, models.BigAutoField: int,
                 models.AutoField: int, models.BooleanField: bool}


def _pass_through_type(field: Field) -> type | None:
    target = field.target_field if type(field) is models.ForeignKey else field
    return _PASS_THROUGH.get(type(target))


@functools.cache
def _value_readers(model: type[Model], with_pk: bool) -> tuple[tuple[Field, str, bool, type | None], ...]:
    """Per field an INSERT writes: (field, attname, whether it has its own pre_save (auto_now...),
    the value type its preparation passes through unchanged, or None)."""
    fields = _insert_shape(model, with_pk)[0]
    readers = []
    for f in fields:
        own_pre_save = type(f).pre_save is not Field.pre_save
        readers.append((f, f.attname, own_pre_save, None if own_pre_save else _pass_through_type(f)))
    return tuple(readers)


class _NeedsCompiler(Exception):
    """A value is an expression (a database default, F()...): the insert compiler's path writes it."""


def _prepared_row(obj: Model, readers, db) -> list:
    row = []
    for field, attname, own_pre_save, passes in readers:
        value = getattr(obj, attname)
        if passes is not None and type(value) is passes:
            row.append(value)
            continue
        if hasattr(value, "resolve_expression"):
            raise _NeedsCompiler
        row.append(field.get_db_prep_save(field.pre_save(obj, True) if own_pre_save else value, db))
    return row


def insert_statement(objs: Sequence[Model], *, returning_pk: bool = False) -> Statement:
    """The INSERT of ``objs`` (unsaved rows of one model), as ``bulk_create`` would write them; with
    ``returning_pk`` it returns their new ids in the order of ``objs``. Rows either all come without
    primary keys (the database assigns them) or all with one drawn beforehand (see ``next_id_sql``)."""
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objs):
        raise ValueError(f"{model.__name__} rows to insert together must all have a primary key or none")
    model._base_manager.all()._prepare_for_bulk_create(objs)  # related ids, database defaults
    fields, head, plain = _insert_shape(model, with_pk)
    if len(objs) > MANY_ROWS:  # exactly bulk_create's statement (on PostgreSQL: UNNEST arrays, quick to plan)
        query = InsertQuery(model)
        query.insert_values(list(fields), objs)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [model._meta.pk] if returning_pk else None
        ((sql, params),) = compiler.as_sql()
        return sql, list(params)
    # What the insert compiler does for plain values (pre_save: auto_now and the like; then the
    # field's preparation for this database), without building a query per call.
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each access to the proxy costs a lookup
    try:
        if not plain:
            raise _NeedsCompiler
        readers = _value_readers(model, with_pk)
        params = [value for obj in objs for value in _prepared_row(obj, readers, db)]
        one = "(" + ", ".join("%s" for _ in fields) + ")"
        sql = head + ", ".join(one for _ in objs)
    except _NeedsCompiler:  # expressions (e.g. database defaults) or special placeholders: the compiler's own path
        rows = [[f.pre_save(obj, True) for f in fields] for obj in objs]
        query = InsertQuery(model)
        query.insert_values(list(fields), objs)
        compiler = query.get_compiler(connection=connection)
        prepared = [[compiler.prepare_value(f, v) for f, v in zip(fields, row)] for row in rows]
        # The base class's assembly: one placeholder per value (PostgreSQL's subclass would use UNNEST).
        placeholder_rows, param_rows = SQLInsertCompiler.assemble_as_sql(compiler, list(fields), prepared)
        sql = head + ", ".join(f"({', '.join(row)})" for row in placeholder_rows)
        params = [p for row in param_rows for p in row]
    if returning_pk:
        sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    return sql, params


def update_statement(obj: Model, fields: Sequence[str]) -> Statement:
    """The UPDATE ``obj.save(update_fields=fields)`` runs (``auto_now`` fields set as save sets them),
    for a service that writes several changed rows in one round trip with ``write_together``.
    Refused: a model with its own ``save()`` or with save signals (guards, caches: they would not
    run), fields with their own placeholder, and values that are expressions."""
    model = type(obj)
    if model.save is not Model.save or pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise ValueError(f"{model._meta.label} has its own save() or save signals: save it with the ORM")
    opts, db = obj._meta, connections[DEFAULT_DB_ALIAS]
    qn = connection.ops.quote_name
    columns, params = [], []
    for name in fields:
        field = opts.get_field(name)
        value = field.pre_save(obj, False)
        if hasattr(field, "get_placeholder") or hasattr(value, "resolve_expression"):
            raise ValueError(f"{opts.label}.{name} needs the ORM's own UPDATE")
        columns.append(f"{qn(field.column)} = %s")
        params.append(field.get_db_prep_save(value, db))
    sql = f"UPDATE {qn(opts.db_table)} SET {', '.join(columns)} WHERE {qn(opts.pk.column)} = %s"
    return sql, [*params, opts.pk.get_db_prep_value(obj.pk, db)]


def next_id_sql(model: type[Model]) -> str | None:
    """An SQL expression that draws the next primary key of ``model`` from its sequence, for a read
    that runs anyway to hand out the id of a row about to be written: the row, and rows that refer to
    it, can then go in one statement with other writes. None where ids come only from the insert (SQLite).
    A drawn id that is never used leaves a gap, as a rolled-back insert does."""
    if connection.vendor != "postgresql":
        return None
    opts = model._meta
    return f"nextval(pg_get_serial_sequence('{opts.db_table}', '{opts.pk.column}'))"


# PostgreSQL's protocol binds at most 65,535 parameters to one statement (we bind on the server: see settings).
POSTGRES_MAX_PARAMS = 65535


def max_params() -> int | None:
    """How many parameters one statement may bind on this connection (None: no limit)."""
    limit = connection.features.max_query_params  # SQLite: 999 (or its build's limit)
    return POSTGRES_MAX_PARAMS if limit is None and connection.vendor == "postgresql" else limit


def _chunks(objs: list[Model]) -> list[list[Model]]:
    """``objs`` in as many INSERTs as the database's limit on bound parameters needs (as bulk_create
    splits them on SQLite; on PostgreSQL at 65,535 parameters a statement)."""
    fields = list(_insert_shape(type(objs[0]))[0])
    size = connection.ops.bulk_batch_size(fields, objs)
    if (limit := max_params()) is not None:
        size = min(size, limit // max(len(fields), 1))
    size = max(1, size)
    return [objs[i:i + size] for i in range(0, len(objs), size)]


# At most this many statements go in one combined statement: a document of thousands of lines
# (one UPDATE each) is written in several, each quick to plan and under the parameter limit.
MANY_STATEMENTS = 100


def _combined(statements: list[Statement]) -> list[list[Statement]]:
    """``statements`` in consecutive groups of at most MANY_STATEMENTS and max_params() parameters."""
    limit = max_params() or POSTGRES_MAX_PARAMS
    groups, group, size = [], [], 0
    for statement in statements:
        if group and (len(group) == MANY_STATEMENTS or size + len(statement[1]) > limit):
            groups.append(group)
            group, size = [], 0
        group.append(statement)
        size += len(statement[1])
    return [*groups, group]


def write_together(statements: Sequence[Statement], *, returning: bool = False) -> list[tuple]:
    """Run independent writes in order; with ``returning``, returns the rows the LAST statement
    returns (the caller knows whether it has a RETURNING clause: asking the cursor costs more).

    On PostgreSQL every statement but the last becomes a data-modifying CTE of the last one (in
    groups of at most MANY_STATEMENTS, under the parameter limit).
    """
    statements = [s for s in statements if s]
    if not statements:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            for group in _combined(statements):
                head = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(group[:-1]))
                sql = f"WITH {head} {group[-1][0]}" if head else group[-1][0]
                cursor.execute(sql, [p for _, params in group for p in params])
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


def insert_together(*groups: Sequence[Model], before: Sequence[Statement] = ()) -> None:
    """Insert each group of unsaved rows (one model per group) in one round trip on PostgreSQL.

    The rows of the LAST group get their primary keys; the others are written without reading ids
    back (callers pass last the rows whose ids they need). ``before``: other independent writes
    (e.g. an UPDATE) to run in the same statement, ahead of the inserts.
    """
    groups = [list(g) for g in groups if g]
    if not groups:
        write_together(before)
        return
    statements = [*before, *(insert_statement(chunk) for g in groups[:-1] for chunk in _chunks(g))]
    last = _chunks(groups[-1])
    if len(last) == 1:
        returned = write_together([*statements, insert_statement(last[0], returning_pk=True)], returning=True)
    else:  # more rows than one statement may bind (SQLite): one statement per chunk
        write_together(statements)
        returned = [row for chunk in last
                    for row in write_together([insert_statement(chunk, returning_pk=True)], returning=True)]
    for obj, row in zip(groups[-1], returned, strict=True):
        obj.pk = row[0]
    alias = connection.alias
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = alias


@functools.lru_cache(maxsize=512)
def _converters(fields: tuple[Field, ...], alias: str, vendor: str) -> list[tuple[int, object, list]]:
    """(column index, column, converter functions) of the columns that need converting: the same for
    every call with these fields on this database, so worked out once. Keyed by alias and vendor, not
    by the connection object, which is per thread and must not be kept alive by this cache; the
    converters are called with the current thread's connection."""
    db = connections[alias]
    columns = [f.get_col(f.model._meta.db_table) for f in fields]
    converters = [(i, c, db.ops.get_db_converters(c) + c.get_db_converters(db)) for i, c in enumerate(columns)]
    return [(i, c, fns) for i, c, fns in converters if fns]


def fetch_as(fields: Sequence[Field], sql: str, params: Sequence) -> list[tuple]:
    """Rows of a hand-written SELECT whose columns are ``fields`` (in order), each value converted
    by the same database converters the ORM applies (SQLite's numbers to Decimal, text to date,
    0/1 to bool...): the ORM's results without compiling a QuerySet on every call."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each access to the proxy costs a lookup
    converters = _converters(tuple(fields), db.alias, db.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for i, column, fns in converters:
            for fn in fns:
                row[i] = fn(row[i], column, db)
        converted.append(tuple(row))
    return converted


def for_update_of_main_row() -> str:
    """`` FOR UPDATE OF t0``, as ``select_for_update(of=("self",))`` locks, and like it refused outside a
    transaction (where the lock would end with the statement); nothing on databases without row locks."""
    if not connection.features.has_select_for_update:
        return ""
    if not connection.in_atomic_block:
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return " " + connection.ops.for_update_sql(of=("t0",))


def select_related_where(model: type[Model], related: Sequence[str], where: str, params: Sequence,
                         annotations: Mapping[str, str] | None = None, *, lock: bool = False) -> list[Model]:
    """Instances of ``model`` with the named forward foreign keys loaded, as
    ``model.objects.select_related(*related).filter(...)`` gives them, from one plain query.
    ``where`` is SQL on the model's table, aliased ``t0`` (it may end with ORDER BY / LIMIT);
    ``annotations`` (attribute name: SQL expression, without parameters) become attributes of each
    instance, with the database's raw value; ``lock`` locks the rows of ``model`` only (not the joined
    ones). For reads on every request whose QuerySet compilation cost more CPU than the query itself."""
    qn = connection.ops.quote_name
    parts = [(model, None, list(model._meta.concrete_fields))]
    joins = []
    for i, name in enumerate(related, start=1):
        fk = model._meta.get_field(name)
        target = fk.related_model
        parts.append((target, fk, list(target._meta.concrete_fields)))
        joins.append(f" LEFT JOIN {qn(target._meta.db_table)} t{i} ON t{i}.{qn(target._meta.pk.column)}"
                     f" = t0.{qn(fk.column)}")
    columns = ", ".join([f"t{i}.{qn(f.column)}" for i, (_, _, fields) in enumerate(parts) for f in fields]
                        + [f"({expression})" for expression in (annotations or {}).values()])
    sql = f"SELECT {columns} FROM {qn(model._meta.db_table)} t0{''.join(joins)} WHERE {where}"
    if lock:
        sql += for_update_of_main_row()
    rows = fetch_as([f for _, _, fields in parts for f in fields], sql, params)
    found = []
    for row in rows:
        start, objs = 0, []
        for part_model, _, fields in parts:
            values = row[start:start + len(fields)]
            start += len(fields)
            objs.append(part_model.from_db(connection.alias, [f.attname for f in fields], values))
        obj = objs[0]
        for (_, fk, _), rel in zip(parts[1:], objs[1:], strict=True):
            setattr(obj, fk.name, rel if getattr(obj, fk.attname) is not None else None)
        for name, value in zip(annotations or {}, row[start:], strict=True):
            setattr(obj, name, value)
        found.append(obj)
    return found
