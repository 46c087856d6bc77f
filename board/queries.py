"""The board's plain SQL: the statements that run for every batch of posts,
every reaction and every heartbeat slice, written without Django's query
compiler.

Why: on the reference machine the compiler cost 0.4–1.5 ms per statement,
where SQLite ran the statement itself in 30–100 µs. What it bought
(docs/performance-history.md):
- the three reads of every batch of posts (the senders' memberships, the
  sessions under lock, earlier client ids): server CPU per delivery
  1,066 → 779 µs, p50 / p99 10.7 / 37.1 → 7.3 / 30.6 ms at 50 posts/s;
- reactions in four statements instead of eight: a writer's batch of a post
  and a reaction 3.5 → 0.95 ms, p95 5.2 → 3.3 ms, p99 at 5,000 users
  27.0 → 21.8 ms;
- the heartbeat's presence and attendance writes: 11 → 1.1 ms for 250
  sockets measured alone (a slice had held the writer 68–105 ms).
Inserts through plain SQL gained nothing beyond the noise: posts are stored
with `bulk_create`.

Names come quoted from the models and every value is a parameter prepared by
its model field. tests/test_board_queries.py checks each statement against
the ORM query it replaces, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import connection

from board.models import Attendance, CohortSession, Phase, Presence, Reaction, Reflection
from cohorts.models import Membership
from lib.sql import marks


def memberships_of(user_ids, cohort_ids) -> dict[tuple[int, int], tuple[int, str]]:
    """(membership id, role) by (user id, cohort id): the board's access
    re-check before every batch of frames."""
    users, cohorts = sorted(user_ids), sorted(cohort_ids)
    if not users or not cohorts:
        return {}
    query = (
        "SELECT user_id, cohort_id, id, role"  # noqa: S608 (quoted table names and placeholders only)
        f" FROM {connection.ops.quote_name(Membership._meta.db_table)}"
        f" WHERE user_id IN ({marks(users)}) AND cohort_id IN ({marks(cohorts)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*users, *cohorts])
        return {(user_id, cohort_id): (pk, role) for user_id, cohort_id, pk, role in cursor}


@dataclass(frozen=True)
class BoardState:
    """What a post or a reaction is judged against: a session's state, read
    under its lock. `current_phase` carries only its id, session, position
    and anonymity."""

    pk: int
    status: str
    posting_locked: bool
    current_phase: Phase | None

    @property
    def current_phase_id(self) -> int | None:
        return self.current_phase.pk if self.current_phase else None


def locked_boards(session_ids) -> dict[int, BoardState]:
    """The sessions' state by id, their rows locked in id order until the
    transaction ends (on PostgreSQL; SQLite's writer holds the whole file)."""
    ids = sorted(session_ids)
    if not ids:
        return {}
    quote = connection.ops.quote_name
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else ""
    query = (
        "SELECT s.id, s.status, s.posting_locked, s.current_phase_id, p.position, p.anonymous"  # noqa: S608 (quoted table names and placeholders only)
        f" FROM {quote(CohortSession._meta.db_table)} s"
        f" LEFT JOIN {quote(Phase._meta.db_table)} p ON p.id = s.current_phase_id"
        f" WHERE s.id IN ({marks(ids)}) ORDER BY s.id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, ids)
        rows = cursor.fetchall()
    return {
        pk: BoardState(
            pk=pk,
            status=status,
            posting_locked=bool(locked),
            current_phase=None
            if phase_id is None
            else Phase(pk=phase_id, session_id=pk, position=position, anonymous=bool(anonymous)),
        )
        for pk, status, locked, phase_id, position, anonymous in rows
    }


def reflections_posted_as(author_ids, client_ids: set[uuid.UUID]) -> list[int]:
    """Ids of the reflections these authors stored under any of these client
    ids (a resend). Deleted ones included: a resend must not store again."""
    authors = sorted(author_ids)
    if not authors or not client_ids:
        return []
    as_stored = Reflection._meta.get_field("client_id").get_db_prep_value
    uuids = [as_stored(client_id, connection) for client_id in client_ids]
    query = (
        f"SELECT id FROM {connection.ops.quote_name(Reflection._meta.db_table)}"  # noqa: S608 (as above)
        f" WHERE author_id IN ({marks(authors)}) AND client_id IN ({marks(uuids)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*authors, *uuids])
        return [pk for (pk,) in cursor.fetchall()]


def reflection_on_board(session_id: int, reflection_id) -> Reflection | None:
    """The reflection, if it is on this session's board and not deleted, with
    only what the visibility rule reads (id, session, author, hidden)."""
    query = (
        "SELECT id, session_id, author_id, hidden"  # noqa: S608 (as above)
        f" FROM {connection.ops.quote_name(Reflection._meta.db_table)}"
        " WHERE id = %s AND session_id = %s AND deleted_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [reflection_id, session_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return Reflection(
        pk=row[0], session_id=row[1], author_id=row[2], hidden=bool(row[3]), deleted_at=None
    )


def reactions_to(reflection_id: int, member_id: int) -> tuple[dict[str, int], list[str]]:
    """A reflection's reaction counts by emoji (only emojis it has) and, sorted,
    the emojis of one member's own reactions to it: one GROUP BY."""
    query = (
        "SELECT emoji, COUNT(*), SUM(CASE WHEN member_id = %s THEN 1 ELSE 0 END)"  # noqa: S608 (as above)
        f" FROM {connection.ops.quote_name(Reaction._meta.db_table)}"
        " WHERE reflection_id = %s GROUP BY emoji"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [member_id, reflection_id])
        rows = cursor.fetchall()
    counts = {emoji: count for emoji, count, _own in rows}
    return counts, sorted(emoji for emoji, _count, own in rows if own)


def touch_presence(channel_names: list[str], now: datetime.datetime) -> None:
    """Presence rows of these channels seen at `now`, and the attendance of
    their members on live sessions last seen at `now`: two statements."""
    if not channel_names:
        return
    seen = Presence._meta.get_field("seen_at").get_db_prep_value(now, connection)
    quote = connection.ops.quote_name
    presence = quote(Presence._meta.db_table)
    attendance = quote(Attendance._meta.db_table)
    session = quote(CohortSession._meta.db_table)
    names = marks(channel_names)
    touch = f"UPDATE {presence} SET seen_at = %s WHERE channel_name IN ({names})"  # noqa: S608 (as above)
    attended = (
        f"UPDATE {attendance} SET last_seen_at = %s"  # noqa: S608 (as above)
        " WHERE (session_id, membership_id) IN ("
        f"SELECT p.session_id, p.membership_id FROM {presence} p"
        f" JOIN {session} s ON s.id = p.session_id"
        f" WHERE p.channel_name IN ({names}) AND s.status = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(touch, [seen, *channel_names])
        cursor.execute(attended, [seen, *channel_names, CohortSession.Status.LIVE.value])
