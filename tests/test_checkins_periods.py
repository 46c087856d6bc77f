"""Check-in periods: cadence, day, period edges and the cohort's time zone."""

import datetime
import zoneinfo

import pytest

from goals import periods, services
from goals.models import CheckIn, CohortRhythm
from lib.errors import DomainError
from tests.goals_support import access, set_rhythm

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
D = datetime.date


@pytest.fixture
def march_cohort(cohort):
    """A program from Wednesday 4 March to 30 September 2026."""
    cohort.starts_on = D(2026, 3, 4)
    cohort.ends_on = D(2026, 9, 30)
    cohort.save()
    return cohort


def set_zone(cohort, zone: str) -> None:
    """The cohort's time zone, where its check-in periods start at midnight."""
    cohort.time_zone = zone
    cohort.save(update_fields=["time_zone"])


def at(zone: str, *args) -> datetime.datetime:
    """A moment given as wall-clock time in `zone`."""
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def test_weekly_periods_start_on_the_cohorts_day(march_cohort):
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    # The first period holds the program's first day (a Wednesday).
    assert periods.period_containing(rhythm, D(2026, 3, 4)).start == D(2026, 3, 2)
    assert periods.period_containing(rhythm, D(2026, 3, 8)).start == D(2026, 3, 2)
    assert periods.period_containing(rhythm, D(2026, 3, 9)).start == D(2026, 3, 9)
    period = periods.period_containing(rhythm, D(2026, 3, 9))
    assert (period.end, period.next_start) == (D(2026, 3, 15), D(2026, 3, 16))


def test_fortnightly_periods_last_two_weeks(march_cohort):
    rhythm = set_rhythm(
        march_cohort, cadence=CohortRhythm.Cadence.FORTNIGHTLY, weekday=CohortRhythm.Weekday.MONDAY
    )
    assert periods.period_containing(rhythm, D(2026, 3, 15)).start == D(2026, 3, 2)
    assert periods.period_containing(rhythm, D(2026, 3, 16)).start == D(2026, 3, 16)
    assert periods.period_containing(rhythm, D(2026, 3, 29)).end == D(2026, 3, 29)


def test_a_day_after_the_program_start_weekday(march_cohort):
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.FRIDAY)
    assert periods.period_containing(rhythm, D(2026, 3, 4)).start == D(2026, 2, 27)
    assert periods.period_containing(rhythm, D(2026, 3, 6)).start == D(2026, 3, 6)


def test_the_period_turns_at_midnight_in_the_cohorts_time_zone(march_cohort):
    set_zone(march_cohort, "UTC")
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    last_moment = at("UTC", 2026, 3, 15, 23, 59, 59, 999999)
    assert periods.current_period(rhythm, last_moment).start == D(2026, 3, 9)
    assert periods.current_period(rhythm, at("UTC", 2026, 3, 16)).start == D(2026, 3, 16)


@pytest.mark.parametrize(
    ("zone", "moment_utc", "expected_start"),
    [
        # Sunday noon in UTC is already Monday in Auckland (UTC+13 in March).
        ("Pacific/Auckland", datetime.datetime(2026, 3, 15, 12, 0, tzinfo=UTC), D(2026, 3, 16)),
        ("UTC", datetime.datetime(2026, 3, 15, 12, 0, tzinfo=UTC), D(2026, 3, 9)),
        # Monday 05:00 UTC is still Sunday evening in Los Angeles (UTC-7 after
        # the 8 March DST change).
        ("America/Los_Angeles", datetime.datetime(2026, 3, 16, 5, 0, tzinfo=UTC), D(2026, 3, 9)),
        ("America/Los_Angeles", datetime.datetime(2026, 3, 16, 7, 0, tzinfo=UTC), D(2026, 3, 16)),
    ],
)
def test_the_open_period_is_read_where_the_cohort_is(
    march_cohort, zone, moment_utc, expected_start
):
    set_zone(march_cohort, zone)
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    assert periods.current_period(rhythm, moment_utc).start == expected_start


