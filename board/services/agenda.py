"""Scheduling sessions, editing their agendas, and agenda templates."""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board import rules
from board.models import (
    AgendaTemplate,
    CohortSession,
    Phase,
)
from board.services.common import (
    TEMPLATE_NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Status,
    check_duration,
    check_in_window,
    clean_phase,
    clean_title,
    default_agenda,
    locked_session,
    mark_revised,
    refuse,
    require_not_ended,
    require_open_cohort,
    require_runner,
    session_phase,
    whole_number,
)
from board.stream import (
    emit,
    phase_payload,
    phases_payload,
    session_payload,
)


def sessions_for_cohort(access):
    """A cohort's sessions, soonest first, for the people in the room (else none)."""
    if not rules.can_see_sessions(access):
        return CohortSession.objects.none()
    return CohortSession.objects.filter(cohort=access.cohort).order_by("starts_at", "pk")


def _create_phases(session, phases) -> None:
    Phase.objects.bulk_create(
        Phase(session=session, position=position, **clean_phase(**spec))
        for position, spec in enumerate(phases, start=1)
    )


# A series repeats every 1, 2 or 4 weeks, 2 to 26 times (half a year weekly).
SERIES_INTERVALS_WEEKS = (1, 2, 4)
SERIES_MIN_SESSIONS = 2
SERIES_MAX_SESSIONS = 26


def series_title(title: str, number: int, count: int) -> str:
    return _("Session %(number)d of %(count)d: %(title)s") % {
        "number": number,
        "count": count,
        "title": title,
    }


def occurrences(cohort, starts_at: datetime.datetime, *, every_weeks: int, count: int):
    """The start of each session of a series: the same wall time in the
    cohort's time zone every `every_weeks` weeks (09:00 stays 09:00 across a
    daylight-saving change, so the UTC time moves), as aware datetimes in UTC.

    A wall time that a spring change skips (02:30 on that Sunday) becomes the
    instant it would have been under the earlier offset, one hour later on the
    clock, as Python's zoneinfo reads it."""
    zone = cohort.zone
    wall = starts_at.astimezone(zone).replace(tzinfo=None)
    return [
        (wall + datetime.timedelta(weeks=every_weeks * n))
        .replace(tzinfo=zone)
        .astimezone(datetime.UTC)
        for n in range(count)
    ]


def _check_series_fits(cohort, starts: list[datetime.datetime]) -> None:
    """Refuse a series that runs past the program's end, naming the last date
    that still fits and how many sessions that makes."""
    zone = cohort.zone
    days = [start.astimezone(zone).date() for start in starts]
    fitting = [day for day in days if day <= cohort.ends_on]
    if len(fitting) == len(days):
        return
    if len(fitting) < SERIES_MIN_SESSIONS:
        raise refuse(
            "invalid",
            _(
                "The program ends on %(end)s: a series from %(first)s does not fit. "
                "Schedule a single session instead."
            )
            % {"end": cohort.ends_on.isoformat(), "first": days[0].isoformat()},
        )
    raise refuse(
        "invalid",
        ngettext(
            "Session %(number)d of %(count)d would fall on %(day)s, after the program "
            "ends on %(end)s. The last date that fits is %(last)s: plan %(fits)d session, "
            "or fewer.",
            "Session %(number)d of %(count)d would fall on %(day)s, after the program "
            "ends on %(end)s. The last date that fits is %(last)s: plan %(fits)d sessions, "
            "or fewer.",
            len(fitting),
        )
        % {
            "number": len(fitting) + 1,
            "count": len(days),
            "day": days[len(fitting)].isoformat(),
            "end": cohort.ends_on.isoformat(),
            "last": fitting[-1].isoformat(),
            "fits": len(fitting),
        },
    )


@transaction.atomic
def schedule_sessions(
    *,
    access,
    title: str,
    starts_at: datetime.datetime,
    duration_minutes: int,
    template_id=None,
    every_weeks: int | None = None,
    count: int = 1,
) -> list[CohortSession]:
    """Schedule one session of `access.cohort`, or a series of `count` every
    `every_weeks` weeks at the same local time (`occurrences`), each with the
    default agenda or a saved one. A series is planned whole or not at all:
    its sessions share a `series` id and are numbered in their titles."""
    require_open_cohort(access)
    if not rules.can_schedule_sessions(access):
        raise refuse("forbidden", _("Only a facilitator of this cohort can schedule sessions."))
    cohort = access.cohort
    phases = default_agenda()
    if template_id not in (None, ""):
        phases = _template(access.user, template_id, cohort.organization_id).phases
    duration_minutes = check_duration(duration_minutes)
    if not every_weeks:
        title = clean_title(title)
        check_in_window(cohort, starts_at)
        titles, starts, series = [title], [starts_at], None
    else:
        if every_weeks not in SERIES_INTERVALS_WEEKS:
            raise refuse("invalid", _("A series repeats every week, 2 weeks or 4 weeks."))
        count = whole_number(
            count,
            low=SERIES_MIN_SESSIONS,
            high=SERIES_MAX_SESSIONS,
            message=_("A series has %(low)d to %(high)d sessions.")
            % {"low": SERIES_MIN_SESSIONS, "high": SERIES_MAX_SESSIONS},
        )
        # The numbered titles must fit the title's column too.
        room = TITLE_MAX_LENGTH - len(series_title("", count, count))
        title = clean_title(title, limit=room)
        check_in_window(cohort, starts_at)
        starts = occurrences(cohort, starts_at, every_weeks=every_weeks, count=count)
        _check_series_fits(cohort, starts)
        titles = [series_title(title, n, count) for n in range(1, count + 1)]
        series = uuid.uuid4()
    now = timezone.now()
    sessions = []
    for session_title, start in zip(titles, starts, strict=True):
        session = CohortSession.objects.create(
            cohort=cohort,
            title=session_title,
            starts_at=start,
            duration_minutes=duration_minutes,
            created_by=access.user,
            series=series,
            created_at=now,
            updated_at=now,
        )
        _create_phases(session, phases)
        sessions.append(session)
    return sessions


