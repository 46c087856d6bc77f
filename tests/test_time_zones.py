"""Time zones: stored in UTC, shown in the reader's zone, periods in the cohort's.

The reader's zone is the one chosen in their settings, else the one their
browser reported (the "tz" cookie), else the site's. Check-in periods start at
local midnight in the cohort's zone, across daylight-saving changes.
"""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.test import RequestFactory
from django.urls import reverse
from django.utils import formats, timezone

from accounts.forms import ProfileForm
from accounts.middleware import TIME_ZONE_COOKIE, reader_time_zone
from board import services as board_services
from board.exports import summary_csv, summary_markdown
from board.rules import access_session
from cohorts.models import Cohort
from goals import periods, services
from goals.forms import RhythmForm
from goals.models import CheckIn, CohortRhythm
from lib.errors import DomainError
from tests import factories
from tests.goals_support import access, set_rhythm

UTC = datetime.UTC
D = datetime.date


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def zone_on_page(response) -> str:
    """The zone a page says its times are in (base.html)."""
    return re.search(r'<html[^>]* data-time-zone="([^"]*)"', response.content.decode()).group(1)


# The reader's zone ---------------------------------------------------------------


@pytest.fixture
def reader(db):
    return factories.UserFactory(email="reader@acme.test", display_name="Rae Reader")


