"""Sessions, agendas and the live board: every operation, used by views and consumers.

Each operation is atomic and keyword-only, takes the caller's access object
(cohorts.permissions: `CohortAccess` to schedule, `SessionAccess` for a
session), and raises DomainError with a protocol error code
(docs/realtime-protocol.md) when a rule refuses it, leaving everything as it
was. Board operations lock the session row first, so that changes to one board
happen one at a time and their events are numbered in commit order; the event
is stored with the change and broadcast after commit (board.stream.emit).
"""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board.models import (
    COMMITMENT_MAX_LENGTH,
    REFLECTION_MAX_LENGTH,
    AgendaTemplate,
    Attendance,
    CohortSession,
    Commitment,
    Phase,
    PhaseKind,
    Presence,
    Reaction,
    Reflection,
)
from board.stream import (
    EMOJIS,
    commitment_payload,
    emit,
    empty_counts,
    my_reactions,
    phase_payload,
    phases_payload,
    presence_payload,
    presence_timeout,
    reaction_counts,
    reflection_payload,
    session_payload,
    timer_payload,
    withdraw_reflection,
)
from cohorts import permissions
from cohorts.errors import DomainError
from cohorts.models import Membership
from realtime import protocol
from realtime.models import Audience

Status = CohortSession.Status
Timer = CohortSession.TimerState

TITLE_MAX_LENGTH = 200
PROMPT_MAX_LENGTH = 1000
TEMPLATE_NAME_MAX_LENGTH = 120
MAX_TIMEBOX_MINUTES = 240
MAX_DURATION_MINUTES = 12 * 60
MAX_TIMER_SECONDS = 6 * 3600
MAX_EXTEND_SECONDS = 3600

# The agenda every new session starts from (the facilitator edits it), in the
# language active when the session is created.
DEFAULT_AGENDA = [
    {
        "kind": PhaseKind.CHECKIN,
        "title": gettext_lazy("Check-in round"),
        "prompt": gettext_lazy("In one sentence: how are you arriving today?"),
        "timebox_minutes": 10,
        "anonymous": False,
    },
    {
        "kind": PhaseKind.REFLECTION,
        "title": gettext_lazy("Reflection"),
        "prompt": "",
        "timebox_minutes": 15,
        "anonymous": False,
    },
    {
        "kind": PhaseKind.DISCUSSION,
        "title": gettext_lazy("Discussion"),
        "prompt": "",
        "timebox_minutes": 25,
        "anonymous": False,
    },
    {
        "kind": PhaseKind.COMMITMENTS,
        "title": gettext_lazy("Commitments"),
        "prompt": gettext_lazy("What will you do before we meet again?"),
        "timebox_minutes": 10,
        "anonymous": False,
    },
    {
        "kind": PhaseKind.CLOSE,
        "title": gettext_lazy("Close"),
        "prompt": "",
        "timebox_minutes": 5,
        "anonymous": False,
    },
]


def default_agenda() -> list[dict]:
    """DEFAULT_AGENDA in the active language, as plain data."""
    return [
        {key: str(value) if isinstance(value, Promise) else value for key, value in phase.items()}
        for phase in DEFAULT_AGENDA
    ]


# Checks ----------------------------------------------------------------------


def _refuse(code: str, message) -> DomainError:
    return DomainError(message, code=code)


def _clean_text(text, *, limit: int, too_long_message) -> str:
    # NUL cannot be stored by PostgreSQL and means nothing in a reflection.
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise _refuse("empty", _("Write something first."))
    if len(text) > limit:
        raise _refuse("too_long", too_long_message)
    return text


def _clean_title(title, *, limit=TITLE_MAX_LENGTH) -> str:
    title = (title or "").replace("\x00", "").strip()
    if not title:
        raise _refuse("empty", _("A title is required."))
    if len(title) > limit:
        raise _refuse(
            "too_long", _("A title can be at most %(limit)d characters.") % {"limit": limit}
        )
    return title


