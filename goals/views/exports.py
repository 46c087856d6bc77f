"""CSV downloads of goals and check-ins: only what the requester may read."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals import rules
from lib.spreadsheets import csv_cell


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response


@login_required
@require_GET
def goals_export(request, cohort_id):
    """The goals the requester may read, with their latest figure, as CSV."""
    access = rules.access_goals(request.user, cohort_id)
    goals = rules.visible_goals(access).select_related("owner__user").prefetch_related("updates")
    rows = []
    for goal in goals:
        figures = [u for u in goal.updates.all() if u.value is not None]
        rows.append(
            [
                goal.get_kind_display(),
                str(goal.owner.user) if goal.owner else "",
                goal.title,
                goal.why,
                goal.success_measure,
                goal.target_date.isoformat() if goal.target_date else "",
                goal.get_status_display(),
                goal.get_visibility_display() if goal.is_personal else "",
                figures[-1].value if figures else "",
                figures[-1].on.isoformat() if figures else "",
            ]
        )
    header = [
        _("kind"),
        _("participant"),
        _("title"),
        _("why it matters"),
        _("success measure"),
        _("target date"),
        _("status"),
        _("visibility"),
        _("latest progress"),
        _("progress date"),
    ]
    return csv_response(f"goals-cohort-{access.cohort.pk}.csv", header, rows)


@login_required
@require_GET
def checkins_export(request, cohort_id):
    """The check-ins the requester may read, as CSV."""
    access = rules.access_checkins(request.user, cohort_id)
    checkins = rules.visible_checkins(access).select_related("author__user")
    rows = [
        [
            c.period_start.isoformat(),
            str(c.author.user),
            c.energy,
            c.win,
            c.challenge,
            c.ask,
            _("yes") if c.shared_with_cohort else _("no"),
        ]
        for c in checkins
    ]
    header = [
        _("period start"),
        _("participant"),
        _("energy"),
        _("win"),
        _("challenge"),
        _("ask for support"),
        _("shared with the cohort"),
    ]
    return csv_response(f"checkins-cohort-{access.cohort.pk}.csv", header, rows)