def test_the_middleware_runs_once_the_user_is_known():
    middleware = django_settings.MIDDLEWARE
    assert middleware.index("accounts.middleware.TimeZoneMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


def test_the_zone_chosen_in_the_settings_wins_over_the_browsers(client, reader):
    reader.time_zone = "Europe/Paris"
    reader.save()
    client.force_login(reader)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    assert zone_on_page(client.get(reverse("cohorts:home"))) == "Europe/Paris"


def test_without_a_chosen_zone_the_browsers_is_used(client, reader):
    client.force_login(reader)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    assert zone_on_page(client.get(reverse("cohorts:home"))) == "Asia/Tokyo"


def test_a_signed_out_visitor_gets_the_browsers_zone(client, db):
    client.cookies[TIME_ZONE_COOKIE] = "America/New_York"
    assert zone_on_page(client.get(reverse("account_login"))) == "America/New_York"


def test_without_a_choice_or_a_cookie_the_sites_zone_is_used(client, reader, settings):
    settings.TIME_ZONE = "Australia/Sydney"
    client.force_login(reader)
    assert zone_on_page(client.get(reverse("cohorts:home"))) == "Australia/Sydney"


@pytest.mark.parametrize(
    "forged",
    [
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "europe/paris",  # zone names are case-sensitive files
        "Europe/Paris\x00",
        "x" * 5000,
    ],
)
def test_a_forged_cookie_is_passed_over_without_an_error(client, reader, settings, forged):
    settings.TIME_ZONE = "UTC"
    client.force_login(reader)
    client.cookies[TIME_ZONE_COOKIE] = forged
    response = client.get(reverse("cohorts:home"))
    assert response.status_code == 200
    assert zone_on_page(response) == "UTC"


def test_a_stored_zone_that_is_no_longer_known_falls_back_to_the_browsers(rf, reader):
    # The form offers only known names; a row edited by hand, or a name a newer
    # tz database dropped, must not break every page.
    reader.time_zone = "Mars/Olympus_Mons"
    request = rf.get("/")
    request.COOKIES[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    request.user = reader
    assert reader_time_zone(request) == "Asia/Tokyo"


def test_an_anonymous_visitors_choice_is_the_cookie_alone(settings):
    settings.TIME_ZONE = "UTC"
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert reader_time_zone(request) == "UTC"
    request.COOKIES[TIME_ZONE_COOKIE] = "Pacific/Auckland"
    assert reader_time_zone(request) == "Pacific/Auckland"


def test_the_readers_zone_does_not_outlive_the_request(client, reader, settings):
    settings.TIME_ZONE = "UTC"
    reader.time_zone = "Asia/Kolkata"
    reader.save()
    client.force_login(reader)
    assert zone_on_page(client.get(reverse("cohorts:home"))) == "Asia/Kolkata"
    assert timezone.get_current_timezone_name() == "UTC"


def test_every_page_says_which_zone_its_times_are_in(client, reader):
    reader.time_zone = "America/Sao_Paulo"
    reader.save()
    client.force_login(reader)
    page = client.get(reverse("cohorts:home")).content.decode()
    footer = re.search(r'<footer class="site-footer[^"]*">(.*?)</footer>', page, re.S).group(1)
    assert "Times in America/Sao_Paulo" in footer
    assert f'href="{reverse("notifications:settings")}"' in footer
    assert 'src="/static/js/lib/timezone.js"' in page


# The profile form ------------------------------------------------------------------


def profile(**data):
    return ProfileForm(data={"display_name": "Rae Reader", "time_zone": "", **data})


def test_the_profile_form_accepts_a_known_zone_and_blank(reader):
    form = profile(time_zone="Europe/Paris")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == "Europe/Paris"
    form = profile(time_zone="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == ""
    assert form.fields["time_zone"].choices[0] == ("", "Follow my browser")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "europe/paris", "CET+1", "<b>UTC</b>"])
def test_the_profile_form_refuses_an_unknown_zone(reader, zone):
    form = ProfileForm(data={"display_name": "Rae", "time_zone": zone}, instance=reader)
    assert not form.is_valid()
    assert "time_zone" in form.errors
    reader.refresh_from_db()
    assert reader.time_zone == ""


@pytest.mark.parametrize("name", ["Rae\nReader", "Rae\tReader", "Rae\u202eReader", "   "])
def test_the_profile_form_refuses_a_name_that_is_not_one_line(reader, name):
    form = ProfileForm(data={"display_name": name, "time_zone": ""}, instance=reader)
    assert not form.is_valid()
    assert "display_name" in form.errors


def test_the_profile_form_saves_the_name_trimmed_and_the_zone(reader):
    form = ProfileForm(
        data={"display_name": "  Rae R.  ", "time_zone": "Asia/Tokyo"}, instance=reader
    )
    assert form.is_valid(), form.errors
    form.save()
    reader.refresh_from_db()
    assert (reader.display_name, reader.time_zone) == ("Rae R.", "Asia/Tokyo")


# The cohort's zone moved from the rhythm to the cohort ------------------------------

BEFORE = ("goals", "0001_initial")
AFTER = ("goals", "0002_rhythm_time_zone_to_cohort")


def models_as_migrated():
    """The historical models of the migrations now applied."""
    loader = MigrationLoader(connection)
    applied = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    return loader.project_state(applied).apps


def migrate_to_the_end():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_rhythms_zone_moves_to_its_cohort_and_back():
    try:
        MigrationExecutor(connection).migrate([BEFORE])
        old = models_as_migrated()
        organization = old.get_model("cohorts", "Organization").objects.create(
            name="Acme", slug="acme"
        )
        OldCohort = old.get_model("cohorts", "Cohort")
        OldRhythm = old.get_model("goals", "CohortRhythm")
        window = {"starts_on": D(2026, 1, 5), "ends_on": D(2026, 7, 5)}
        paris = OldCohort.objects.create(organization=organization, name="Paris", **window)
        tokyo = OldCohort.objects.create(organization=organization, name="Tokyo", **window)
        broken = OldCohort.objects.create(organization=organization, name="Broken", **window)
        OldCohort.objects.create(organization=organization, name="Bare", **window)
        OldRhythm.objects.create(cohort=paris, time_zone="Europe/Paris")
        OldRhythm.objects.create(cohort=tokyo, time_zone="Asia/Tokyo", weekday=3)
        OldRhythm.objects.create(cohort=broken, time_zone="Mars/Olympus_Mons")

        MigrationExecutor(connection).migrate([AFTER])
        zones = dict(Cohort.objects.values_list("name", "time_zone"))
        assert zones == {
            "Paris": "Europe/Paris",
            "Tokyo": "Asia/Tokyo",
            # An unknown name is not copied: the cohort keeps the default.
            "Broken": django_settings.TIME_ZONE,
            "Bare": django_settings.TIME_ZONE,
        }
        assert CohortRhythm.objects.get(cohort__name="Tokyo").weekday == 3
        assert CohortRhythm.objects.get(cohort__name="Paris").zone == zoneinfo.ZoneInfo(
            "Europe/Paris"
        )

        # Backwards: the rhythm takes its cohort's zone again.
        Cohort.objects.filter(name="Tokyo").update(time_zone="Asia/Seoul")
        MigrationExecutor(connection).migrate([BEFORE])
        rhythms = models_as_migrated().get_model("goals", "CohortRhythm").objects
        assert dict(rhythms.values_list("cohort__name", "time_zone")) == {
            "Paris": "Europe/Paris",
            "Tokyo": "Asia/Seoul",
            "Broken": django_settings.TIME_ZONE,
        }
    finally:
        migrate_to_the_end()


# Check-in periods at daylight-saving changes ----------------------------------------


@pytest.fixture
def year_cohort(cohort):
    """A program through 2026; its check-in periods start on Sundays, the day
    clocks change in Paris and New York."""
    cohort.starts_on = D(2026, 1, 4)
    cohort.ends_on = D(2026, 12, 27)
    cohort.save()
    set_rhythm(cohort, weekday=CohortRhythm.Weekday.SUNDAY)
    return cohort


def in_zone(cohort, zone: str):
    cohort.time_zone = zone
    cohort.save(update_fields=["time_zone"])
    return periods.rhythm_for(Cohort.objects.get(pk=cohort.pk))


# (zone, moment in UTC, the local date then, the period open then). Each change
# of clocks falls on a Sunday, the first day of a period.
DST_EDGES = [
    # Paris, spring: 29 March 02:00 CET becomes 03:00 CEST.
    ("Europe/Paris", utc(2026, 3, 28, 22, 59, 59), D(2026, 3, 28), D(2026, 3, 22)),
    ("Europe/Paris", utc(2026, 3, 28, 23, 0), D(2026, 3, 29), D(2026, 3, 29)),  # 00:00 CET
    ("Europe/Paris", utc(2026, 3, 29, 0, 59), D(2026, 3, 29), D(2026, 3, 29)),  # 01:59 CET
    ("Europe/Paris", utc(2026, 3, 29, 1, 0), D(2026, 3, 29), D(2026, 3, 29)),  # 03:00 CEST
    # Paris, autumn: 25 October 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    ("Europe/Paris", utc(2026, 10, 24, 21, 59), D(2026, 10, 24), D(2026, 10, 18)),
    ("Europe/Paris", utc(2026, 10, 24, 22, 0), D(2026, 10, 25), D(2026, 10, 25)),  # 00:00 CEST
    ("Europe/Paris", utc(2026, 10, 25, 0, 30), D(2026, 10, 25), D(2026, 10, 25)),  # 02:30 CEST
    ("Europe/Paris", utc(2026, 10, 25, 1, 30), D(2026, 10, 25), D(2026, 10, 25)),  # 02:30 CET
    # New York, spring: 8 March 02:00 EST becomes 03:00 EDT.
    ("America/New_York", utc(2026, 3, 8, 4, 59), D(2026, 3, 7), D(2026, 3, 1)),  # 23:59 EST
    ("America/New_York", utc(2026, 3, 8, 5, 0), D(2026, 3, 8), D(2026, 3, 8)),  # 00:00 EST
    ("America/New_York", utc(2026, 3, 8, 6, 59), D(2026, 3, 8), D(2026, 3, 8)),  # 01:59 EST
    ("America/New_York", utc(2026, 3, 8, 7, 0), D(2026, 3, 8), D(2026, 3, 8)),  # 03:00 EDT
    # New York, autumn: 1 November 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    ("America/New_York", utc(2026, 11, 1, 3, 59), D(2026, 10, 31), D(2026, 10, 25)),
    ("America/New_York", utc(2026, 11, 1, 4, 0), D(2026, 11, 1), D(2026, 11, 1)),  # 00:00 EDT
    ("America/New_York", utc(2026, 11, 1, 5, 30), D(2026, 11, 1), D(2026, 11, 1)),  # 01:30 EDT
    ("America/New_York", utc(2026, 11, 1, 6, 30), D(2026, 11, 1), D(2026, 11, 1)),  # 01:30 EST
    ("America/New_York", utc(2026, 11, 1, 7, 59), D(2026, 11, 1), D(2026, 11, 1)),  # 02:59 EST
]


@pytest.mark.parametrize(("zone", "moment", "today", "open_start"), DST_EDGES)
def test_today_and_the_open_period_around_a_clock_change(
    year_cohort, zone, moment, today, open_start
):
    rhythm = in_zone(year_cohort, zone)
    assert periods.local_today(rhythm, moment) == today
    period = periods.current_period(rhythm, moment)
    assert (period.start, period.end) == (open_start, open_start + datetime.timedelta(days=6))


@pytest.mark.parametrize(("zone", "moment", "today", "open_start"), DST_EDGES)
def test_a_checkin_written_around_a_clock_change_lands_in_the_local_period(
    year_cohort, participant, zone, moment, today, open_start
):
    in_zone(year_cohort, zone)
    checkin, created = services.submit_checkin(
        access=access(participant, year_cohort),
        period_start=open_start,
        energy=3,
        win="Held the line",
        now=moment,
    )
    assert created
    assert CheckIn.objects.get(pk=checkin.pk).period_start == open_start
    # The period next door is closed, whichever side of midnight it is on.
    for other in (
        open_start - datetime.timedelta(days=7),
        open_start + datetime.timedelta(days=7),
    ):
        with pytest.raises(DomainError) as error:
            services.submit_checkin(
                access=access(participant, year_cohort),
                period_start=other,
                energy=3,
                win="Too late or too early",
                now=moment,
            )
        assert error.value.code == "closed"
    assert CheckIn.objects.count() == 1


def test_a_saturday_night_checkin_in_new_york_is_not_read_in_utc(year_cohort, participant):
    """23:30 on Saturday 7 March in New York is already Sunday in UTC: the
    check-in still belongs to the period that started on 1 March."""
    in_zone(year_cohort, "America/New_York")
    saturday_night = datetime.datetime(
        2026, 3, 7, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )
    assert saturday_night.astimezone(UTC).date() == D(2026, 3, 8)
    checkin, _created = services.submit_checkin(
        access=access(participant, year_cohort),
        period_start=D(2026, 3, 1),
        energy=4,
        now=saturday_night,
        win="Made it before midnight",
    )
    assert checkin.period_start == D(2026, 3, 1)


def test_the_readers_zone_does_not_move_the_cohorts_periods(year_cohort):
    rhythm = in_zone(year_cohort, "Europe/Paris")
    just_after_midnight_in_paris = utc(2026, 3, 28, 23, 30)
    with timezone.override("America/Los_Angeles"):
        assert periods.current_period(rhythm, just_after_midnight_in_paris).start == D(2026, 3, 29)


def test_a_period_across_a_clock_change_keeps_its_seven_days(year_cohort):
    rhythm = in_zone(year_cohort, "Europe/Paris")
    period = periods.period_containing(rhythm, D(2026, 3, 31))
    assert (period.start, period.end, period.next_start) == (
        D(2026, 3, 29),
        D(2026, 4, 4),
        D(2026, 4, 5),
    )


# The rhythm page no longer sets a zone ---------------------------------------------


def test_the_rhythm_form_has_no_zone_and_the_page_names_the_cohorts(client, cohort, facilitator):
    assert "time_zone" not in RhythmForm().fields
    cohort.time_zone = "Europe/Lisbon"
    cohort.save()
    client.force_login(facilitator)
    url = reverse("goals:rhythm", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "Each period starts at midnight in Europe/Lisbon" in page
    assert 'name="time_zone"' not in page
    response = client.post(url, {"cadence": "fortnightly", "weekday": "2"})
    assert response.status_code == 302
    rhythm = CohortRhythm.objects.get(cohort=cohort)
    assert (rhythm.cadence, rhythm.weekday) == ("fortnightly", 2)
    cohort.refresh_from_db()
    assert cohort.time_zone == "Europe/Lisbon"


# Session times on pages and in exports ---------------------------------------------

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def shown(hour: int, minute: int = 0, *, on: D) -> str:
    """How DATETIME_FORMAT writes a wall-clock time: no zone conversion."""
    return formats.date_format(
        datetime.datetime.combine(on, datetime.time(hour, minute)), "DATETIME_FORMAT"
    )


@pytest.mark.parametrize(
    "day",
    [D(2026, 1, 12), D(2026, 7, 13)],
    ids=["winter", "summer"],
)
def test_a_session_at_nine_in_paris_shows_at_three_in_new_york(
    client, cohort, facilitator, participant, day
):
    cohort.time_zone = "Europe/Paris"
    cohort.save()
    factories.CohortSessionFactory(
        cohort=cohort,
        title="Morning session",
        starts_at=datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=PARIS),
    )
    facilitator.time_zone = "Europe/Paris"
    facilitator.save()
    participant.time_zone = "America/New_York"
    participant.save()
    url = reverse("board:sessions", args=[cohort.pk])

    client.force_login(facilitator)
    in_paris = client.get(url).content.decode()
    client.force_login(participant)
    in_new_york = client.get(url).content.decode()

    assert shown(9, on=day) in in_paris
    assert shown(3, on=day) not in in_paris
    assert shown(3, on=day) in in_new_york
    assert shown(9, on=day) not in in_new_york


def test_a_reader_following_the_browser_sees_the_session_in_the_browsers_zone(
    client, cohort, participant
):
    cohort.time_zone = "Europe/Paris"
    cohort.save()
    day = D(2026, 1, 12)
    factories.CohortSessionFactory(
        cohort=cohort, starts_at=datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=PARIS)
    )
    client.force_login(participant)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    page = client.get(reverse("board:sessions", args=[cohort.pk])).content.decode()
    assert shown(17, on=day) in page


def test_the_summary_exports_are_in_the_cohorts_zone_and_say_so(cohort, facilitator):
    cohort.time_zone = "Europe/Paris"
    cohort.save()
    started = datetime.datetime(2026, 7, 13, 9, 0, tzinfo=PARIS)
    session = factories.CohortSessionFactory(
        cohort=cohort,
        starts_at=started,
        status="ended",
        started_at=started,
        ended_at=started + datetime.timedelta(hours=1),
    )
    factories.AttendanceFactory(
        session=session,
        membership=cohort.memberships.get(user=facilitator),
        first_joined_at=started + datetime.timedelta(minutes=2),
    )
    # Whoever downloads it, wherever they are, reads the same file.
    with timezone.override("America/New_York"):
        summary = board_services.session_summary(access=access_session(facilitator, session.pk))
        markdown = summary_markdown(summary)
        table = summary_csv(summary)
    assert "2026-07-13 09:00 (Europe/Paris)" in markdown
    rows = list(csv.DictReader(io.StringIO(table)))
    attendance = next(row for row in rows if row["record"] == "attendance")
    assert attendance["time (Europe/Paris)"] == "2026-07-13 09:02"