def _uuid(client_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise _refuse("invalid", _("The client id must be a UUID.")) from None


def _whole_number(value, *, low: int, high: int, message) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse("invalid", message)
    return value


def _require_runner(access) -> None:
    if not access.can_run:
        raise _refuse("forbidden", _("Only a facilitator of this cohort can do that."))


def _require_live(session) -> None:
    if session.status == Status.SCHEDULED:
        raise _refuse("not_live", _("The session has not started yet."))
    if session.status == Status.ENDED:
        raise _refuse("not_live", _("The session has ended."))


def _require_not_ended(session) -> None:
    if session.status == Status.ENDED:
        raise _refuse("not_live", _("The session has ended; its agenda can no longer change."))


def _locked_session(access) -> CohortSession:
    """The session row, locked until the transaction ends: one change to a
    board at a time. Call inside transaction.atomic()."""
    return (
        CohortSession.objects.select_for_update(of=("self",))
        .select_related("cohort", "current_phase")
        .get(pk=access.session.pk)
    )


def _live_session_for_runner(access) -> CohortSession:
    _require_runner(access)
    session = _locked_session(access)
    _require_live(session)
    return session


def _visible_reflection(access, session, reflection_id) -> Reflection:
    reflection = (
        Reflection.objects.select_related("author__user")
        .filter(pk=reflection_id, session=session)
        .first()
    )
    if reflection is None or not access.can_see_reflection(reflection):
        raise _refuse("not_found", _("There is no such reflection on this board."))
    return reflection


def _session_phase(session, phase_id) -> Phase:
    phase = Phase.objects.filter(pk=phase_id, session=session).first()
    if phase is None:
        raise _refuse("not_found", _("There is no such phase in this session."))
    return phase


def _check_in_window(cohort, starts_at) -> None:
    if starts_at is None or timezone.is_naive(starts_at):
        raise _refuse("invalid", _("Give the start time with its date."))
    day = timezone.localdate(starts_at)
    if not cohort.starts_on <= day <= cohort.ends_on:
        raise _refuse(
            "invalid",
            _("Sessions take place within the program, from %(start)s to %(end)s.")
            % {"start": cohort.starts_on.isoformat(), "end": cohort.ends_on.isoformat()},
        )


def _check_duration(duration_minutes) -> int:
    return _whole_number(
        duration_minutes,
        low=1,
        high=MAX_DURATION_MINUTES,
        message=_("The duration must be between 1 and %(max)d minutes.")
        % {"max": MAX_DURATION_MINUTES},
    )


def _clean_phase(*, kind, title, prompt, timebox_minutes, anonymous) -> dict:
    if kind not in PhaseKind.values:
        raise _refuse("invalid", _("Choose a kind of phase from the list."))
    prompt = (prompt or "").replace("\x00", "").strip()
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise _refuse(
            "too_long",
            _("A prompt can be at most %(limit)d characters.") % {"limit": PROMPT_MAX_LENGTH},
        )
    return {
        "kind": kind,
        "title": _clean_title(title),
        "prompt": prompt,
        "timebox_minutes": _whole_number(
            timebox_minutes,
            low=1,
            high=MAX_TIMEBOX_MINUTES,
            message=_("A timebox must be between 1 and %(max)d minutes.")
            % {"max": MAX_TIMEBOX_MINUTES},
        ),
        "anonymous": bool(anonymous),
    }


# Sessions and agendas ---------------------------------------------------------


def sessions_for_cohort(access):
    """A cohort's sessions, soonest first, for the people in the room (else none)."""
    if not permissions.can_see_sessions(access):
        return CohortSession.objects.none()
    return CohortSession.objects.filter(cohort=access.cohort).order_by("starts_at", "pk")


def _create_phases(session, phases) -> None:
    Phase.objects.bulk_create(
        Phase(session=session, position=position, **_clean_phase(**spec))
        for position, spec in enumerate(phases, start=1)
    )


@transaction.atomic
def create_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int, template_id=None
) -> CohortSession:
    """Schedule a session of `access.cohort`, with the default agenda or a saved one."""
    if not access.is_facilitator:
        raise _refuse("forbidden", _("Only a facilitator of this cohort can schedule sessions."))
    phases = default_agenda()
    if template_id not in (None, ""):
        phases = _template(access.user, template_id, access.cohort.organization_id).phases
    title = _clean_title(title)
    _check_in_window(access.cohort, starts_at)
    session = CohortSession.objects.create(
        cohort=access.cohort,
        title=title,
        starts_at=starts_at,
        duration_minutes=_check_duration(duration_minutes),
        created_by=access.user,
    )
    _create_phases(session, phases)
    return session


