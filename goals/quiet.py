"""Who has gone quiet: a participant with no check-in for the last two closed
periods of their cohort, or absent from the last two sessions it held.

The facilitator's dashboard lists them; the reminders tell the facilitators
once per quiet spell. Both read this one rule. A spell is told apart from the
next by the day it began (`checkins_missed_since`, `absent_since`), which stays
the same while the spell lasts.

Only what the cohort's facilitators already see goes into it: whether a
check-in was written in a period (never its text) and whether someone was on
the board of a session.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from board.models import Attendance, CohortSession
from cohorts.models import Cohort, Membership
from goals.models import CheckIn, CohortRhythm
from goals.periods import Period, local_today, program_periods

# A spell begins with this many misses in a row, of either kind.
QUIET_AFTER_PERIODS = 2
QUIET_AFTER_ABSENCES = 2


@dataclass(frozen=True)
class QuietParticipant:
    membership: Membership
    # The closed periods in a row, latest last, without a check-in (empty when
    # the check-ins are not what makes this person quiet), and the day the
    # first of them began.
    missed_periods: tuple[Period, ...]
    checkins_missed_since: datetime.date | None
    # The ended sessions in a row, latest last, this person was not on the
    # board of (empty when attendance is not the reason), and when the first
    # of them started.
    missed_sessions: tuple[CohortSession, ...]
    absent_since: datetime.datetime | None
    # The period of their latest check-in, if any.
    last_checkin_period: datetime.date | None


def quiet_participants(
    cohorts: Iterable[Cohort], *, now: datetime.datetime | None = None
) -> dict[int, list[QuietParticipant]]:
    """Every quiet participant of `cohorts`, by cohort id, in roster order.

    Five queries however many cohorts, people, sessions and check-ins there are.
    """
    now = now or timezone.now()
    cohorts = {cohort.pk: cohort for cohort in cohorts}
    if not cohorts:
        return {}
    rhythms = {r.cohort_id: r for r in CohortRhythm.objects.filter(cohort_id__in=cohorts)}
    participants = list(
        Membership.objects.filter(cohort_id__in=cohorts, role=Membership.Role.PARTICIPANT)
        .select_related("user")
        .order_by("cohort_id", "user__display_name", "user__email", "pk")
    )
    last_checkin = dict(
        CheckIn.objects.filter(cohort_id__in=cohorts)
        .values("author_id")
        .annotate(last=Max("period_start"))
        .values_list("author_id", "last")
    )
    sessions_by_cohort = defaultdict(list)
    for session in CohortSession.objects.filter(
        cohort_id__in=cohorts, status=CohortSession.Status.ENDED
    ).order_by("starts_at", "pk"):
        sessions_by_cohort[session.cohort_id].append(session)
    attended = set(
        Attendance.objects.filter(
            session__cohort_id__in=cohorts, session__status=CohortSession.Status.ENDED
        ).values_list("session_id", "membership_id")
    )

    closed_periods = {}
    for cohort_id, cohort in cohorts.items():
        # A cohort whose rhythm was never set up runs on the defaults.
        rhythm = rhythms.get(cohort_id) or CohortRhythm(cohort=cohort)
        rhythm.cohort = cohort
        today = local_today(rhythm, now)
        closed_periods[cohort_id] = [
            period for period in program_periods(rhythm, until=today) if period.end < today
        ]

    quiet = defaultdict(list)
    for membership in participants:
        cohort = cohorts[membership.cohort_id]
        joined_on = timezone.localtime(membership.joined_at, cohort.zone).date()
        missed_periods = _missed_periods(
            closed_periods[membership.cohort_id], last_checkin.get(membership.pk), joined_on
        )
        missed_sessions = _missed_sessions(
            sessions_by_cohort[membership.cohort_id], membership, attended
        )
        if len(missed_periods) < QUIET_AFTER_PERIODS:
            missed_periods = ()
        if len(missed_sessions) < QUIET_AFTER_ABSENCES:
            missed_sessions = ()
        if missed_periods or missed_sessions:
            quiet[membership.cohort_id].append(
                QuietParticipant(
                    membership=membership,
                    missed_periods=missed_periods,
                    checkins_missed_since=missed_periods[0].start if missed_periods else None,
                    missed_sessions=missed_sessions,
                    absent_since=missed_sessions[0].starts_at if missed_sessions else None,
                    last_checkin_period=last_checkin.get(membership.pk),
                )
            )
    return dict(quiet)


def _missed_periods(
    closed: list[Period], last_checkin: datetime.date | None, joined_on: datetime.date
) -> tuple[Period, ...]:
    """The latest closed periods in a row with no check-in, counting only the
    periods that ended after the person joined."""
    missed = []
    for period in reversed(closed):
        if period.end < joined_on or (last_checkin is not None and period.start <= last_checkin):
            break
        missed.append(period)
    return tuple(reversed(missed))


def _missed_sessions(
    ended: list[CohortSession], membership: Membership, attended: set[tuple[int, int]]
) -> tuple[CohortSession, ...]:
    """The latest ended sessions in a row the person was not at, counting only
    the sessions that started after they joined."""
    missed = []
    for session in reversed(ended):
        if session.starts_at < membership.joined_at or (session.pk, membership.pk) in attended:
            break
        missed.append(session)
    return tuple(reversed(missed))
