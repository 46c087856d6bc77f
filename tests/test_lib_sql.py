"""lib.sql: statements written without Django's compiler store exactly what
the ORM would."""

import datetime
import uuid

import pytest
from django.utils import timezone

from board.models import BoardEvent, Reaction, Reflection
from lib import sql
from tests.board_helpers import live_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cohort, facilitator, participant):
    return live_session(cohort, facilitator)


@pytest.fixture
def author(session, participant):
    return session.cohort.memberships.get(user=participant)


def test_insert_sets_ids_in_order_and_stores_every_field(session, author):
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


def test_insert_of_nothing_runs_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        sql.insert([])


def test_insert_new_stores_once_per_unique_key(session, author):
    thought = Reflection.objects.create(
        session=session,
        phase=session.current_phase,
        author=author,
        text="A thought",
        client_id=uuid.uuid4(),
    )
    key = ("reflection", "member", "emoji")
    first = Reaction(reflection=thought, member=author, emoji="heart")
    again = Reaction(reflection=thought, member=author, emoji="heart")
    assert sql.insert_new(first, unique=key) is True
    assert sql.insert_new(again, unique=key) is False
    assert again.pk is None
    assert list(Reaction.objects.values_list("pk", "emoji")) == [(first.pk, "heart")]


def test_delete_same_deletes_only_the_matching_row(session, author):
    thought = Reflection.objects.create(
        session=session,
        phase=session.current_phase,
        author=author,
        text="A thought",
        client_id=uuid.uuid4(),
    )
    key = ("reflection", "member", "emoji")
    Reaction.objects.create(reflection=thought, member=author, emoji="heart")
    kept = Reaction.objects.create(reflection=thought, member=author, emoji="clap")
    assert sql.delete_same(Reaction(reflection=thought, member=author, emoji="heart"), key)
    assert not sql.delete_same(Reaction(reflection=thought, member=author, emoji="heart"), key)
    assert list(Reaction.objects.values_list("pk", flat=True)) == [kept.pk]


def test_marks():
    assert sql.marks([1, 2, 3]) == "%s, %s, %s"
