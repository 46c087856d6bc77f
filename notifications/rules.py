"""The reminders' rule book: who is told what.

Each reminder goes to members of the cohort it is about, and only to those the
feature's own rule book lets read or do what the reminder points to; nobody
outside the cohort (a leader, an HR admin, another organization) is ever a
recipient. Every predicate takes the member's `CohortAccess`.
"""

from __future__ import annotations

from board import rules as board_rules
from cohorts.models import Membership
from cohorts.permissions import CohortAccess
from goals import rules as goal_rules


def member_access(membership: Membership) -> CohortAccess:
    """What a member is to their own cohort, without a query.

    The same as `access_cohort(membership.user, membership.cohort_id)` returns
    for a member: a member holds no HR admin role in the cohort's organization
    and leads nobody in it (cohorts.permissions enforces both), so only the
    membership decides. `membership.cohort` and `.user` must be loaded.
    """
    return CohortAccess(user=membership.user, cohort=membership.cohort, membership=membership)


def gets_session_reminders(access: CohortAccess) -> bool:
    """The people in the room: whoever sees the cohort's sessions."""
    return board_rules.can_see_sessions(access)


def gets_agenda_reminders(access: CohortAccess) -> bool:
    """Whoever schedules sessions and writes their agendas."""
    return board_rules.can_schedule_sessions(access)


def gets_checkin_reminders(access: CohortAccess) -> bool:
    """Whoever writes check-ins."""
    return goal_rules.can_write_checkins(access)


def hears_who_went_quiet(access: CohortAccess) -> bool:
    """Whoever reads the cohort's dashboard, where the quiet are listed with why
    (and where the email links)."""
    return access.can_view_cohort_dashboard
