"""A person's own dashboards: the people they lead, and their own rhythm.

- **People I lead**: for each participant who confirmed the reader as their
  leader, their attendance (`board.rules.can_read_attendance_of`) and the
  goals they shared with their leader (`goals.rules.goals_shared_with_leader`,
  the goal pages' own rule), with status and progress. Nothing else: no
  check-in, no private goal.
- **My rhythm**: for each cohort the reader is a participant of, their
  attendance and check-in streak; and their own goals with progress.

Archived cohorts are left out of both. The figures are insight/figures.py's.
Five and seven queries, however many cohorts, sessions, check-ins and goals.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from board import rules as board_rules
from board.models import Attendance, CohortSession
from cohorts import permissions
from cohorts.models import Cohort, Membership
from goals import rules as goals_rules
from goals.models import CheckIn, CohortRhythm, Goal, ProgressUpdate
from goals.periods import Period
from insight import figures
from lib.charts import LineChart, Point, Series, line_chart


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    # The updates that carry a figure, oldest first, and their line (None
    # before the first figure).
    figures: tuple[ProgressUpdate, ...]
    chart: LineChart | None

    @property
    def latest(self) -> ProgressUpdate | None:
        return self.figures[-1] if self.figures else None


def _progress(goal: Goal) -> GoalProgress:
    updates = tuple(goal.figured_updates)
    chart = None
    if updates:
        line = Series(label=_("Progress"), points=tuple(Point(u.on, u.value) for u in updates))
        chart = line_chart(
            [line], title=_("Progress on “%(goal)s”") % {"goal": goal.title}, y_max=100
        )
    return GoalProgress(goal=goal, figures=updates, chart=chart)


def _goal_progress(goals) -> list[GoalProgress]:
    """`goals` (a queryset) with their figures: two queries."""
    figured = ProgressUpdate.objects.filter(value__isnull=False).order_by("on", "created_at", "pk")
    goals = goals.select_related("cohort").prefetch_related(
        Prefetch("updates", queryset=figured, to_attr="figured_updates")
    )
    return [
        _progress(goal)
        for goal in goals.exclude(cohort__status=Cohort.Status.ARCHIVED).order_by(
            "cohort__name", "created_at", "pk"
        )
    ]


def _ended_sessions(cohort_ids) -> dict[int, list[CohortSession]]:
    ended = defaultdict(list)
    for session in CohortSession.objects.filter(
        cohort_id__in=cohort_ids, status=CohortSession.Status.ENDED
    ).only("pk", "cohort_id", "starts_at", "status"):
        ended[session.cohort_id].append(session)
    return ended


def _attended(memberships) -> set[tuple[int, int]]:
    return set(
        Attendance.objects.filter(
            membership__in=[m.pk for m in memberships],
            session__status=CohortSession.Status.ENDED,
        ).values_list("session_id", "membership_id")
    )


# People I lead -----------------------------------------------------------------


@dataclass(frozen=True)
class LedPerson:
    membership: Membership  # with its user and cohort
    attendance: figures.Rate | None
    goals: tuple[GoalProgress, ...]


def people_led(user) -> list[LedPerson]:
    """Each participant who confirmed `user` as leader, in cohorts not archived."""
    led = list(
        permissions.led_participants(user)
        .exclude(cohort__status=Cohort.Status.ARCHIVED)
        .select_related("user", "cohort")
        .order_by("user__display_name", "user__email", "cohort__name", "pk")
    )
    if not led:
        return []
    ended = _ended_sessions({m.cohort_id for m in led})
    attended = _attended(led)
    goals = defaultdict(list)
    for progress in _goal_progress(goals_rules.goals_shared_with_leader([m.pk for m in led])):
        goals[progress.goal.owner_id].append(progress)
    return [
        LedPerson(
            membership=membership,
            attendance=figures.attendance(ended[membership.cohort_id], [membership], attended)
            if board_rules.can_read_attendance_of(user, membership)
            else None,
            goals=tuple(goals[membership.pk]),
        )
        for membership in led
    ]


# My rhythm ---------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRhythmRow:
    membership: Membership  # with its cohort
    attendance: figures.Rate
    # Closed periods in a row with a check-in, out of the closed periods since
    # joining; the open period (None outside the programme) and whether its
    # check-in is written.
    streak: int
    closed_periods: int
    open_period: Period | None
    open_period_done: bool


@dataclass(frozen=True)
class MyRhythm:
    cohorts: tuple[CohortRhythmRow, ...]
    goals: tuple[GoalProgress, ...]


def my_rhythm(user, *, now: datetime.datetime | None = None) -> MyRhythm:
    """`user`'s attendance and check-ins in each cohort they take part in, and
    their own goals."""
    now = now or timezone.now()
    memberships = list(
        Membership.objects.filter(user=user, role=Membership.Role.PARTICIPANT)
        .exclude(cohort__status=Cohort.Status.ARCHIVED)
        .select_related("cohort")
        .order_by("cohort__name", "pk")
    )
    rows = []
    if memberships:
        cohort_ids = {m.cohort_id for m in memberships}
        rhythms = {r.cohort_id: r for r in CohortRhythm.objects.filter(cohort_id__in=cohort_ids)}
        ended = _ended_sessions(cohort_ids)
        attended = _attended(memberships)
        written = defaultdict(set)
        for author_id, period_start in CheckIn.objects.filter(
            author__in=[m.pk for m in memberships]
        ).values_list("author_id", "period_start"):
            written[author_id].add(period_start)
        for membership in memberships:
            if not board_rules.can_read_attendance_of(user, membership):
                continue
            cohort = membership.cohort
            rhythm = figures.rhythm_of(cohort, rhythms)
            joined_on = timezone.localtime(membership.joined_at, cohort.zone).date()
            closed = [p for p in figures.closed_periods(rhythm, now) if p.end >= joined_on]
            current = figures.open_period(rhythm, now)
            rows.append(
                CohortRhythmRow(
                    membership=membership,
                    attendance=figures.attendance(ended[cohort.pk], [membership], attended),
                    streak=figures.checkin_streak(closed, written[membership.pk]),
                    closed_periods=len(closed),
                    open_period=current,
                    open_period_done=current is not None
                    and current.start in written[membership.pk],
                )
            )
    return MyRhythm(cohorts=tuple(rows), goals=tuple(_goal_progress(goals_rules.own_goals(user))))


# The tables as CSV ---------------------------------------------------------------


def _percent(rate: figures.Rate | None):
    return "" if rate is None or rate.percent is None else rate.percent


def _latest_cells(progress: GoalProgress) -> list:
    latest = progress.latest
    return [latest.value, latest.on.isoformat()] if latest else ["", ""]


def people_csv(people: list[LedPerson]) -> tuple[list[str], list[list]]:
    """One row per goal shared with the leader (one for a person with none)."""
    header = [
        _("participant"),
        _("cohort"),
        _("sessions attended"),
        _("sessions held"),
        _("attendance (%)"),
        _("goal"),
        _("status"),
        _("latest progress (%)"),
        _("progress date"),
    ]
    rows = []
    for person in people:
        rate = person.attendance
        who = [
            str(person.membership.user),
            person.membership.cohort.name,
            "" if rate is None else rate.done,
            "" if rate is None else rate.expected,
            _percent(rate),
        ]
        if not person.goals:
            rows.append([*who, "", "", "", ""])
        for progress in person.goals:
            rows.append(
                [
                    *who,
                    progress.goal.title,
                    progress.goal.get_status_display(),
                    *_latest_cells(progress),
                ]
            )
    return header, rows


def rhythm_cohorts_csv(rhythm: MyRhythm) -> tuple[list[str], list[list]]:
    header = [
        _("cohort"),
        _("sessions attended"),
        _("sessions held"),
        _("attendance (%)"),
        _("check-in streak (periods)"),
        _("closed periods"),
        _("open period start"),
        _("open period checked in"),
    ]
    rows = [
        [
            row.membership.cohort.name,
            row.attendance.done,
            row.attendance.expected,
            _percent(row.attendance),
            row.streak,
            row.closed_periods,
            row.open_period.start.isoformat() if row.open_period else "",
            ("" if row.open_period is None else _("yes") if row.open_period_done else _("no")),
        ]
        for row in rhythm.cohorts
    ]
    return header, rows


def rhythm_goals_csv(rhythm: MyRhythm) -> tuple[list[str], list[list]]:
    header = [
        _("cohort"),
        _("goal"),
        _("status"),
        _("latest progress (%)"),
        _("progress date"),
    ]
    rows = [
        [
            progress.goal.cohort.name,
            progress.goal.title,
            progress.goal.get_status_display(),
            *_latest_cells(progress),
        ]
        for progress in rhythm.goals
    ]
    return header, rows
