"""The facilitator's dashboard of one cohort: the figures and tables.

Four tables and who has gone quiet, each built from a few bulk queries, so the
page costs the same number of queries however many sessions, check-ins, goals
and people the cohort has (`tests/test_cohort_dashboard.py` counts them). The
rates are those of `insight.figures`, as on every dashboard:

- attendance: participants by ended sessions. A participant is expected at a
  session that started after they joined; the rate is attended / expected.
- check-ins per period: written / expected, where the participants expected in
  a period are those who had joined by its last day. The open period is
  listed last and marked open.
- goals by status, shared and personal apart.
- progress over time: for each participant, on each day one of their personal
  goals got a figure, the mean of the latest figure of each of their goals
  that is not a draft or dropped (an achieved goal keeps counting, at its last
  figure); and the cohort's median of those means on every such day.

Only facilitators read it (`CohortAccess.can_view_cohort_dashboard`): the
tables name people, which is what facilitators already see one page at a time.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board.models import Attendance, CohortSession
from cohorts.models import Cohort, Membership
from goals import periods
from goals.models import CheckIn, CohortRhythm, Goal, ProgressUpdate
from goals.periods import Period
from goals.quiet import QuietParticipant, quiet_participants
from insight import figures
from lib.charts import Point, Series, running_median

# Goals whose figures make up a participant's progress line.
COUNTED_GOAL_STATUSES = (
    Goal.Status.AGREED,
    Goal.Status.ON_TRACK,
    Goal.Status.AT_RISK,
    Goal.Status.ACHIEVED,
)


# Who takes part -----------------------------------------------------------------


def participants_of(cohort: Cohort) -> list[Membership]:
    """The cohort's participants in roster order (one query)."""
    return list(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.PARTICIPANT)
        .select_related("user")
        .order_by("user__display_name", "user__email", "pk")
    )


# Attendance ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionColumn:
    session: CohortSession
    rate: figures.Rate


@dataclass(frozen=True)
class AttendanceRow:
    membership: Membership
    # One per ended session, in order: True (on the board), False (absent) or
    # None (not expected: the session started before they joined).
    marks: tuple[bool | None, ...]
    rate: figures.Rate


@dataclass(frozen=True)
class AttendanceTable:
    sessions: tuple[SessionColumn, ...]
    rows: tuple[AttendanceRow, ...]
    rate: figures.Rate


def attendance_table(cohort: Cohort, memberships: list[Membership]) -> AttendanceTable:
    """Participants by ended sessions, oldest session first (two queries)."""
    sessions = list(
        CohortSession.objects.filter(cohort=cohort, status=CohortSession.Status.ENDED).order_by(
            "starts_at", "pk"
        )
    )
    attended = set(
        Attendance.objects.filter(
            session__cohort=cohort, session__status=CohortSession.Status.ENDED
        ).values_list("session_id", "membership_id")
    )
    rows = []
    for membership in memberships:
        marks = tuple(
            # Expected as figures.attendance counts it: joined before it began.
            (session.pk, membership.pk) in attended
            if session.starts_at >= membership.joined_at
            else None
            for session in sessions
        )
        rows.append(
            AttendanceRow(
                membership=membership,
                marks=marks,
                rate=figures.attendance(sessions, [membership], attended),
            )
        )
    return AttendanceTable(
        sessions=tuple(
            SessionColumn(
                session=session, rate=figures.attendance([session], memberships, attended)
            )
            for session in sessions
        ),
        rows=tuple(rows),
        rate=figures.attendance(sessions, memberships, attended),
    )


# Check-ins per period -------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCompletion:
    period: Period
    is_open: bool
    rate: figures.Rate


def checkin_completion(
    cohort: Cohort,
    memberships: list[Membership],
    written: set[tuple[int, datetime.date]],
    *,
    now: datetime.datetime,
) -> tuple[PeriodCompletion, ...]:
    """Every period of the program up to today's, oldest first (one query, for
    the rhythm); `written` holds (membership id, period start) pairs."""
    rhythms = {r.cohort_id: r for r in CohortRhythm.objects.filter(cohort=cohort)}
    rhythm = figures.rhythm_of(cohort, rhythms)
    today = periods.local_today(rhythm, now)
    return tuple(
        PeriodCompletion(
            period=period,
            is_open=period.end >= today,
            rate=figures.checkin_completion(cohort, [period], memberships, written),
        )
        for period in periods.program_periods(rhythm, until=today)
    )


# Goals by status ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    shared: int
    personal: int


def goals_by_status(cohort: Cohort) -> tuple[StatusCount, ...]:
    """Every goal status with its count of shared and of personal goals (one query)."""
    counts = defaultdict(int)
    for kind, status, count in (
        Goal.objects.filter(cohort=cohort)
        .values("kind", "status")
        .annotate(count=Count("pk"))
        .values_list("kind", "status", "count")
    ):
        counts[kind, status] = count
    return tuple(
        StatusCount(
            status=status,
            label=label,
            shared=counts[Goal.Kind.SHARED, status],
            personal=counts[Goal.Kind.PERSONAL, status],
        )
        for status, label in Goal.Status.choices
    )