def create_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int, template_id=None
) -> CohortSession:
    """Schedule one session of `access.cohort`, with the default agenda or a saved one."""
    [session] = schedule_sessions(
        access=access,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        template_id=template_id,
    )
    return session


@transaction.atomic
def update_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int
) -> CohortSession:
    """Rename or reschedule a session that has not ended (nor been cancelled).
    A change a calendar shows raises the session's calendar revision."""
    require_runner(access)
    session = locked_session(access)
    require_not_ended(session)
    changes = {
        "title": clean_title(title),
        "starts_at": starts_at,
        "duration_minutes": check_duration(duration_minutes),
    }
    check_in_window(session.cohort, starts_at)
    changed = [name for name, value in changes.items() if getattr(session, name) != value]
    if not changed:
        return session
    for name in changed:
        setattr(session, name, changes[name])
    session.save(update_fields=[*changed, *mark_revised(session)])
    emit(session.pk, "session.changed", {"session": session_payload(session)})
    return session


@transaction.atomic
def cancel_session(*, access, following: bool = False) -> list[CohortSession]:
    """Cancel a session that has not started; with `following`, also the later
    sessions of its series that have not started. Cancelled sessions stay
    listed (struck) and in calendars (STATUS:CANCELLED), and can no longer
    start, change or take posts. Returns the sessions cancelled, soonest first.

    Cancelling twice changes nothing and says so."""
    require_open_cohort(access)
    if not access.can_cancel:
        raise refuse("forbidden", _("Only a facilitator of this cohort can cancel a session."))
    session = locked_session(access)
    if session.status == Status.CANCELLED:
        raise refuse("invalid", _("This session is already cancelled."))
    if session.status != Status.SCHEDULED:
        raise refuse("invalid", _("A session that has started can no longer be cancelled."))
    sessions = [session]
    if following and session.series is not None:
        later = (
            CohortSession.objects.select_for_update(of=("self",))
            .select_related("cohort")
            .filter(
                cohort_id=session.cohort_id,
                series=session.series,
                status=Status.SCHEDULED,
                starts_at__gt=session.starts_at,
            )
            .order_by("starts_at", "pk")
        )
        sessions.extend(later)
    for each in sessions:
        each.status = Status.CANCELLED
        each.save(update_fields=["status", *mark_revised(each)])
        emit(each.pk, "session.changed", {"session": session_payload(each)})
    return sessions


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
    require_runner(access)
    session = locked_session(access)
    require_not_ended(session)
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
    fields = clean_phase(
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
    phase = session_phase(session, phase_id)
    fields = clean_phase(
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
    phase = session_phase(session, phase_id)
    if session.current_phase_id == phase.pk:
        raise refuse("invalid", _("Move to another phase before removing this one."))
    if phase.reflections.exists():
        raise refuse("invalid", _("Reflections were posted to this phase; it stays."))
    phase.delete()
    _renumber(session, _agenda_ids(session))
    _agenda_changed(session)


@transaction.atomic
def move_phase(*, access, phase_id, offset: int) -> None:
    """Move a phase up (offset -1) or down (+1) the agenda; at an end, nothing moves."""
    session = _agenda_session(access)
    phase = session_phase(session, phase_id)
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
        raise refuse("invalid", _("Give every phase of the agenda once.")) from None
    if sorted(wanted) != sorted(_agenda_ids(session)) or len(set(wanted)) != len(wanted):
        raise refuse("invalid", _("Give every phase of the agenda once."))
    _renumber(session, wanted)
    _agenda_changed(session)


def agenda_templates_for(*, user, organization_id):
    """The templates `user` saved in this organization (templates never cross
    organizations)."""
    return AgendaTemplate.objects.filter(owner=user, organization_id=organization_id)


def _template(user, template_id, organization_id) -> AgendaTemplate:
    try:
        return rules.access_agenda_template(user, template_id, organization_id=organization_id)
    except Http404:
        raise refuse("not_found", _("There is no such agenda template.")) from None


@transaction.atomic
def save_agenda_template(*, access, name: str) -> AgendaTemplate:
    """Save the session's agenda as a template of the facilitator's."""
    require_runner(access)
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
        raise refuse("invalid", _("The agenda is empty; add a phase first."))
    return AgendaTemplate.objects.create(
        owner=access.user,
        organization_id=session.cohort.organization_id,
        name=clean_title(name, limit=TEMPLATE_NAME_MAX_LENGTH),
        phases=phases,
    )


@transaction.atomic
def apply_agenda_template(*, access, template_id) -> None:
    """Replace the agenda of a session that has not started with a saved one."""
    session = _agenda_session(access)
    if session.status != Status.SCHEDULED:
        raise refuse("invalid", _("A template can replace the agenda only before the start."))
    template = _template(access.user, template_id, session.cohort.organization_id)
    session.phases.all().delete()
    _create_phases(session, template.phases)
    _agenda_changed(session)
