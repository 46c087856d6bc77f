"""Running a live session: start and end, phases, the timer, spotlight,
moderation, reflections, reactions and commitments."""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from board.models import (
    COMMITMENT_MAX_LENGTH,
    REFLECTION_MAX_LENGTH,
    CohortSession,
    Commitment,
    Phase,
    PhaseKind,
    Presence,
    Reaction,
    Reflection,
)
from board.services.common import (
    MAX_EXTEND_SECONDS,
    MAX_TIMER_SECONDS,
    Status,
    Timer,
    clean_text,
    client_uuid,
    live_session_for_runner,
    locked_session,
    record_attendance,
    refuse,
    require_live,
    require_runner,
    session_phase,
    visible_reflection,
    whole_number,
)
from board.stream import (
    EMOJIS,
    commitment_payload,
    emit,
    emit_many,
    empty_counts,
    reflection_payload,
    timer_payload,
    withdraw_reflection,
)
from lib import sql
from lib.errors import DomainError
from realtime.models import Audience

# Start and end ----------------------------------------------------------------


def _save_timer(session, state, *, ends_at=None, remaining=None, also=()) -> None:
    """Set the timer and save it, with the fields in `also`, in one UPDATE."""
    session.timer_state = state
    session.timer_ends_at = ends_at
    session.timer_remaining_seconds = remaining
    session.save(update_fields=["timer_state", "timer_ends_at", "timer_remaining_seconds", *also])


@transaction.atomic
def start_session(*, access) -> CohortSession:
    """Open the board on the first phase; whoever is already on it attends."""
    require_runner(access)
    session = locked_session(access)
    if session.status != Status.SCHEDULED:
        raise refuse("invalid", _("This session has already started."))
    first = session.phases.order_by("position", "pk").first()
    if first is None:
        raise refuse("invalid", _("The agenda is empty; add a phase first."))
    session.status = Status.LIVE
    session.started_at = timezone.now()
    session.current_phase = first
    _save_timer(session, Timer.IDLE, also=["status", "started_at", "current_phase"])
    record_attendance(
        session, Presence.objects.filter(session=session).values_list("membership_id", flat=True)
    )
    emit(
        session.pk,
        "session.started",
        {"status": session.status, "current_phase": first.pk, "timer": timer_payload(session)},
    )
    return session


@transaction.atomic
def end_session(*, access) -> CohortSession:
    session = live_session_for_runner(access)
    session.status = Status.ENDED
    session.ended_at = timezone.now()
    _save_timer(session, Timer.IDLE, also=["status", "ended_at"])
    emit(session.pk, "session.ended", {"status": session.status})
    return session


# Facilitating -----------------------------------------------------------------


@transaction.atomic
def goto_phase(*, access, phase_id) -> CohortSession:
    """Move everyone to a phase; the timer goes back to idle."""
    session = live_session_for_runner(access)
    phase = session_phase(session, phase_id)
    if session.current_phase_id == phase.pk:
        return session
    session.current_phase = phase
    _save_timer(session, Timer.IDLE, also=["current_phase"])
    emit(
        session.pk,
        "phase.changed",
        {"current_phase": phase.pk, "timer": timer_payload(session)},
    )
    return session


def _timer_changed(session) -> None:
    emit(session.pk, "timer.changed", {"timer": timer_payload(session)})


def _seconds_left(session, now) -> int:
    return max(0, math.ceil((session.timer_ends_at - now).total_seconds()))


@transaction.atomic
def start_timer(*, access, seconds: int | None = None) -> CohortSession:
    """Run the timer for `seconds`; without, resume a paused timer or run the
    current phase's timebox."""
    session = live_session_for_runner(access)
    if seconds is None:
        if session.timer_state == Timer.PAUSED and session.timer_remaining_seconds:
            seconds = session.timer_remaining_seconds
        elif session.current_phase is not None:
            seconds = session.current_phase.timebox_minutes * 60
        else:
            raise refuse("invalid", _("Say for how many seconds the timer should run."))
    seconds = whole_number(
        seconds,
        low=1,
        high=MAX_TIMER_SECONDS,
        message=_("The timer runs for 1 to %(max)d seconds.") % {"max": MAX_TIMER_SECONDS},
    )
    _save_timer(
        session, Timer.RUNNING, ends_at=timezone.now() + datetime.timedelta(seconds=seconds)
    )
    _timer_changed(session)
    return session


