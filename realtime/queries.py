"""The realtime layer's plain SQL: a stream's counter raised and read back
(`raise_counter`), and its events inserted (`insert_events`).

Why: every writer batch that appends events runs it, inside its
transaction. The ORM cannot return a column from an UPDATE, so it takes two
statements there, each through the query compiler. Measured alone
(docs/performance-history.md, "Statements measured alone"): 18 against
294 µs on SQLite, 255 against 820 µs on PostgreSQL, where a writer's whole
transaction for a post is about 0.6 ms (docs/performance.md).

Events are inserted once per stream and batch, so a batch of posts to
sixteen boards is sixteen inserts, each through `bulk_create`'s compiler
otherwise. With `bulk_create` here (and a coroutine more per delivery) the
board's knee fell from 600 to 400 posts/s; with both undone it is back at
600 (docs/performance.md, "Before and after the restructuring into layers").

Names come quoted from the model and every value is a parameter.
tests/realtime/test_queries.py checks the statement against the ORM's two,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models import F

from lib import sql


def raise_counter(model: type[models.Model], pk: int, by: int, *, field: str = "last_seq") -> int:
    """Raise `field` of the row `pk` by `by` and return its new value; the
    row stays locked until commit. DoesNotExist when there is no such row."""
    if not connection.features.can_return_columns_from_insert:
        return raise_counter_orm(model, pk, by, field=field)  # SQLite before 3.35
    meta = model._meta
    quote = connection.ops.quote_name
    counter = quote(meta.get_field(field).column)
    statement = (
        f"UPDATE {quote(meta.db_table)} SET {counter} = {counter} + %s"  # noqa: S608 (quoted names and placeholders only)
        f" WHERE {quote(meta.pk.column)} = %s RETURNING {counter}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [by, pk])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist
    return row[0]


def raise_counter_orm(model: type[models.Model], pk: int, by: int, *, field: str = "last_seq"):
    """`raise_counter` through the ORM, in two statements."""
    model.objects.filter(pk=pk).update(**{field: F(field) + by})
    return model.objects.values_list(field, flat=True).get(pk=pk)


def insert_events(events) -> None:
    """INSERT a stream's new events (unsaved, one model) in one statement and
    set their ids, as `bulk_create` would."""
    sql.insert(events)