# Progress over time ------------------------------------------------------------------


def progress_series(cohort: Cohort, memberships: list[Membership]) -> tuple[Series, ...]:
    """One series per participant with a figure, in roster order, then the
    cohort's median series (one query)."""
    updates = (
        ProgressUpdate.objects.filter(
            goal__cohort=cohort,
            goal__kind=Goal.Kind.PERSONAL,
            goal__status__in=COUNTED_GOAL_STATUSES,
            goal__owner__role=Membership.Role.PARTICIPANT,
            value__isnull=False,
        )
        .order_by("on", "created_at", "pk")
        .values_list("goal__owner_id", "goal_id", "on", "value")
    )
    latest_by_goal = defaultdict(dict)  # owner -> goal -> latest value
    means = defaultdict(dict)  # owner -> day -> mean of the latest values
    for owner_id, goal_id, day, value in updates:
        latest_by_goal[owner_id][goal_id] = value
        means[owner_id][day] = round(statistics.fmean(latest_by_goal[owner_id].values()), 1)
    lines = [
        Series(label=str(m.user), points=tuple(Point(on, value) for on, value in mean.items()))
        for m in memberships
        if (mean := means[m.pk])
    ]
    if not lines:
        return ()
    return (*lines, running_median(lines, label=_("Cohort median")))


# Who has gone quiet --------------------------------------------------------------------


@dataclass(frozen=True)
class QuietRow:
    membership: Membership
    reasons: tuple[str, ...]
    # Their latest check-in, to open from the dashboard (None: never wrote).
    last_checkin_id: int | None
    last_checkin_period: datetime.date | None


def _quiet_rows(
    quiet: list[QuietParticipant], latest: dict, *, cohort: Cohort, today: datetime.date
) -> tuple[QuietRow, ...]:
    """Each quiet participant with the reasons, in sentences; `latest` maps a
    membership id to the (period start, id) of its latest check-in."""
    rows = []
    for spell in quiet:
        reasons = []
        if spell.missed_periods:
            reasons.append(
                ngettext(
                    "No check-in since %(day)s (%(count)d period missed).",
                    "No check-in since %(day)s (%(count)d periods missed).",
                    len(spell.missed_periods),
                )
                % {
                    "day": _day(spell.checkins_missed_since, today),
                    "count": len(spell.missed_periods),
                }
            )
        if spell.missed_sessions:
            reasons.append(
                ngettext(
                    "Absent from the last session (%(day)s).",
                    "Absent from the last %(count)d sessions (since %(day)s).",
                    len(spell.missed_sessions),
                )
                % {
                    "day": _day(spell.absent_since.astimezone(cohort.zone).date(), today),
                    "count": len(spell.missed_sessions),
                }
            )
        period, checkin_id = latest.get(spell.membership.pk, (None, None))
        rows.append(
            QuietRow(
                membership=spell.membership,
                reasons=tuple(reasons),
                last_checkin_id=checkin_id,
                last_checkin_period=period,
            )
        )
    return tuple(rows)


def _day(day: datetime.date, today: datetime.date) -> str:
    """ "3 Nov": short enough for a reason; the year only when it is not this one."""
    return date_format(day, "j M" if day.year == today.year else "j M Y")


# The dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortDashboard:
    cohort: Cohort
    participants: tuple[Membership, ...]
    attendance: AttendanceTable
    checkins: tuple[PeriodCompletion, ...]
    goals: tuple[StatusCount, ...]
    progress: tuple[Series, ...]
    quiet: tuple[QuietRow, ...]


def written_checkins(cohort: Cohort) -> tuple[set[tuple[int, datetime.date]], dict]:
    """The (membership id, period start) of every participant's check-in, and
    by membership id the (period start, id) of their latest (one query)."""
    written = set()
    latest = {}
    for author_id, period_start, pk in CheckIn.objects.filter(
        cohort=cohort, author__role=Membership.Role.PARTICIPANT
    ).values_list("author_id", "period_start", "pk"):
        written.add((author_id, period_start))
        if author_id not in latest or latest[author_id][0] < period_start:
            latest[author_id] = (period_start, pk)
    return written, latest


def cohort_dashboard(cohort: Cohort, *, now: datetime.datetime | None = None) -> CohortDashboard:
    """Every figure of the dashboard: 12 queries (7 here, 5 in `goals.quiet`)."""
    now = now or timezone.now()
    memberships = participants_of(cohort)
    written, latest = written_checkins(cohort)
    quiet = quiet_participants([cohort], now=now).get(cohort.pk, [])
    return CohortDashboard(
        cohort=cohort,
        participants=tuple(memberships),
        attendance=attendance_table(cohort, memberships),
        checkins=checkin_completion(cohort, memberships, written, now=now),
        goals=goals_by_status(cohort),
        progress=progress_series(cohort, memberships),
        quiet=_quiet_rows(quiet, latest, cohort=cohort, today=now.astimezone(cohort.zone).date()),
    )