@transaction.atomic
def pause_timer(*, access) -> CohortSession:
    """Stop a running timer, keeping the seconds left; otherwise nothing changes."""
    session = live_session_for_runner(access)
    if session.timer_state != Timer.RUNNING:
        return session
    _save_timer(session, Timer.PAUSED, remaining=_seconds_left(session, timezone.now()))
    _timer_changed(session)
    return session


@transaction.atomic
def extend_timer(*, access, seconds: int) -> CohortSession:
    """Add time to a running or paused timer."""
    session = live_session_for_runner(access)
    seconds = whole_number(
        seconds,
        low=1,
        high=MAX_EXTEND_SECONDS,
        message=_("A timer can be extended by 1 to %(max)d seconds.")
        % {"max": MAX_EXTEND_SECONDS},
    )
    now = timezone.now()
    if session.timer_state == Timer.RUNNING:
        # A timer that already ran out restarts from now.
        base = max(session.timer_ends_at, now)
        _save_timer(session, Timer.RUNNING, ends_at=base + datetime.timedelta(seconds=seconds))
    elif session.timer_state == Timer.PAUSED:
        _save_timer(
            session, Timer.PAUSED, remaining=(session.timer_remaining_seconds or 0) + seconds
        )
    else:
        raise refuse("invalid", _("The timer is not running; start it first."))
    _timer_changed(session)
    return session


@transaction.atomic
def clear_timer(*, access) -> CohortSession:
    session = live_session_for_runner(access)
    if session.timer_state == Timer.IDLE:
        return session
    _save_timer(session, Timer.IDLE)
    _timer_changed(session)
    return session


def _set_spotlight(session, reflection, *, event=True) -> None:
    session.spotlight = reflection
    session.save(update_fields=["spotlight"])
    if reflection is not None and reflection.spotlighted_at is None:
        reflection.spotlighted_at = timezone.now()
        reflection.save(update_fields=["spotlighted_at"])
    if event:
        emit(session.pk, "spotlight.changed", {"spotlight": session.spotlight_id})


@transaction.atomic
def set_spotlight(*, access, reflection_id) -> CohortSession:
    """Put a reflection in front of everyone, or none (`reflection_id` None)."""
    session = live_session_for_runner(access)
    reflection = None
    if reflection_id is not None:
        reflection = visible_reflection(access, session, reflection_id)
        if reflection.hidden:
            raise refuse("invalid", _("Unhide this reflection before spotlighting it."))
    if session.spotlight_id == (reflection.pk if reflection else None):
        return session
    _set_spotlight(session, reflection)
    return session


@transaction.atomic
def hide_reflection(*, access, reflection_id, hidden: bool) -> Reflection:
    """Hide a reflection from participants (or show it again)."""
    session = live_session_for_runner(access)
    reflection = visible_reflection(access, session, reflection_id)
    hidden = bool(hidden)
    if reflection.hidden == hidden:
        return reflection
    reflection.hidden = hidden
    reflection.save(update_fields=["hidden"])
    if hidden:
        withdraw_reflection(session.pk, reflection.pk, audience=Audience.FACILITATORS)
        emit(session.pk, "reflection.hidden", {"reflection": reflection.pk})
        if session.spotlight_id == reflection.pk:
            _set_spotlight(session, None)
    else:
        emit(session.pk, "reflection.unhidden", {"reflection": reflection_payload(reflection)})
    return reflection


@transaction.atomic
def set_posting_locked(*, access, locked: bool) -> CohortSession:
    session = live_session_for_runner(access)
    locked = bool(locked)
    if session.posting_locked == locked:
        return session
    session.posting_locked = locked
    session.save(update_fields=["posting_locked"])
    emit(session.pk, "posting.changed", {"posting_locked": locked})
    return session


# Posting ----------------------------------------------------------------------


def _require_may_post(access, session) -> None:
    require_live(session)
    if session.posting_locked and not access.can_post_while_locked:
        raise refuse("locked", _("Posting is paused by the facilitator."))


