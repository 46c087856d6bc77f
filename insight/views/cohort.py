"""The facilitator's dashboard of a cohort, and its tables as CSV files.

Page and downloads answer to one capability,
`CohortAccess.can_view_cohort_dashboard`; anyone else gets the one 404. A
completed or archived cohort's dashboard stays readable: it only reads.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cohorts.permissions import access_cohort_dashboard, not_found
from insight import cohort_dashboard as tables
from insight import exports
from lib.charts import bar_chart, line_chart


def _session_label(session) -> str:
    # The day in the reader's time zone, as the attendance table shows it.
    return _("%(title)s, %(day)s") % {
        "title": session.title,
        "day": date_format(timezone.localtime(session.starts_at), "j M"),
    }


@login_required
@require_GET
def cohort_dashboard(request, cohort_id):
    access = access_cohort_dashboard(request.user, cohort_id)
    cohort = access.cohort
    dashboard = tables.cohort_dashboard(cohort)
    attendance_chart = bar_chart(
        [
            (_session_label(column.session), column.rate.percent)
            for column in dashboard.attendance.sessions
            if column.rate.percent is not None
        ],
        title=_("Attendance rate per session"),
        max_value=100,
    )
    checkin_chart = bar_chart(
        [
            (
                _("%(day)s (open)") % {"day": date_format(c.period.start, "j M")}
                if c.is_open
                else date_format(c.period.start, "j M"),
                c.rate.percent,
            )
            for c in dashboard.checkins
            if c.rate.percent is not None
        ],
        title=_("Check-ins written per period"),
        max_value=100,
    )
    progress_chart = line_chart(
        dashboard.progress, title=_("Progress on personal goals over time")
    )
    return render(
        request,
        "insight/cohort_dashboard.html",
        {
            "access": access,
            "cohort": cohort,
            "dashboard": dashboard,
            "attendance_chart": attendance_chart,
            "checkin_chart": checkin_chart,
            "progress_chart": progress_chart,
        },
    )


def _attendance(cohort):
    table = tables.attendance_table(cohort, tables.participants_of(cohort))
    return exports.attendance_csv(table, cohort.zone)


def _checkins(cohort):
    written, _latest = tables.written_checkins(cohort)
    completions = tables.checkin_completion(
        cohort, tables.participants_of(cohort), written, now=timezone.now()
    )
    return exports.checkins_csv(completions)


def _goals(cohort):
    return exports.goals_csv(tables.goals_by_status(cohort))


def _progress(cohort):
    return exports.progress_csv(tables.progress_series(cohort, tables.participants_of(cohort)))


# The dashboard's tables, by the name in their download's address.
DOWNLOADS = {
    "attendance": _attendance,
    "checkins": _checkins,
    "goals": _goals,
    "progress": _progress,
}


@login_required
@require_GET
def cohort_dashboard_export(request, cohort_id, table):
    access = access_cohort_dashboard(request.user, cohort_id)
    build = DOWNLOADS.get(table)
    if build is None:
        raise not_found()
    header, rows = build(access.cohort)
    return exports.streamed_csv(f"{table}-cohort-{access.cohort.pk}.csv", header, rows)
