"""Generic helpers for plain SQL on the writer's hot path: placeholders, and
INSERT and DELETE of model instances without Django's query compiler.

On this project's reference machine the compiler costs 0.4–1.5 ms per
statement, where SQLite runs the statement itself in 30–100 µs
(docs/performance-history.md). A statement that runs for every batch of
frames is therefore written out by the feature that owns it (the board's in
board/queries.py), with quoted names from the models and every value as a
parameter, prepared by the model's own fields. Nothing here knows a model.
"""

from __future__ import annotations

from django.db import connection


def marks(values) -> str:
    """As many placeholders as values: "%s, %s, %s"."""
    return ", ".join(["%s"] * len(values))


def insert(objs) -> None:
    """INSERT unsaved instances of one model in one statement and set their
    ids: what `bulk_create` does, without its compiler. No signals are sent
    (nor does `bulk_create` send them)."""
    if not objs:
        return
    with connection.cursor() as cursor:
        cursor.execute(*_insert_statement(objs))
        ids = [pk for (pk,) in cursor.fetchall()]
    # Rows come back in the order they were given, as bulk_create assumes too.
    for obj, pk in zip(objs, ids, strict=True):
        _stored(obj, pk)


def insert_new(obj, *, unique) -> bool:
    """INSERT one unsaved instance unless a row with its values in the fields
    named `unique` (a unique constraint's) exists: ON CONFLICT DO NOTHING, on
    SQLite and PostgreSQL alike. True, with its id set, if it was stored."""
    meta = type(obj)._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in unique)
    on_conflict = f" ON CONFLICT ({columns}) DO NOTHING"
    statement, params = _insert_statement([obj], on_conflict=on_conflict)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is not None:
        _stored(obj, row[0])
    return row is not None


def delete_same(obj, field_names) -> bool:
    """DELETE the rows of obj's model that hold obj's values in the fields
    named; True if there was one. No signals, no cascades: for a model that
    nothing points to."""
    meta = type(obj)._meta
    fields = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    where = " AND ".join(f"{quote(field.column)} = %s" for field in fields)
    params = [field.get_db_prep_value(getattr(obj, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {where}", params)  # noqa: S608 (quoted names and placeholders only)
        return cursor.rowcount > 0


def _insert_statement(objs, on_conflict: str = "") -> tuple[str, list]:
    meta = type(objs[0])._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    row = f"({marks(fields)})"
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608 (quoted names and placeholders only)
        f" VALUES {', '.join([row] * len(objs))}{on_conflict}"
        f" RETURNING {quote(meta.pk.column)}"
    )
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    return statement, params


def _stored(obj, pk) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