@transaction.atomic
def update_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int
) -> CohortSession:
    """Rename or reschedule a session that has not ended."""
    _require_runner(access)
    session = _locked_session(access)
    _require_not_ended(session)
    session.title = _clean_title(title)
    _check_in_window(session.cohort, starts_at)
    session.starts_at = starts_at
    session.duration_minutes = _check_duration(duration_minutes)
    session.save(update_fields=["title", "starts_at", "duration_minutes"])
    emit(session.pk, "session.changed", {"session": session_payload(session)})
    return session


def _agenda_changed(session) -> None:
    session.refresh_from_db(fields=["current_phase"])
    emit(
        session.pk,
        "agenda.changed",
        {"phases": phases_payload(session), "current_phase": session.current_phase_id},
    )


def _renumber(session, ordered_ids) -> None:
    phases = {phase.pk: phase for phase in session.phases.all()}
    for position, phase_id in enumerate(ordered_ids, start=1):
        phases[phase_id].position = position
    Phase.objects.bulk_update(phases.values(), ["position"])


def _agenda_ids(session) -> list[int]:
    return list(session.phases.order_by("position", "pk").values_list("pk", flat=True))


def _agenda_session(access) -> CohortSession:
    _require_runner(access)
    session = _locked_session(access)
    _require_not_ended(session)
    return session


@transaction.atomic
def add_phase(
    *,
    access,
    kind: str,
    title: str,
    prompt: str = "",
    timebox_minutes: int = 10,
    anonymous: bool = False,
) -> Phase:
    """Add a phase at the end of the agenda."""
    session = _agenda_session(access)
    fields = _clean_phase(
        kind=kind, title=title, prompt=prompt, timebox_minutes=timebox_minutes, anonymous=anonymous
    )
    last = session.phases.aggregate(last=Max("position"))["last"] or 0
    phase = Phase.objects.create(session=session, position=last + 1, **fields)
    _agenda_changed(session)
    return phase


@transaction.atomic
def update_phase(
    *,
    access,
    phase_id,
    kind: str,
    title: str,
    prompt: str,
    timebox_minutes: int,
    anonymous: bool,
) -> Phase:
    """Reword a phase. Reflections already posted keep the anonymity they were
    posted under, so switching `anonymous` off never reveals anyone."""
    session = _agenda_session(access)
    phase = _session_phase(session, phase_id)
    fields = _clean_phase(
        kind=kind, title=title, prompt=prompt, timebox_minutes=timebox_minutes, anonymous=anonymous
    )
    for name, value in fields.items():
        setattr(phase, name, value)
    phase.save(update_fields=list(fields))
    _agenda_changed(session)
    return phase


@transaction.atomic
def remove_phase(*, access, phase_id) -> None:
    """Remove a phase nobody has posted to, other than the current one."""
    session = _agenda_session(access)
    phase = _session_phase(session, phase_id)
    if session.current_phase_id == phase.pk:
        raise _refuse("invalid", _("Move to another phase before removing this one."))
    if phase.reflections.exists():
        raise _refuse("invalid", _("Reflections were posted to this phase; it stays."))
    phase.delete()
    _renumber(session, _agenda_ids(session))
    _agenda_changed(session)


@transaction.atomic
def move_phase(*, access, phase_id, offset: int) -> None:
    """Move a phase up (offset -1) or down (+1) the agenda; at an end, nothing moves."""
    session = _agenda_session(access)
    phase = _session_phase(session, phase_id)
    ids = _agenda_ids(session)
    index = ids.index(phase.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ids):
        return
    ids[index], ids[target] = ids[target], ids[index]
    _renumber(session, ids)
    _agenda_changed(session)


