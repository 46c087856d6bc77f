"""Plain SQL for the writer's hot path.

On this project's reference machine Django's query compiler costs 0.4–1.5 ms
per statement, where SQLite runs the statement itself in 30–100 µs
(docs/performance.md). The statements that run for every batch of posts are
therefore written out here, with quoted names from the models and every
value as a parameter, prepared by the model's own fields.
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
    meta = type(objs[0])._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    row = f"({marks(fields)})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608 (quoted names and placeholders only)
        f" VALUES {', '.join([row] * len(objs))} RETURNING {quote(meta.pk.column)}"
    )
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    # Rows come back in the order they were given, as bulk_create assumes too.
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
