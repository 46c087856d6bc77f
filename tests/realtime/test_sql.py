"""lib.sql: the writer's statements without Django's compiler store
exactly what the ORM would."""

import datetime
import uuid

import pytest
from django.utils import timezone

from board.models import BoardEvent, Reflection
from lib import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(live_session):
    return live_session


def test_insert_sets_ids_in_order_and_stores_every_field(session, participant):
    author = session.cohort.memberships.get(user=participant)
    client_ids = [uuid.uuid4() for _ in range(3)]
    when = timezone.now() - datetime.timedelta(minutes=5)
    rows = [
        Reflection(
            session=session,
            phase=session.current_phase,
            author=author,
            text=f"<b>{n}</b> ünïcode \u2028",
            client_id=client_id,
            anonymous=n == 1,
            created_at=when,
        )
        for n, client_id in enumerate(client_ids)
    ]
    sql.insert(rows)
    assert all(row.pk is not None and not row._state.adding for row in rows)
    stored = {r.pk: r for r in Reflection.objects.filter(pk__in=[row.pk for row in rows])}
    for n, row in enumerate(rows):
        again = stored[row.pk]
        assert again.client_id == client_ids[n]
        assert again.text == f"<b>{n}</b> ünïcode \u2028"
        assert again.anonymous is (n == 1)
        assert again.created_at == when
        assert again.hidden is False and again.deleted_at is None


def test_insert_stores_json_as_json(session):
    payload = {"reflection": {"id": 7, "text": 'quote " and \\ and 🙂', "tags": [1, None]}}
    event = BoardEvent(session=session, seq=10_000, type="probe", payload=payload, user_ids=[3, 1])
    sql.insert([event])
    again = BoardEvent.objects.get(pk=event.pk)
    assert again.payload == payload and again.user_ids == [3, 1]
    # Still JSON to the database: lookups into it work.
    assert BoardEvent.objects.filter(payload__reflection__id=7).get().pk == event.pk


def test_insert_of_nothing_does_nothing():
    sql.insert([])


def test_marks():
    assert sql.marks([1, 2, 3]) == "%s, %s, %s"
