"""Sessions in each state, made through board/services/ as a facilitator would.

Shared by the session page tests, the tenant-isolation table and the browser
test, which all need a scheduled, a live or an ended session of a cohort.
"""

import datetime
import uuid

from django.utils import timezone

from board import services
from board.models import CohortSession
from board.rules import access_session
from cohorts.permissions import access_cohort


def scheduled_session(cohort, facilitator, *, title="Session 3: Leading through ambiguity"):
    """Tomorrow's session of `cohort` with the default agenda, not started."""
    return services.create_session(
        access=access_cohort(facilitator, cohort.pk),
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=90,
    )


def start_live(session, facilitator, *, phase_position=2):
    """Start `session` and move it to the phase at `phase_position` (2: the reflection)."""
    services.start_session(access=access_session(facilitator, session.pk))
    phase = session.phases.get(position=phase_position)
    services.goto_phase(access=access_session(facilitator, session.pk), phase_id=phase.pk)
    return CohortSession.objects.get(pk=session.pk)


def live_session(cohort, facilitator, *, phase_position=2, **kwargs):
    """A started session, on the phase at `phase_position` (2: the reflection)."""
    session = scheduled_session(cohort, facilitator, **kwargs)
    return start_live(session, facilitator, phase_position=phase_position)


def post(session, user, text, *, phase_position=None):
    """A reflection by `user` on the current phase (or the one at `phase_position`)."""
    session = CohortSession.objects.get(pk=session.pk)
    phase = (
        session.phases.get(position=phase_position) if phase_position else session.current_phase
    )
    return services.post_reflection(
        access=access_session(user, session.pk),
        phase_id=phase.pk,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


def end(session, facilitator):
    services.end_session(access=access_session(facilitator, session.pk))
    return CohortSession.objects.get(pk=session.pk)


def ended_session(cohort, facilitator, **kwargs):
    """A session that ran and ended, with nothing posted."""
    return end(live_session(cohort, facilitator, **kwargs), facilitator)
