"""Shared by the board operations: limits, cleaners, checks of the session's
state, and attendance."""

from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board.models import (
    Attendance,
    CohortSession,
    Phase,
    PhaseKind,
    Reflection,
)
from cohorts import lifecycle
from cohorts.models import Cohort
from lib.errors import DomainError
from lib.text import is_single_line, single_line_message

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


def refuse(code: str, message) -> DomainError:
    return DomainError(message, code=code)


def clean_text(text, *, limit: int, too_long_message) -> str:
    # NUL cannot be stored by PostgreSQL and means nothing in a reflection.
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise refuse("empty", _("Write something first."))
    if len(text) > limit:
        raise refuse("too_long", too_long_message)
    return text


def clean_title(title, *, limit=TITLE_MAX_LENGTH) -> str:
    """A session's or a phase's title, a template's name: one line (lib/text.py)."""
    title = (title or "").replace("\x00", "").strip()
    if not title:
        raise refuse("empty", _("A title is required."))
    if len(title) > limit:
        raise refuse(
            "too_long", _("A title can be at most %(limit)d characters.") % {"limit": limit}
        )
    if not is_single_line(title):
        raise refuse("invalid", single_line_message())
    return title


def client_uuid(client_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise refuse("invalid", _("The client id must be a UUID.")) from None


def whole_number(value, *, low: int, high: int, message) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise refuse("invalid", message)
    return value


def require_open_cohort(access) -> None:
    """The cohort of `access` (a CohortAccess or a SessionAccess) is open for
    work, draft or active: its sessions and agendas may change."""
    if not access.stage.open_for_work:
        raise access.stage.refusal()


def require_runner(access) -> None:
    """A facilitator, while the cohort is open (`SessionAccess.can_run`)."""
    if not access.can_run:
        require_open_cohort(access)
        raise refuse("forbidden", _("Only a facilitator of this cohort can do that."))


def require_cohort_runs_sessions(session) -> None:
    """The session's cohort is active, read under its row lock: a cohort
    leaves the active state under the same lock, and only with no live
    session (board/receivers.py), so no session is live in any other state.
    Call inside transaction.atomic()."""
    cohort = Cohort.objects.select_for_update().get(pk=session.cohort_id)
    lifecycle.check_runs_sessions(cohort)


def require_live(session) -> None:
    if session.status == Status.CANCELLED:
        raise refuse("not_live", _("This session was cancelled."))
    if session.status == Status.SCHEDULED:
        raise refuse("not_live", _("The session has not started yet."))
    if session.status == Status.ENDED:
        raise refuse("not_live", _("The session has ended."))


def require_not_ended(session) -> None:
    if session.status == Status.ENDED:
        raise refuse("not_live", _("The session has ended; its agenda can no longer change."))
    if session.status == Status.CANCELLED:
        raise refuse("not_live", _("This session was cancelled; it can no longer change."))


def mark_revised(session) -> tuple[str, str]:
    """Note a change calendars must follow (time, duration, title or status):
    the ICS SEQUENCE goes up by one, so a subscribed calendar replaces the
    event it holds instead of keeping the old one. The caller saves the
    returned fields with its change, on the row it locked."""
    session.sequence += 1
    session.updated_at = timezone.now()
    return ("sequence", "updated_at")


def locked_session(access) -> CohortSession:
    """The session row, locked until the transaction ends: one change to a
    board at a time. Call inside transaction.atomic()."""
    return (
        CohortSession.objects.select_for_update(of=("self",))
        .select_related("cohort", "current_phase")
        .get(pk=access.session.pk)
    )


def live_session_for_runner(access) -> CohortSession:
    require_runner(access)
    session = locked_session(access)
    require_live(session)
    return session


def visible_reflection(access, session, reflection_id) -> Reflection:
    reflection = (
        Reflection.objects.select_related("author__user")
        .filter(pk=reflection_id, session=session)
        .first()
    )
    if reflection is None or not access.can_see_reflection(reflection):
        raise refuse("not_found", _("There is no such reflection on this board."))
    return reflection


def session_phase(session, phase_id) -> Phase:
    phase = Phase.objects.filter(pk=phase_id, session=session).first()
    if phase is None:
        raise refuse("not_found", _("There is no such phase in this session."))
    return phase


def check_in_window(cohort, starts_at) -> None:
    """The program's dates are the cohort's days, so the day is taken in the
    cohort's time zone, not in the reader's."""
    if starts_at is None or timezone.is_naive(starts_at):
        raise refuse("invalid", _("Give the start time with its date."))
    day = starts_at.astimezone(cohort.zone).date()
    if not cohort.starts_on <= day <= cohort.ends_on:
        raise refuse(
            "invalid",
            _("Sessions take place within the program, from %(start)s to %(end)s.")
            % {"start": cohort.starts_on.isoformat(), "end": cohort.ends_on.isoformat()},
        )


def check_duration(duration_minutes) -> int:
    return whole_number(
        duration_minutes,
        low=1,
        high=MAX_DURATION_MINUTES,
        message=_("The duration must be between 1 and %(max)d minutes.")
        % {"max": MAX_DURATION_MINUTES},
    )


def clean_phase(*, kind, title, prompt, timebox_minutes, anonymous) -> dict:
    if kind not in PhaseKind.values:
        raise refuse("invalid", _("Choose a kind of phase from the list."))
    prompt = (prompt or "").replace("\x00", "").strip()
    if len(prompt) > PROMPT_MAX_LENGTH:
        raise refuse(
            "too_long",
            _("A prompt can be at most %(limit)d characters.") % {"limit": PROMPT_MAX_LENGTH},
        )
    return {
        "kind": kind,
        "title": clean_title(title),
        "prompt": prompt,
        "timebox_minutes": whole_number(
            timebox_minutes,
            low=1,
            high=MAX_TIMEBOX_MINUTES,
            message=_("A timebox must be between 1 and %(max)d minutes.")
            % {"max": MAX_TIMEBOX_MINUTES},
        ),
        "anonymous": bool(anonymous),
    }


def record_attendance(session, membership_ids) -> None:
    """Note that these members were on the board (first and last seen)."""
    now = timezone.now()
    for membership_id in set(membership_ids):
        attendance, created = Attendance.objects.get_or_create(
            session=session,
            membership_id=membership_id,
            defaults={"first_joined_at": now, "last_seen_at": now},
        )
        if not created:
            Attendance.objects.filter(pk=attendance.pk).update(last_seen_at=now)