@transaction.atomic
def reorder_phases(*, access, phase_ids) -> None:
    """Put the agenda in the order of `phase_ids`, which must name every phase once."""
    session = _agenda_session(access)
    try:
        wanted = [int(pk) for pk in phase_ids]
    except (TypeError, ValueError):
        raise _refuse("invalid", _("Give every phase of the agenda once.")) from None
    if sorted(wanted) != sorted(_agenda_ids(session)) or len(set(wanted)) != len(wanted):
        raise _refuse("invalid", _("Give every phase of the agenda once."))
    _renumber(session, wanted)
    _agenda_changed(session)


def agenda_templates_for(*, user, organization_id):
    """The templates `user` saved in this organization (templates never cross
    organizations)."""
    return AgendaTemplate.objects.filter(owner=user, organization_id=organization_id)


def _template(user, template_id, organization_id) -> AgendaTemplate:
    try:
        return permissions.access_agenda_template(
            user, template_id, organization_id=organization_id
        )
    except Http404:
        raise _refuse("not_found", _("There is no such agenda template.")) from None


@transaction.atomic
def save_agenda_template(*, access, name: str) -> AgendaTemplate:
    """Save the session's agenda as a template of the facilitator's."""
    _require_runner(access)
    session = access.session
    phases = [
        {
            key: value
            for key, value in phase_payload(phase).items()
            if key not in {"id", "position"}
        }
        for phase in session.phases.order_by("position", "pk")
    ]
    if not phases:
        raise _refuse("invalid", _("The agenda is empty; add a phase first."))
    return AgendaTemplate.objects.create(
        owner=access.user,
        organization_id=session.cohort.organization_id,
        name=_clean_title(name, limit=TEMPLATE_NAME_MAX_LENGTH),
        phases=phases,
    )


@transaction.atomic
def apply_agenda_template(*, access, template_id) -> None:
    """Replace the agenda of a session that has not started with a saved one."""
    session = _agenda_session(access)
    if session.status != Status.SCHEDULED:
        raise _refuse("invalid", _("A template can replace the agenda only before the start."))
    template = _template(access.user, template_id, session.cohort.organization_id)
    session.phases.all().delete()
    _create_phases(session, template.phases)
    _agenda_changed(session)


# Start and end ----------------------------------------------------------------


def _record_attendance(session, membership_ids) -> None:
    now = timezone.now()
    for membership_id in set(membership_ids):
        attendance, created = Attendance.objects.get_or_create(
            session=session,
            membership_id=membership_id,
            defaults={"first_joined_at": now, "last_seen_at": now},
        )
        if not created:
            Attendance.objects.filter(pk=attendance.pk).update(last_seen_at=now)


