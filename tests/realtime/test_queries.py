"""realtime.queries: the counter raised by plain SQL ends where the ORM's two
statements end, and reads back the same value."""

import pytest
from django.db import connection, transaction

from board.models import BoardEvent, CohortSession
from board.stream import BOARD
from realtime import queries, streams

pytestmark = pytest.mark.django_db


def test_raise_counter_returns_what_the_orm_reads_back(live_session, scheduled_session):
    start = live_session.last_seq
    CohortSession.objects.filter(pk=scheduled_session.pk).update(last_seq=start)
    with transaction.atomic():
        plain = queries.raise_counter(CohortSession, live_session.pk, 3)
        orm = queries.raise_counter_orm(CohortSession, scheduled_session.pk, 3)
    assert plain == orm == start + 3
    stored = dict(
        CohortSession.objects.filter(pk__in=[live_session.pk, scheduled_session.pk]).values_list(
            "pk", "last_seq"
        )
    )
    assert stored == {live_session.pk: start + 3, scheduled_session.pk: start + 3}


def test_raise_counter_on_a_missing_row_raises_as_the_orm_does(live_session):
    missing = live_session.pk + 1000
    for raise_counter in (queries.raise_counter, queries.raise_counter_orm):
        with pytest.raises(CohortSession.DoesNotExist), transaction.atomic():
            raise_counter(CohortSession, missing, 1)


def test_raise_counter_without_returning_takes_the_orm_path(live_session, monkeypatch):
    """SQLite before 3.35 has no RETURNING: the same result, in two statements."""
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    start = live_session.last_seq
    with transaction.atomic():
        assert queries.raise_counter(CohortSession, live_session.pk, 2) == start + 2
    live_session.refresh_from_db()
    assert live_session.last_seq == start + 2


def test_appended_events_are_numbered_after_the_counter(live_session):
    start = live_session.last_seq
    with transaction.atomic():
        stored = streams.append_events(
            BOARD,
            live_session.pk,
            [("probe.one", {"n": 1}, "everyone", ()), ("probe.two", {"n": 2}, "users", (5, 3))],
        )
    assert [event.seq for event in stored] == [start + 1, start + 2]
    assert all(event.pk is not None for event in stored)
    again = list(BOARD.events(live_session.pk).filter(seq__gt=start).order_by("seq"))
    assert [(e.type, e.payload, e.audience, e.user_ids) for e in again] == [
        ("probe.one", {"n": 1}, "everyone", []),
        ("probe.two", {"n": 2}, "users", [3, 5]),
    ]
    assert BOARD.current_seq(live_session.pk) == start + 2


def test_inserted_events_are_the_rows_bulk_create_stores(live_session):
    """The plain INSERT stores, field for field, what `bulk_create` stores."""
    start = live_session.last_seq
    payload = {"text": "«quoted» \"and\" 'escaped'", "n": [1, None, True]}

    def events(first):
        return [
            BoardEvent(
                session=live_session,
                seq=first,
                type="probe",
                payload=payload,
                audience="users",
                user_ids=[3, 5],
            ),
        ]

    with transaction.atomic():
        plain = events(start + 1)
        queries.insert_events(plain)
        orm = events(start + 2)
        BoardEvent.objects.bulk_create(orm)
    assert plain[0].pk is not None and orm[0].pk is not None
    fields = ("session_id", "type", "payload", "audience", "user_ids", "created_at")
    rows = {
        row["seq"]: row
        for row in BoardEvent.objects.filter(pk__in=[plain[0].pk, orm[0].pk]).values(
            "seq", *fields
        )
    }
    plain_row, orm_row = rows[start + 1], rows[start + 2]
    assert {f: plain_row[f] for f in fields if f != "created_at"} == {
        f: orm_row[f] for f in fields if f != "created_at"
    }
    assert plain_row["created_at"] is not None and orm_row["created_at"] is not None