def _reflection_text(text) -> str:
    return clean_text(
        text,
        limit=REFLECTION_MAX_LENGTH,
        too_long_message=_("A reflection can be at most %(limit)d characters.")
        % {"limit": REFLECTION_MAX_LENGTH},
    )


@dataclass(frozen=True)
class PostRequest:
    """One `reflection.post`: who, to which phase, what, with which client id."""

    access: object
    phase_id: object
    text: str
    client_id: object


def post_reflection(*, access, phase_id, text: str, client_id) -> Reflection:
    """Store a reflection, then broadcast it after commit.

    A resend with a `client_id` this member already used returns the stored
    reflection and stores nothing, whatever the board's state now.
    """
    [outcome] = post_reflections(
        [PostRequest(access=access, phase_id=phase_id, text=text, client_id=client_id)]
    )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@transaction.atomic
def post_reflections(requests) -> list[Reflection | DomainError]:
    """`post_reflection` for many posts at once, in one query of each kind
    whatever their number (the websocket writer's batches): for each request,
    the reflection stored (or already stored for its client id), or the
    DomainError that refuses it. Sessions are locked in id order."""
    outcomes: list[Reflection | DomainError | None] = [None] * len(requests)
    client_ids: dict[int, uuid.UUID] = {}
    for index, request in enumerate(requests):
        try:
            client_ids[index] = client_uuid(request.client_id)
        except DomainError as error:
            outcomes[index] = error
    if not client_ids:
        return outcomes
    sessions = _locked_boards({requests[index].access.session.pk for index in client_ids})
    stored = _already_posted(
        {requests[index].access.membership.pk for index in client_ids}, set(client_ids.values())
    )
    other_phases = _phases_posted_to(requests, client_ids, sessions)
    new: dict[tuple, Reflection] = {}
    for index, client_id in client_ids.items():
        request = requests[index]
        key = (request.access.membership.pk, client_id)
        try:
            outcomes[index] = _one_post(request, key, sessions, stored, new, other_phases)
        except DomainError as error:
            outcomes[index] = error
    sql.insert(list(new.values()))
    by_session: dict[int, list] = {}
    for reflection in new.values():
        reflection.just_posted = True  # its ack needs no reaction query
        by_session.setdefault(reflection.session_id, []).append(reflection)
    for session_id, reflections in by_session.items():
        emit_many(
            session_id,
            [
                ("reflection.posted", {"reflection": reflection_payload(r, counts=empty_counts())})
                for r in reflections
            ],
        )
    return outcomes


@dataclass(frozen=True)
class _Board:
    """What a post is judged against: a session's state, read under its lock."""

    pk: int
    status: str
    posting_locked: bool
    current_phase: Phase | None

    @property
    def current_phase_id(self):
        return self.current_phase.pk if self.current_phase else None


