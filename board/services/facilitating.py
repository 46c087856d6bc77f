"""Running a live session: start and end, phases, the timer, the spotlight
and moderation (hiding reflections, pausing posting). Only those who may run
the session (`access.can_run`) do any of it."""

from __future__ import annotations

import datetime
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from board import rules
from board.models import CohortSession, Presence, Reflection
from board.services.common import (
    MAX_EXTEND_SECONDS,
    MAX_TIMER_SECONDS,
    Status,
    Timer,
    live_session_for_runner,
    locked_session,
    mark_revised,
    record_attendance,
    refuse,
    require_cohort_runs_sessions,
    require_runner,
    session_phase,
    visible_reflection,
    whole_number,
)
from board.stream import emit, reflection_payload, timer_payload, withdraw_reflection

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
    require_cohort_runs_sessions(session)
    if session.status == Status.CANCELLED:
        raise refuse("invalid", _("This session was cancelled; it cannot start."))
    if session.status != Status.SCHEDULED:
        raise refuse("invalid", _("This session has already started."))
    first = session.phases.order_by("position", "pk").first()
    if first is None:
        raise refuse("invalid", _("The agenda is empty; add a phase first."))
    session.status = Status.LIVE
    session.started_at = timezone.now()
    session.current_phase = first
    _save_timer(
        session,
        Timer.IDLE,
        also=["status", "started_at", "current_phase", *mark_revised(session)],
    )
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
    _save_timer(session, Timer.IDLE, also=["status", "ended_at", *mark_revised(session)])
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


def put_in_spotlight(session, reflection) -> None:
    """Spotlight `reflection` (or none) and say so; call with the session locked."""
    session.spotlight = reflection
    session.save(update_fields=["spotlight"])
    if reflection is not None and reflection.spotlighted_at is None:
        reflection.spotlighted_at = timezone.now()
        reflection.save(update_fields=["spotlighted_at"])
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
    put_in_spotlight(session, reflection)
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
        withdraw_reflection(session.pk, reflection.pk, to=rules.reflection_audience(reflection))
        emit(session.pk, "reflection.hidden", {"reflection": reflection.pk})
        if session.spotlight_id == reflection.pk:
            put_in_spotlight(session, None)
    else:
        emit(
            session.pk,
            "reflection.unhidden",
            {"reflection": reflection_payload(reflection)},
            to=rules.reflection_audience(reflection),
        )
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
