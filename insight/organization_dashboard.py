"""The HR admin's dashboard: for each organization they administer, per cohort,
enrollment against capacity, attendance, check-in completion, goals by status
and programme progress (the figures of insight/figures.py).

Aggregates only: no text anyone wrote, no name beside a figure, and for a
cohort below INSIGHT_MIN_PARTICIPANTS participants no rate and no goal count
(`cohorts.permissions.shows_rates_to_hr`). Archived cohorts are only named.

Seven queries however many organizations, cohorts, people, sessions,
check-ins and goals there are.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from board.models import Attendance, CohortSession
from cohorts import permissions
from cohorts.models import Cohort, Invitation, Membership
from goals.models import CheckIn, Goal
from insight import figures
from lib.charts import BarChart, bar_chart


@dataclass(frozen=True)
class GoalCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class CohortRow:
    """One cohort's line of the dashboard. `attendance`, `checkins` and `goals`
    are None when the cohort is too small to show them (`shows_rates` is then
    False), or when that one figure would count too few people: a rate over
    the two who had joined by then is as telling as a rate over two."""

    cohort: Cohort
    participants: int
    pending_invitations: int
    programme: figures.Programme
    attendance: figures.Rate | None
    checkins: figures.Rate | None
    goals: tuple[GoalCount, ...] | None

    shows_rates: bool

    @property
    def goal_total(self) -> int:
        return sum(goal.count for goal in self.goals or ())


@dataclass(frozen=True)
class OrganizationDashboard:
    organization: object
    rows: tuple[CohortRow, ...]
    archived: tuple[Cohort, ...]
    # Bar charts of the rows that show rates (None when no row does).
    attendance_chart: BarChart | None
    checkin_chart: BarChart | None

    @property
    def min_participants(self) -> int:
        return settings.INSIGHT_MIN_PARTICIPANTS


def _rate_chart(rows, rate_of, title: str) -> BarChart | None:
    """A bar per cohort with a rate; None when no cohort has one yet."""
    bars = [
        (row.cohort.name, rate_of(row).percent)
        for row in rows
        if rate_of(row) is not None and rate_of(row).percent is not None
    ]
    return bar_chart(bars, title=title, max_value=100) if bars else None


def _dashboard(organization, rows, archived) -> OrganizationDashboard:
    return OrganizationDashboard(
        organization=organization,
        rows=tuple(rows),
        archived=tuple(sorted(archived, key=lambda c: c.name.lower())),
        attendance_chart=_rate_chart(
            rows, lambda row: row.attendance, _("Attendance rate by cohort")
        ),
        checkin_chart=_rate_chart(
            rows, lambda row: row.checkins, _("Check-in completion by cohort")
        ),
    )


def _count(queryset) -> Subquery:
    """A correlated COUNT(*) of `queryset` (already filtered on OuterRef)."""
    counted = queryset.order_by().values("cohort_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _cohorts(organization_ids):
    pending = Invitation.objects.pending().filter(
        cohort=OuterRef("pk"), role=Invitation.Role.PARTICIPANT
    )
    return (
        Cohort.objects.filter(organization_id__in=organization_ids)
        .select_related("rhythm")
        .annotate(pending_invitations=_count(pending))
        .order_by("-starts_on", "name", "pk")
    )


def organization_dashboards(
    organizations, *, now: datetime.datetime | None = None
) -> list[OrganizationDashboard]:
    """The dashboard of each of `organizations` (from
    `cohorts.permissions.dashboard_organizations`), in their order."""
    now = now or timezone.now()
    organizations = list(organizations)
    if not organizations:
        return []
    cohorts = list(_cohorts([o.pk for o in organizations]))
    live = [c for c in cohorts if c.status != Cohort.Status.ARCHIVED]
    ids = [c.pk for c in live]
    # A cohort whose rhythm was never set has none (figures.rhythm_of).
    rhythms = {c.pk: c.rhythm for c in live if hasattr(c, "rhythm")}
    participants = defaultdict(list)
    for membership in Membership.objects.filter(
        cohort_id__in=ids, role=Membership.Role.PARTICIPANT
    ).only("pk", "cohort_id", "joined_at"):
        participants[membership.cohort_id].append(membership)
    sessions = defaultdict(list)
    for session in CohortSession.objects.filter(cohort_id__in=ids).only(
        "pk", "cohort_id", "starts_at", "status"
    ):
        sessions[session.cohort_id].append(session)
    attended = set(
        Attendance.objects.filter(
            session__cohort_id__in=ids, session__status=CohortSession.Status.ENDED
        ).values_list("session_id", "membership_id")
    )
    written = set(
        CheckIn.objects.filter(cohort_id__in=ids).values_list("author_id", "period_start")
    )
    goal_counts = defaultdict(lambda: defaultdict(int))
    goal_owners = defaultdict(set)
    for cohort_id, status, owner_id, count in (
        Goal.objects.filter(cohort_id__in=ids, kind=Goal.Kind.PERSONAL)
        .order_by()
        .values("cohort_id", "status", "owner_id")
        .annotate(n=Count("pk"))
        .values_list("cohort_id", "status", "owner_id", "n")
    ):
        goal_counts[cohort_id][status] += count
        goal_owners[cohort_id].add(owner_id)

    rows = defaultdict(list)
    archived = defaultdict(list)
    for cohort in cohorts:
        if cohort.status == Cohort.Status.ARCHIVED:
            archived[cohort.organization_id].append(cohort)
            continue
        people = participants[cohort.pk]
        shown = permissions.shows_rates_to_hr(len(people))
        rhythm = figures.rhythm_of(cohort, rhythms)
        attendance = figures.attendance(sessions[cohort.pk], people, attended)
        checkins = figures.checkin_completion(
            cohort, figures.closed_periods(rhythm, now), people, written
        )
        goals = tuple(
            GoalCount(status, label, goal_counts[cohort.pk][status])
            for status, label in Goal.Status.choices
        )
        rows[cohort.organization_id].append(
            CohortRow(
                cohort=cohort,
                participants=len(people),
                pending_invitations=cohort.pending_invitations,
                programme=figures.programme(cohort, sessions[cohort.pk], now),
                shows_rates=shown,
                attendance=attendance if shown and _counts_enough(attendance) else None,
                checkins=checkins if shown and _counts_enough(checkins) else None,
                goals=goals if shown and _counts_enough_owners(goal_owners[cohort.pk]) else None,
            )
        )
    return [
        _dashboard(organization, rows[organization.pk], archived[organization.pk])
        for organization in organizations
    ]


def _counts_enough(rate: figures.Rate) -> bool:
    """A rate HR may read: over enough different people, or over nobody yet
    (which the page says as "no session held yet")."""
    return not rate.expected or permissions.shows_rates_to_hr(rate.people)


def _counts_enough_owners(owners: set) -> bool:
    """Goal counts HR may read: no goals yet, or goals of enough people."""
    return not owners or permissions.shows_rates_to_hr(len(owners))


def _note(row: CohortRow, withheld: str, partly_withheld: str) -> str:
    if not row.shows_rates:
        return withheld
    if None in (row.attendance, row.checkins, row.goals):
        return partly_withheld
    return ""


def _rate_cells(rate: figures.Rate | None) -> list:
    if rate is None:
        return ["", "", ""]
    return [rate.done, rate.expected, "" if rate.percent is None else rate.percent]


def dashboard_csv(dashboard: OrganizationDashboard) -> tuple[list[str], list[list]]:
    """The dashboard's table as CSV: one row per cohort, the same cells as the
    page (blank where the page shows no figure)."""
    header = [
        _("cohort"),
        _("status"),
        _("participants"),
        _("capacity"),
        _("pending invitations"),
        _("sessions held"),
        _("sessions planned"),
        _("weeks elapsed"),
        _("weeks in the programme"),
        _("sessions attended"),
        _("attendance expected"),
        _("attendance (%)"),
        _("check-ins written"),
        _("check-ins expected"),
        _("check-in completion (%)"),
        *(_("goals: %(status)s") % {"status": label} for _status, label in Goal.Status.choices),
        _("note"),
    ]
    withheld = _("Fewer than %(count)d participants: no rates and no goal counts.") % {
        "count": settings.INSIGHT_MIN_PARTICIPANTS
    }
    partly_withheld = _(
        "Blank figures would count fewer than %(count)d participants: not shown."
    ) % {"count": settings.INSIGHT_MIN_PARTICIPANTS}
    rows = [
        [
            row.cohort.name,
            row.cohort.get_status_display(),
            row.participants,
            row.cohort.capacity,
            row.pending_invitations,
            row.programme.sessions_held,
            row.programme.sessions_planned,
            row.programme.weeks_elapsed,
            row.programme.weeks_total,
            *_rate_cells(row.attendance),
            *_rate_cells(row.checkins),
            *(
                (count.count for count in row.goals)
                if row.goals is not None
                else ("" for _choice in Goal.Status.choices)
            ),
            _note(row, withheld, partly_withheld),
        ]
        for row in dashboard.rows
    ]
    return header, rows