def _locked_boards(session_ids) -> dict[int, _Board]:
    """The sessions' state, locked in id order.

    This and `_already_posted` run for every batch of posts, this for every
    reaction too, and both are plain SQL (lib/sql.py says why).
    """
    ids = sorted(session_ids)
    quote = connection.ops.quote_name
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else ""
    query = (
        "SELECT s.id, s.status, s.posting_locked, s.current_phase_id, p.position, p.anonymous"  # noqa: S608 (quoted table names and placeholders only)
        f" FROM {quote(CohortSession._meta.db_table)} s"
        f" LEFT JOIN {quote(Phase._meta.db_table)} p ON p.id = s.current_phase_id"
        f" WHERE s.id IN ({sql.marks(ids)}) ORDER BY s.id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, ids)
        rows = cursor.fetchall()
    return {
        pk: _Board(
            pk=pk,
            status=status,
            posting_locked=bool(locked),
            current_phase=None
            if phase_id is None
            else Phase(pk=phase_id, session_id=pk, position=position, anonymous=bool(anonymous)),
        )
        for pk, status, locked, phase_id, position, anonymous in rows
    }


def _already_posted(author_ids, client_ids) -> dict[tuple, Reflection]:
    """Reflections stored before under these client ids, by (author, client id).
    A resend is rare: a light query first, the full rows only when one is found."""
    authors = sorted(author_ids)
    as_stored = Reflection._meta.get_field("client_id").get_db_prep_value
    uuids = [as_stored(client_id, connection) for client_id in client_ids]
    query = (
        f"SELECT id FROM {connection.ops.quote_name(Reflection._meta.db_table)}"  # noqa: S608 (as above)
        f" WHERE author_id IN ({sql.marks(authors)}) AND client_id IN ({sql.marks(uuids)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*authors, *uuids])
        found = [pk for (pk,) in cursor.fetchall()]
    if not found:
        return {}
    rows = Reflection.objects.select_related("author__user").filter(pk__in=found)
    return {(reflection.author_id, reflection.client_id): reflection for reflection in rows}


def _phases_posted_to(requests, client_ids, sessions) -> dict:
    """The phases named by posts that are not their session's current phase."""
    wanted = set()
    for index in client_ids:
        session = sessions.get(requests[index].access.session.pk)
        current = session.current_phase_id if session else None
        if str(requests[index].phase_id) != str(current):
            wanted.add(requests[index].phase_id)
    ids = [phase_id for phase_id in wanted if isinstance(phase_id, int)]
    return {phase.pk: phase for phase in Phase.objects.filter(pk__in=ids)} if ids else {}


def _one_post(request, key, sessions, stored, new, other_phases) -> Reflection:
    access = request.access
    session = sessions[access.session.pk]
    existing = stored.get(key) or new.get(key)  # a double click lands in one batch
    if existing is not None:
        if not access.can_see_reflection(existing):
            # Deleted since, or hidden from this participant by a facilitator.
            raise refuse("not_found", _("This reflection is no longer on the board."))
        return existing
    _require_may_post(access, session)
    current = session.current_phase
    if current is not None and str(request.phase_id) == str(current.pk):
        phase = current  # most posts answer the current phase
    else:
        phase = other_phases.get(request.phase_id)
        if phase is None or phase.session_id != session.pk:
            raise refuse("not_found", _("There is no such phase in this session."))
    if current is None or phase.position > current.position:
        raise refuse("invalid", _("That prompt is not open yet."))
    new[key] = reflection = Reflection(
        phase=phase,
        session_id=session.pk,
        author=access.membership,
        text=_reflection_text(request.text),
        client_id=key[1],
        anonymous=phase.anonymous,
    )
    return reflection


def _own_reflection(access, session, reflection_id) -> Reflection:
    reflection = visible_reflection(access, session, reflection_id)
    if not access.can_change_reflection(reflection):
        raise refuse("forbidden", _("Only its author can change a reflection."))
    return reflection


@transaction.atomic
def edit_reflection(*, access, reflection_id, text: str) -> Reflection:
    """Change the text of one's own reflection while the session is live."""
    session = locked_session(access)
    reflection = _own_reflection(access, session, reflection_id)
    _require_may_post(access, session)
    text = _reflection_text(text)
    if text == reflection.text:
        return reflection
    reflection.text = text
    reflection.edited_at = timezone.now()
    reflection.save(update_fields=["text", "edited_at"])
    emit(
        session.pk,
        "reflection.edited",
        {"reflection": reflection_payload(reflection)},
        facilitators_only=reflection.hidden,
    )
    return reflection


@transaction.atomic
def delete_reflection(*, access, reflection_id) -> None:
    """Take one's own reflection off the board while the session is live."""
    session = locked_session(access)
    reflection = _own_reflection(access, session, reflection_id)
    require_live(session)
    reflection.deleted_at = timezone.now()
    reflection.save(update_fields=["deleted_at"])
    withdraw_reflection(session.pk, reflection.pk, audience=Audience.USERS)
    emit(session.pk, "reflection.deleted", {"reflection": reflection.pk})
    if session.spotlight_id == reflection.pk:
        _set_spotlight(session, None)


@dataclass(frozen=True)
class Reactions:
    """A reflection's reaction counts, and the caller's own reactions to it."""

    reflection_id: int
    counts: dict
    mine: list


def _react(access, reflection_id, emoji, *, add: bool) -> Reactions:
    """One reaction added or taken back. Reactions are the board's most
    frequent frame after posts, so this is plain SQL too: four statements
    before the event's, where the ORM took five to eight."""
    if emoji not in EMOJIS:
        raise refuse("invalid", _("Choose one of the offered reactions."))
    session_id = access.session.pk
    [session] = _locked_boards([session_id]).values()
    reflection = _reflection_to_react_to(access, reflection_id)
    require_live(session)
    reaction = Reaction(reflection_id=reflection.pk, member_id=access.membership.pk, emoji=emoji)
    if add:
        changed = sql.insert_new(reaction, unique=_REACTION_KEY)
    else:
        changed = sql.delete_same(reaction, _REACTION_KEY)
    counts, mine = _reactions_to(reflection.pk, access.membership.pk)
    if changed:
        emit(
            session_id,
            "reaction.changed",
            {"reflection": reflection.pk, "reactions": counts},
            facilitators_only=reflection.hidden,
        )
    return Reactions(reflection_id=reflection.pk, counts=counts, mine=mine)


_REACTION_KEY = ("reflection", "member", "emoji")  # its unique constraint


def _reflection_to_react_to(access, reflection_id) -> Reflection:
    """What the visibility rule reads of a reflection on this board that is
    not deleted; not_found for any other, and for one hidden from this member."""
    query = (
        "SELECT id, session_id, author_id, hidden"  # noqa: S608 (a quoted table name and placeholders only)
        f" FROM {connection.ops.quote_name(Reflection._meta.db_table)}"
        " WHERE id = %s AND session_id = %s AND deleted_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [reflection_id, access.session.pk])
        row = cursor.fetchone()
    found = row and Reflection(
        pk=row[0], session_id=row[1], author_id=row[2], hidden=bool(row[3]), deleted_at=None
    )
    if not found or not access.can_see_reflection(found):
        raise refuse("not_found", _("There is no such reflection on this board."))
    return found


def _reactions_to(reflection_id, member_id) -> tuple[dict[str, int], list[str]]:
    """A reflection's reaction counts and a member's own reactions to it, in one query."""
    query = (
        "SELECT emoji, COUNT(*), SUM(CASE WHEN member_id = %s THEN 1 ELSE 0 END)"  # noqa: S608 (as above)
        f" FROM {connection.ops.quote_name(Reaction._meta.db_table)}"
        " WHERE reflection_id = %s GROUP BY emoji"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [member_id, reflection_id])
        rows = cursor.fetchall()
    counts = empty_counts()
    counts.update({emoji: count for emoji, count, _own in rows})
    return counts, sorted(emoji for emoji, _count, own in rows if own)


@transaction.atomic
def add_reaction(*, access, reflection_id, emoji: str) -> Reactions:
    return _react(access, reflection_id, emoji, add=True)


@transaction.atomic
def remove_reaction(*, access, reflection_id, emoji: str) -> Reactions:
    return _react(access, reflection_id, emoji, add=False)


@transaction.atomic
def add_commitment(*, access, text: str, client_id) -> Commitment:
    """Store a commitment (seen by its author and the facilitators).

    A resend with a `client_id` already used returns the stored one.
    """
    client_id = client_uuid(client_id)
    session = locked_session(access)
    existing = (
        Commitment.objects.select_related("author__user")
        .filter(author=access.membership, client_id=client_id)
        .first()
    )
    if existing is not None:
        return existing
    _require_may_post(access, session)
    current = session.current_phase
    if current is None or current.kind not in {PhaseKind.COMMITMENTS, PhaseKind.CLOSE}:
        raise refuse("invalid", _("Commitments open at the commitments phase."))
    commitment = Commitment.objects.create(
        session=session,
        author=access.membership,
        text=clean_text(
            text,
            limit=COMMITMENT_MAX_LENGTH,
            too_long_message=_("A commitment can be at most %(limit)d characters.")
            % {"limit": COMMITMENT_MAX_LENGTH},
        ),
        client_id=client_id,
    )
    emit(
        session.pk,
        "commitment.added",
        {"commitment": commitment_payload(commitment)},
        facilitators_only=True,
        users=[access.membership.user_id],
    )
    return commitment