def test_a_dst_change_inside_a_period_does_not_move_its_start(march_cohort):
    set_zone(march_cohort, "America/New_York")
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.SUNDAY)
    # 8 March 2026 is the day clocks go forward in New York.
    before = at("America/New_York", 2026, 3, 8, 1, 30)
    after = at("America/New_York", 2026, 3, 8, 3, 30)
    assert periods.current_period(rhythm, before).start == D(2026, 3, 8)
    assert periods.current_period(rhythm, after).start == D(2026, 3, 8)
    assert periods.current_period(rhythm, at("America/New_York", 2026, 3, 7, 23, 59)).start == D(
        2026, 3, 1
    )


def submit(cohort, user, period_start, now, **extra):
    return services.submit_checkin(
        access=access(user, cohort),
        period_start=period_start,
        energy=extra.pop("energy", 3),
        win=extra.pop("win", "A calm week"),
        now=now,
        **extra,
    )


def test_one_checkin_per_period_a_second_submission_edits_it(march_cohort, participant):
    set_zone(march_cohort, "Europe/Paris")
    set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    monday = at("Europe/Paris", 2026, 3, 16, 9, 0)
    first, created = submit(march_cohort, participant, D(2026, 3, 16), monday)
    assert created
    again, created = submit(
        march_cohort,
        participant,
        D(2026, 3, 16),
        monday + datetime.timedelta(days=3),
        win="Better than I thought",
        energy=5,
    )
    assert not created and again.pk == first.pk
    stored = CheckIn.objects.get()
    assert (stored.win, stored.energy, stored.period_start) == (
        "Better than I thought",
        5,
        D(2026, 3, 16),
    )


def test_a_checkin_for_a_closed_period_is_refused_with_a_clear_message(march_cohort, participant):
    set_zone(march_cohort, "Europe/Paris")
    set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    # The form was opened on Sunday evening and sent after midnight in Paris.
    just_after_midnight = at("Europe/Paris", 2026, 3, 16, 0, 0, 30)
    with pytest.raises(DomainError) as error:
        submit(march_cohort, participant, D(2026, 3, 9), just_after_midnight)
    assert error.value.code == "closed"
    assert "is closed" in error.value.message
    assert "16 March 2026" in error.value.message or "March 16, 2026" in error.value.message
    assert not CheckIn.objects.exists()


def test_a_period_that_is_not_a_period_start_is_refused(march_cohort, participant):
    set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    with pytest.raises(DomainError):
        submit(march_cohort, participant, D(2026, 3, 17), at("UTC", 2026, 3, 17, 10))
    assert not CheckIn.objects.exists()


def test_no_checkin_outside_the_program(march_cohort, participant):
    set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    after_the_end = at("UTC", 2026, 10, 12, 10)
    with pytest.raises(DomainError) as error:
        submit(march_cohort, participant, D(2026, 10, 12), after_the_end)
    assert error.value.code == "closed"
    assert not CheckIn.objects.exists()


def test_the_program_periods_run_from_the_first_to_today(march_cohort):
    rhythm = set_rhythm(march_cohort, weekday=CohortRhythm.Weekday.MONDAY)
    listed = periods.program_periods(rhythm, until=D(2026, 3, 24))
    assert [p.start for p in listed] == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
        D(2026, 3, 23),
    ]


def test_changing_the_rhythm_is_for_facilitators_and_checks_the_day(
    march_cohort, facilitator, participant
):
    with pytest.raises(DomainError):
        services.update_rhythm(
            access=access(participant, march_cohort),
            cadence="weekly",
            weekday=2,
            participants_see_leader_goals=True,
        )
    with pytest.raises(DomainError):
        services.update_rhythm(
            access=access(facilitator, march_cohort),
            cadence="weekly",
            weekday=7,
            participants_see_leader_goals=True,
        )
    rhythm = periods.rhythm_for(march_cohort)
    assert (rhythm.weekday, rhythm.participants_see_leader_goals) == (0, False)
    services.update_rhythm(
        access=access(facilitator, march_cohort),
        cadence="fortnightly",
        weekday=2,
        participants_see_leader_goals=True,
    )
    rhythm.refresh_from_db()
    assert (rhythm.cadence, rhythm.weekday, rhythm.participants_see_leader_goals) == (
        "fortnightly",
        2,
        True,
    )
