"""What the board does when the cohorts app announces a change
(cohorts/signals.py): cohorts sits below the board and cannot ask it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from board.models import CohortSession
from cohorts.lifecycle import STAGES
from lib.errors import DomainError


def refuse_to_stop_a_live_session(*, cohort, target, **_kwargs) -> None:
    """A session is live only in a cohort that runs sessions (active): the
    cohort leaves that state only once its live session has ended.
    `board.services.start_session` reads the cohort's state under the same
    row lock, so a session cannot start while the cohort moves."""
    if STAGES[target].runs_sessions:
        return
    if CohortSession.objects.filter(cohort=cohort, status=CohortSession.Status.LIVE).exists():
        raise DomainError(
            _("A session of this cohort is live: end it first, then try again."),
            code="session_live",
        )
