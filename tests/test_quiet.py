"""Who has gone quiet: two closed periods without a check-in, or two ended
sessions in a row missed; joining late, writing again or attending again ends it."""

import datetime

import pytest

from board.models import CohortSession
from goals.models import CohortRhythm
from goals.quiet import quiet_participants
from tests.factories import (
    AttendanceFactory,
    CheckInFactory,
    CohortFactory,
    CohortSessionFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday at noon UTC; the cohort's weekly periods start on Mondays.
NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2026, 11, 16)  # the open period's first day
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def cohort():
    cohort = CohortFactory(
        starts_on=datetime.date(2026, 9, 7), ends_on=datetime.date(2027, 3, 1), time_zone="UTC"
    )
    CohortRhythm.objects.create(
        cohort=cohort, cadence=CohortRhythm.Cadence.WEEKLY, weekday=CohortRhythm.Weekday.MONDAY
    )
    return cohort


def member(cohort, joined_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)):
    return MembershipFactory(cohort=cohort, joined_at=joined_at)


def checkin(membership, period_start):
    return CheckInFactory(author=membership, period_start=period_start)


def ended_session(cohort, days_ago):
    return CohortSessionFactory(
        cohort=cohort,
        status=CohortSession.Status.ENDED,
        starts_at=NOW - datetime.timedelta(days_ago),
    )


def quiet_ids(cohort):
    return {q.membership.pk: q for q in quiet_participants([cohort], now=NOW).get(cohort.pk, [])}


def test_two_closed_periods_without_a_check_in_make_a_person_quiet(cohort):
    writes, missed_one, missed_two = member(cohort), member(cohort), member(cohort)
    checkin(writes, MONDAY - WEEK)
    checkin(missed_one, MONDAY - 2 * WEEK)
    checkin(missed_two, MONDAY - 3 * WEEK)

    quiet = quiet_ids(cohort)

    assert set(quiet) == {missed_two.pk}
    spell = quiet[missed_two.pk]
    assert [p.start for p in spell.missed_periods] == [MONDAY - 2 * WEEK, MONDAY - WEEK]
    assert spell.checkins_missed_since == MONDAY - 2 * WEEK
    assert spell.last_checkin_period == MONDAY - 3 * WEEK
    assert spell.missed_sessions == () and spell.absent_since is None


def test_writing_in_the_open_period_ends_the_spell(cohort):
    back = member(cohort)
    checkin(back, MONDAY - 4 * WEEK)
    checkin(back, MONDAY)

    assert quiet_ids(cohort) == {}


def test_periods_that_ended_before_joining_are_not_expected(cohort):
    late = member(cohort, joined_at=datetime.datetime(2026, 11, 10, 9, tzinfo=datetime.UTC))
    later = member(cohort, joined_at=datetime.datetime(2026, 11, 3, 9, tzinfo=datetime.UTC))

    quiet = quiet_ids(cohort)

    # Joined in last week's period: one period missed, not yet quiet.
    assert late.pk not in quiet
    assert [p.start for p in quiet[later.pk].missed_periods] == [MONDAY - 2 * WEEK, MONDAY - WEEK]


def test_the_spell_keeps_its_first_day_as_it_grows(cohort):
    person = member(cohort)
    checkin(person, MONDAY - 5 * WEEK)

    now = quiet_ids(cohort)[person.pk]
    a_week_later = quiet_participants([cohort], now=NOW + WEEK)[cohort.pk][0]

    assert now.checkins_missed_since == a_week_later.checkins_missed_since == MONDAY - 4 * WEEK
    assert len(a_week_later.missed_periods) == len(now.missed_periods) + 1


def test_two_missed_sessions_in_a_row_make_a_person_quiet(cohort):
    present, absent_once, absent_twice = member(cohort), member(cohort), member(cohort)
    for person in (present, absent_once, absent_twice):
        checkin(person, MONDAY - WEEK)
    older, old, last = (
        ended_session(cohort, 21),
        ended_session(cohort, 14),
        ended_session(cohort, 7),
    )
    CohortSessionFactory(cohort=cohort, starts_at=NOW + WEEK)  # planned: not counted
    for session in (older, old, last):
        AttendanceFactory(session=session, membership=present)
    AttendanceFactory(session=older, membership=absent_once)
    AttendanceFactory(session=old, membership=absent_once)
    AttendanceFactory(session=older, membership=absent_twice)

    quiet = quiet_ids(cohort)

    assert set(quiet) == {absent_twice.pk}
    assert quiet[absent_twice.pk].missed_sessions == (old, last)
    assert quiet[absent_twice.pk].absent_since == old.starts_at
    assert quiet[absent_twice.pk].missed_periods == ()


def test_sessions_before_joining_are_not_missed(cohort):
    ended_session(cohort, 14)
    ended_session(cohort, 7)
    newcomer = member(cohort, joined_at=NOW - datetime.timedelta(days=10))
    checkin(newcomer, MONDAY - WEEK)

    assert quiet_ids(cohort) == {}


def test_facilitators_are_never_quiet(cohort):
    ended_session(cohort, 14)
    ended_session(cohort, 7)
    facilitator = cohort.memberships.get(role="facilitator")

    assert facilitator.pk not in quiet_ids(cohort)


@pytest.mark.parametrize("size", [1, 10])
def test_five_queries_however_many_cohorts_and_people(size, django_assert_num_queries):
    cohorts = []
    for _ in range(size):
        cohort = CohortFactory(time_zone="Europe/Paris")
        for days_ago in (14, 7):
            session = ended_session(cohort, days_ago)
            for _person in range(3):
                AttendanceFactory(session=session, membership=member(cohort))
        cohorts.append(cohort)

    with django_assert_num_queries(5):
        quiet = quiet_participants(cohorts, now=NOW)

    assert len(quiet) == size
