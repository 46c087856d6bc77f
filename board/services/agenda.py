"""Scheduling sessions, editing their agendas, and agenda templates."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from board import rules
from board.models import (
    AgendaTemplate,
    CohortSession,
    Phase,
)
from board.services.common import (
    TEMPLATE_NAME_MAX_LENGTH,
    Status,
    check_duration,
    check_in_window,
    clean_phase,
    clean_title,
    default_agenda,
    locked_session,
    refuse,
    require_not_ended,
    require_runner,
    session_phase,
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


@transaction.atomic
def create_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int, template_id=None
) -> CohortSession:
    """Schedule a session of `access.cohort`, with the default agenda or a saved one."""
    if not rules.can_schedule_sessions(access):
        raise refuse("forbidden", _("Only a facilitator of this cohort can schedule sessions."))
    phases = default_agenda()
    if template_id not in (None, ""):
        phases = _template(access.user, template_id, access.cohort.organization_id).phases
    title = clean_title(title)
    check_in_window(access.cohort, starts_at)
    session = CohortSession.objects.create(
        cohort=access.cohort,
        title=title,
        starts_at=starts_at,
        duration_minutes=check_duration(duration_minutes),
        created_by=access.user,
    )
    _create_phases(session, phases)
    return session


@transaction.atomic
def update_session(
    *, access, title: str, starts_at: datetime.datetime, duration_minutes: int
) -> CohortSession:
    """Rename or reschedule a session that has not ended."""
    require_runner(access)
    session = locked_session(access)
    require_not_ended(session)
    session.title = clean_title(title)
    check_in_window(session.cohort, starts_at)
    session.starts_at = starts_at
    session.duration_minutes = check_duration(duration_minutes)
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
