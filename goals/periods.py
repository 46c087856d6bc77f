"""Check-in periods: computed from a cohort's cadence and day, in its time zone.

Periods are aligned on the last check-in day on or before the program start,
so that the first period contains the program's first day and every period
starts on the cohort's day. Only the period containing "today" is open, and
"today" is read in the cohort's time zone (`Cohort.time_zone`), never the
reader's: a period starts at local midnight there for everyone, whatever
zone each person's pages show times in. Periods are dates, not moments, so a
daylight-saving change (a 23- or 25-hour day) never moves a period's start.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from goals.models import CohortRhythm


@dataclass(frozen=True)
class Period:
    start: datetime.date
    days: int

    @property
    def end(self) -> datetime.date:
        """The period's last day (inclusive)."""
        return self.start + datetime.timedelta(days=self.days - 1)

    @property
    def next_start(self) -> datetime.date:
        return self.start + datetime.timedelta(days=self.days)

    @property
    def previous_start(self) -> datetime.date:
        return self.start - datetime.timedelta(days=self.days)


def rhythm_for(cohort) -> CohortRhythm:
    """The cohort's rhythm, created with the defaults on first use."""
    rhythm, _created = CohortRhythm.objects.get_or_create(cohort=cohort)
    # The rhythm reads its zone from this cohort: no second query for it.
    rhythm.cohort = cohort
    return rhythm


def local_today(rhythm: CohortRhythm, now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in the cohort's time zone."""
    now = now or timezone.now()
    return now.astimezone(rhythm.zone).date()


def _anchor(rhythm: CohortRhythm) -> datetime.date:
    starts_on = rhythm.cohort.starts_on
    return starts_on - datetime.timedelta(days=(starts_on.weekday() - rhythm.weekday) % 7)


def period_containing(rhythm: CohortRhythm, day: datetime.date) -> Period:
    anchor = _anchor(rhythm)
    length = rhythm.period_days
    offset = (day - anchor).days // length * length
    return Period(start=anchor + datetime.timedelta(days=offset), days=length)


def current_period(rhythm: CohortRhythm, now: datetime.datetime | None = None) -> Period:
    return period_containing(rhythm, local_today(rhythm, now))


def is_period_start(rhythm: CohortRhythm, day: datetime.date) -> bool:
    return period_containing(rhythm, day).start == day


def program_periods(rhythm: CohortRhythm, *, until: datetime.date) -> list[Period]:
    """Every period from the program's first to the one containing `until`
    (bounded by the program's end), oldest first."""
    last = min(until, rhythm.cohort.ends_on)
    period = period_containing(rhythm, rhythm.cohort.starts_on)
    periods = []
    while period.start <= last:
        periods.append(period)
        period = Period(start=period.next_start, days=period.days)
    return periods