@transaction.atomic
def start_session(*, access) -> CohortSession:
    """Open the board on the first phase; whoever is already on it attends."""
    _require_runner(access)
    session = _locked_session(access)
    if session.status != Status.SCHEDULED:
        raise _refuse("invalid", _("This session has already started."))
    first = session.phases.order_by("position", "pk").first()
    if first is None:
        raise _refuse("invalid", _("The agenda is empty; add a phase first."))
    session.status = Status.LIVE
    session.started_at = timezone.now()
    session.current_phase = first
    session.timer_state, session.timer_ends_at, session.timer_remaining_seconds = (
        Timer.IDLE,
        None,
        None,
    )
    session.save(
        update_fields=[
            "status",
            "started_at",
            "current_phase",
            "timer_state",
            "timer_ends_at",
            "timer_remaining_seconds",
        ]
    )
    _record_attendance(
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
    session = _live_session_for_runner(access)
    session.status = Status.ENDED
    session.ended_at = timezone.now()
    session.timer_state, session.timer_ends_at, session.timer_remaining_seconds = (
        Timer.IDLE,
        None,
        None,
    )
    session.save(
        update_fields=[
            "status",
            "ended_at",
            "timer_state",
            "timer_ends_at",
            "timer_remaining_seconds",
        ]
    )
    emit(session.pk, "session.ended", {"status": session.status})
    return session


# Facilitating -----------------------------------------------------------------


def _save_timer(session, state, *, ends_at=None, remaining=None) -> None:
    session.timer_state = state
    session.timer_ends_at = ends_at
    session.timer_remaining_seconds = remaining
    session.save(update_fields=["timer_state", "timer_ends_at", "timer_remaining_seconds"])


@transaction.atomic
def goto_phase(*, access, phase_id) -> CohortSession:
    """Move everyone to a phase; the timer goes back to idle."""
    session = _live_session_for_runner(access)
    phase = _session_phase(session, phase_id)
    if session.current_phase_id == phase.pk:
        return session
    session.current_phase = phase
    session.save(update_fields=["current_phase"])
    _save_timer(session, Timer.IDLE)
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
    session = _live_session_for_runner(access)
    if seconds is None:
        if session.timer_state == Timer.PAUSED and session.timer_remaining_seconds:
            seconds = session.timer_remaining_seconds
        elif session.current_phase is not None:
            seconds = session.current_phase.timebox_minutes * 60
        else:
            raise _refuse("invalid", _("Say for how many seconds the timer should run."))
    seconds = _whole_number(
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
    session = _live_session_for_runner(access)
    if session.timer_state != Timer.RUNNING:
        return session
    _save_timer(session, Timer.PAUSED, remaining=_seconds_left(session, timezone.now()))
    _timer_changed(session)
    return session


@transaction.atomic
def extend_timer(*, access, seconds: int) -> CohortSession:
    """Add time to a running or paused timer."""
    session = _live_session_for_runner(access)
    seconds = _whole_number(
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
        raise _refuse("invalid", _("The timer is not running; start it first."))
    _timer_changed(session)
    return session


@transaction.atomic
def clear_timer(*, access) -> CohortSession:
    session = _live_session_for_runner(access)
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
    session = _live_session_for_runner(access)
    reflection = None
    if reflection_id is not None:
        reflection = _visible_reflection(access, session, reflection_id)
        if reflection.hidden:
            raise _refuse("invalid", _("Unhide this reflection before spotlighting it."))
    if session.spotlight_id == (reflection.pk if reflection else None):
        return session
    _set_spotlight(session, reflection)
    return session


@transaction.atomic
def hide_reflection(*, access, reflection_id, hidden: bool) -> Reflection:
    """Hide a reflection from participants (or show it again)."""
    session = _live_session_for_runner(access)
    reflection = _visible_reflection(access, session, reflection_id)
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
    session = _live_session_for_runner(access)
    locked = bool(locked)
    if session.posting_locked == locked:
        return session
    session.posting_locked = locked
    session.save(update_fields=["posting_locked"])
    emit(session.pk, "posting.changed", {"posting_locked": locked})
    return session


# Posting ----------------------------------------------------------------------


def _require_may_post(access, session) -> None:
    _require_live(session)
    if session.posting_locked and not access.can_post_while_locked:
        raise _refuse("locked", _("Posting is paused by the facilitator."))


def _reflection_text(text) -> str:
    return _clean_text(
        text,
        limit=REFLECTION_MAX_LENGTH,
        too_long_message=_("A reflection can be at most %(limit)d characters.")
        % {"limit": REFLECTION_MAX_LENGTH},
    )


@transaction.atomic
def post_reflection(*, access, phase_id, text: str, client_id) -> Reflection:
    """Store a reflection, then broadcast it after commit.

    A resend with a `client_id` this member already used returns the stored
    reflection and stores nothing, whatever the board's state now.
    """
    client_id = _uuid(client_id)
    session = _locked_session(access)
    existing = (
        Reflection.objects.select_related("author__user")
        .filter(author=access.membership, client_id=client_id)
        .first()
    )
    if existing is not None:
        if not access.can_see_reflection(existing):
            # Deleted since, or hidden from this participant by a facilitator.
            raise _refuse("not_found", _("This reflection is no longer on the board."))
        return existing
    _require_may_post(access, session)
    phase = _session_phase(session, phase_id)
    current = session.current_phase
    if current is None or phase.position > current.position:
        raise _refuse("invalid", _("That prompt is not open yet."))
    reflection = Reflection.objects.create(
        phase=phase,
        session=session,
        author=access.membership,
        text=_reflection_text(text),
        client_id=client_id,
        anonymous=phase.anonymous,
    )
    emit(
        session.pk,
        "reflection.posted",
        {"reflection": reflection_payload(reflection, counts=empty_counts())},
    )
    return reflection


def _own_reflection(access, session, reflection_id) -> Reflection:
    reflection = _visible_reflection(access, session, reflection_id)
    if not access.can_change_reflection(reflection):
        raise _refuse("forbidden", _("Only its author can change a reflection."))
    return reflection


@transaction.atomic
def edit_reflection(*, access, reflection_id, text: str) -> Reflection:
    """Change the text of one's own reflection while the session is live."""
    session = _locked_session(access)
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
    session = _locked_session(access)
    reflection = _own_reflection(access, session, reflection_id)
    _require_live(session)
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
    if emoji not in EMOJIS:
        raise _refuse("invalid", _("Choose one of the offered reactions."))
    session = _locked_session(access)
    reflection = _visible_reflection(access, session, reflection_id)
    _require_live(session)
    if add:
        changed = Reaction.objects.get_or_create(
            reflection=reflection, member=access.membership, emoji=emoji
        )[1]
    else:
        changed = Reaction.objects.filter(
            reflection=reflection, member=access.membership, emoji=emoji
        ).delete()[0]
    counts = reaction_counts([reflection.pk])[reflection.pk]
    if changed:
        emit(
            session.pk,
            "reaction.changed",
            {"reflection": reflection.pk, "reactions": counts},
            facilitators_only=reflection.hidden,
        )
    mine = my_reactions([reflection.pk], access.membership)[reflection.pk]
    return Reactions(reflection_id=reflection.pk, counts=counts, mine=mine)


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
    client_id = _uuid(client_id)
    session = _locked_session(access)
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
        raise _refuse("invalid", _("Commitments open at the commitments phase."))
    commitment = Commitment.objects.create(
        session=session,
        author=access.membership,
        text=_clean_text(
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


# The board as one person sees it ----------------------------------------------


def board_snapshot(access) -> dict:
    """The `board.snapshot` frame for one member.

    Read with the session row locked, as every change takes that lock first:
    the board and its `seq` are read together, consistent.
    """
    with transaction.atomic():
        session = _locked_session(access)
        reflections = list(
            Reflection.objects.on_board()
            .filter(session=session)
            .select_related("author__user")
            .order_by("created_at", "pk")
        )
        reflections = [r for r in reflections if access.can_see_reflection(r)]
        ids = [r.pk for r in reflections]
        counts = reaction_counts(ids)
        mine = my_reactions(ids, access.membership)
        commitments = [
            c
            for c in Commitment.objects.filter(session=session).select_related("author__user")
            if access.can_see_commitment(c)
        ]
        return {
            "type": "board.snapshot",
            "protocol": protocol.PROTOCOL_VERSION,
            "seq": session.last_seq,
            "me": {
                "user": access.user.pk,
                "name": access.user.get_full_name(),
                "role": access.membership.role,
                "membership": access.membership.pk,
            },
            "session": session_payload(session),
            "timer": timer_payload(session),
            "phases": phases_payload(session),
            "reflections": [
                reflection_payload(
                    r, counts=counts[r.pk], viewer=access, mine_reactions=mine[r.pk]
                )
                for r in reflections
            ],
            "presence": presence_payload(session.pk),
            "commitments": [commitment_payload(c, viewer=access) for c in commitments],
        }


def reflection_for(access, reflection: Reflection) -> dict:
    """REFLECTION as `access` sees it (for acks)."""
    return reflection_payload(reflection, viewer=access)


def commitment_for(access, commitment: Commitment) -> dict:
    return commitment_payload(commitment, viewer=access)


# Presence and attendance --------------------------------------------------------


@transaction.atomic
def join_board(*, access, channel_name: str) -> None:
    """Count this connection as present; on a live session, its member attends.

    Rows left by a process that died without closing its sockets are dropped
    here, once they are past the presence timeout.
    """
    Presence.objects.filter(
        seen_at__lt=timezone.now() - datetime.timedelta(seconds=presence_timeout())
    ).delete()
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "session": access.session,
            "membership": access.membership,
            "seen_at": timezone.now(),
        },
    )
    if CohortSession.objects.filter(pk=access.session.pk, status=Status.LIVE).exists():
        _record_attendance(access.session, [access.membership.pk])


def leave_board(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()


@transaction.atomic
def touch_presence(*, channel_name: str) -> None:
    """Heartbeat: still here. Also keeps attendance's last_seen_at current."""
    now = timezone.now()
    presence = Presence.objects.filter(channel_name=channel_name).select_related("session").first()
    if presence is None:
        return
    Presence.objects.filter(pk=presence.pk).update(seen_at=now)
    if presence.session.is_live:
        _record_attendance(presence.session, [presence.membership_id])


def presence_frame(session_id: int) -> dict:
    return {"type": "presence.changed", "presence": presence_payload(session_id)}


# After the session ------------------------------------------------------------


def session_summary(*, access) -> dict:
    """What the summary page and its exports show to `access`: the agenda,
    reflections per phase with reactions, spotlighted ones, commitments and
    attendance, each as this person may see it (hidden reflections and
    everyone's commitments and attendance for facilitators only)."""
    session = CohortSession.objects.select_related("cohort").get(pk=access.session.pk)
    reflections = [
        r
        for r in Reflection.objects.on_board()
        .filter(session=session)
        .select_related("author__user")
        .order_by("created_at", "pk")
        if access.can_see_reflection(r)
    ]
    counts = reaction_counts([r.pk for r in reflections])

    def entry(reflection):
        return {
            "id": reflection.pk,
            "phase_id": reflection.phase_id,
            "text": reflection.text,
            "author": None if reflection.anonymous else reflection.author.user.get_full_name(),
            "reactions": counts[reflection.pk],
            "reaction_total": sum(counts[reflection.pk].values()),
            "spotlighted": reflection.spotlighted_at is not None,
            "hidden": reflection.hidden,
            "edited": reflection.edited_at is not None,
            "created_at": reflection.created_at,
        }

    entries = [entry(r) for r in reflections]
    phases = [
        {
            "id": phase.pk,
            "position": phase.position,
            "kind": phase.kind,
            "kind_label": phase.get_kind_display(),
            "title": phase.title,
            "prompt": phase.prompt,
            "timebox_minutes": phase.timebox_minutes,
            "anonymous": phase.anonymous,
            "reflections": [e for e in entries if e["phase_id"] == phase.pk],
        }
        for phase in session.phases.order_by("position", "pk")
    ]
    commitments = [
        {
            "text": c.text,
            "author": c.author.user.get_full_name(),
            "mine": c.author_id == access.membership.pk,
            "created_at": c.created_at,
        }
        for c in Commitment.objects.filter(session=session).select_related("author__user")
        if access.can_see_commitment(c)
    ]
    attendance = Attendance.objects.filter(session=session).select_related("membership__user")
    if not access.can_see_all_attendance:
        attendance = attendance.filter(membership=access.membership)
    attended = [
        {
            "name": a.membership.user.get_full_name(),
            "role": a.membership.role,
            "role_label": a.membership.get_role_display(),
            "first_joined_at": a.first_joined_at,
        }
        for a in attendance
    ]
    members = Membership.objects.filter(cohort=session.cohort)
    return {
        "session": session,
        "cohort": session.cohort,
        "phases": phases,
        "spotlighted": [e for e in entries if e["spotlighted"]],
        "commitments": commitments,
        "attendance": attended,
        "attendance_is_everyones": access.can_see_all_attendance,
        "member_count": members.count() if access.can_see_all_attendance else None,
    }
