"""The facilitator's dashboard tables as CSV files.

Each table is built in full before the response starts (its few queries run
in the view), then written out row by row as the download streams. Every cell
a person typed (names, session titles) goes through `csv_cell`, so a
spreadsheet reads it as text, never as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from insight.cohort_dashboard import AttendanceTable, PeriodCompletion, StatusCount
from lib.charts import Series
from lib.spreadsheets import csv_cell


class _Echo:
    """A file that hands back what is written to it: csv.writer's rows, one
    string at a time, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def streamed_csv(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow([csv_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([csv_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _percent(rate) -> str:
    return "" if rate.percent is None else str(rate.percent)


def _mark(mark: bool | None) -> str:
    if mark is None:
        return _("not yet in the cohort")
    return _("attended") if mark else _("absent")


def attendance_csv(table: AttendanceTable, zone) -> tuple[list[str], list[list]]:
    """One row per participant, one column per ended session (its title and
    day in the cohort's time zone `zone`), then totals; the last row holds
    each session's totals."""
    header = [
        _("participant"),
        *(
            f"{c.session.title} ({c.session.starts_at.astimezone(zone):%Y-%m-%d})"
            for c in table.sessions
        ),
        _("attended"),
        _("expected"),
        _("attendance (%)"),
    ]
    rows = [
        [
            str(row.membership.user),
            *(_mark(mark) for mark in row.marks),
            row.rate.done,
            row.rate.expected,
            _percent(row.rate),
        ]
        for row in table.rows
    ]
    rows.append(
        [
            _("all participants"),
            *(f"{c.rate.done}/{c.rate.expected}" for c in table.sessions),
            table.rate.done,
            table.rate.expected,
            _percent(table.rate),
        ]
    )
    return header, rows


def checkins_csv(completions: Iterable[PeriodCompletion]) -> tuple[list[str], list[list]]:
    header = [
        _("period start"),
        _("period end"),
        _("open"),
        _("check-ins written"),
        _("check-ins expected"),
        _("completion (%)"),
    ]
    rows = [
        [
            c.period.start.isoformat(),
            c.period.end.isoformat(),
            _("yes") if c.is_open else _("no"),
            c.rate.done,
            c.rate.expected,
            _percent(c.rate),
        ]
        for c in completions
    ]
    return header, rows


def goals_csv(counts: Iterable[StatusCount]) -> tuple[list[str], list[list]]:
    header = [_("status"), _("shared goals"), _("personal goals")]
    return header, [[c.label, c.shared, c.personal] for c in counts]


def progress_csv(series: Iterable[Series]) -> tuple[list[str], list[list]]:
    """One row per point: who (or the cohort median), the day, the value."""
    header = [_("participant"), _("date"), _("progress (%)")]
    rows = [
        [line.label, point.on.isoformat(), f"{point.value:g}"]
        for line in series
        for point in line.points
    ]
    return header, rows
