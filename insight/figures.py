"""The figures of every dashboard, each defined once, so that a rate means the
same on the HR dashboard, the facilitator's, the leader's page and a
participant's own.

- **Attendance**: of a cohort's ended sessions, the (session, participant)
  pairs in which the participant was on the board, out of the pairs in which
  they were already a participant when the session started.
- **Check-in completion**: of the cohort's closed check-in periods (those
  that ended before today, where the cohort's rhythm counts days), the
  (period, participant) pairs with a check-in, out of the pairs in which the
  participant had joined before the period ended.
- **Check-in streak**: the closed periods in a row, counting back from the
  latest, with a check-in; the open period is told apart ("done" or not).
- **Programme progress**: sessions held (ended) of those planned (any not
  cancelled), and whole weeks elapsed of the programme window.

The functions take rows a page has already loaded for all its cohorts at
once, so that a page costs the same number of queries however many cohorts,
people, sessions and check-ins there are. Someone who joined late is not
expected at what happened before: the same rule as goals/quiet.py's.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from board.models import CohortSession
from cohorts.models import Cohort, Membership
from goals.models import CohortRhythm
from goals.periods import Period, local_today, period_containing, program_periods


@dataclass(frozen=True)
class Rate:
    """`done` of `expected`, and its percentage (None when nothing was expected).

    `people` is how many different participants the rate counts: fewer than the
    roster when some joined late, and what decides whether HR may see it."""

    done: int
    expected: int
    people: int = 0

    @property
    def percent(self) -> int | None:
        if not self.expected:
            return None
        return round(100 * self.done / self.expected)


def rhythm_of(cohort: Cohort, rhythms: dict[int, CohortRhythm]) -> CohortRhythm:
    """The cohort's rhythm from `rhythms` (by cohort id), or the defaults it
    runs on until a facilitator sets one (not saved: a page only reads)."""
    rhythm = rhythms.get(cohort.pk) or CohortRhythm(cohort=cohort)
    rhythm.cohort = cohort
    return rhythm


def closed_periods(rhythm: CohortRhythm, now: datetime.datetime) -> list[Period]:
    """The programme's check-in periods that ended before today, oldest first."""
    today = local_today(rhythm, now)
    return [period for period in program_periods(rhythm, until=today) if period.end < today]


def open_period(rhythm: CohortRhythm, now: datetime.datetime) -> Period | None:
    """The period a check-in is written for today, while the programme runs."""
    today = local_today(rhythm, now)
    cohort = rhythm.cohort
    if not cohort.starts_on <= today <= cohort.ends_on:
        return None
    return period_containing(rhythm, today)


def _joined_on(membership: Membership, cohort: Cohort) -> datetime.date:
    return timezone.localtime(membership.joined_at, cohort.zone).date()


def attendance(
    sessions: Iterable[CohortSession],
    participants: Iterable[Membership],
    attended: set[tuple[int, int]],
) -> Rate:
    """Attendance of `participants` at the ended sessions among `sessions`
    (all of one cohort); `attended` holds (session id, membership id) pairs."""
    ended = [s for s in sessions if s.status == CohortSession.Status.ENDED]
    done = expected = 0
    counted = set()
    for membership in participants:
        for session in ended:
            if session.starts_at < membership.joined_at:
                continue
            expected += 1
            done += (session.pk, membership.pk) in attended
            counted.add(membership.pk)
    return Rate(done=done, expected=expected, people=len(counted))


def checkin_completion(
    cohort: Cohort,
    closed: list[Period],
    participants: Iterable[Membership],
    written: set[tuple[int, datetime.date]],
) -> Rate:
    """Check-ins written by `participants` (of `cohort`) in the `closed`
    periods; `written` holds (membership id, period start) pairs."""
    done = expected = 0
    counted = set()
    for membership in participants:
        joined_on = _joined_on(membership, cohort)
        for period in closed:
            if period.end < joined_on:
                continue
            expected += 1
            done += (membership.pk, period.start) in written
            counted.add(membership.pk)
    return Rate(done=done, expected=expected, people=len(counted))


def checkin_streak(closed: list[Period], written_starts: set[datetime.date]) -> int:
    """How many of the latest closed periods in a row have a check-in."""
    streak = 0
    for period in reversed(closed):
        if period.start not in written_starts:
            break
        streak += 1
    return streak


@dataclass(frozen=True)
class Programme:
    sessions_held: int
    sessions_planned: int
    weeks_elapsed: int
    weeks_total: int


def programme(
    cohort: Cohort, sessions: Iterable[CohortSession], now: datetime.datetime
) -> Programme:
    """How far the cohort is through its programme."""
    planned = [s for s in sessions if s.status != CohortSession.Status.CANCELLED]
    today = now.astimezone(cohort.zone).date()
    weeks_total = math.ceil(((cohort.ends_on - cohort.starts_on).days + 1) / 7)
    weeks_elapsed = min(weeks_total, max(0, (today - cohort.starts_on).days // 7))
    return Programme(
        sessions_held=sum(s.status == CohortSession.Status.ENDED for s in planned),
        sessions_planned=len(planned),
        weeks_elapsed=weeks_elapsed,
        weeks_total=weeks_total,
    )
