"""The facilitator's dashboard of a cohort: exact figures on a small hand-made
cohort, who may open it and its downloads, the CSV files, and a query count
that does not grow with the cohort."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board.models import CohortSession
from cohorts.models import Cohort, Membership
from goals.models import CohortRhythm, Goal
from insight.cohort_dashboard import cohort_dashboard
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# A Wednesday at noon; the cohort's weekly periods start on Mondays.
NOW = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
P0, P1, P2, P3, OPEN = (
    datetime.date(2026, 10, 19) + datetime.timedelta(weeks=n) for n in range(5)
)
TABLES = ["attendance", "checkins", "goals", "progress"]


def at(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def person(cohort, name, joined_at, role=Membership.Role.PARTICIPANT):
    user = factories.UserFactory(display_name=name)
    return factories.MembershipFactory(cohort=cohort, user=user, role=role, joined_at=joined_at)


def ended(cohort, starts_at, title="Session"):
    return factories.CohortSessionFactory(
        cohort=cohort, title=title, starts_at=starts_at, status=CohortSession.Status.ENDED
    )


def goal(cohort, owner, status, kind=Goal.Kind.PERSONAL):
    return factories.GoalFactory(
        cohort=cohort,
        kind=kind,
        owner=owner if kind == Goal.Kind.PERSONAL else None,
        status=status,
    )


def figure(goal, on, value):
    return factories.ProgressUpdateFactory(goal=goal, on=on, value=value)


@pytest.fixture
def small(acme):
    """Ana writes and attends everything; Ben stopped after two periods and
    one session; Cy joined on 4 Nov, an hour before the second session."""
    cohort = factories.CohortFactory(
        organization=acme,
        starts_on=P0,
        ends_on=datetime.date(2027, 3, 1),
        time_zone="UTC",
    )
    CohortRhythm.objects.create(
        cohort=cohort, cadence=CohortRhythm.Cadence.WEEKLY, weekday=CohortRhythm.Weekday.MONDAY
    )
    coach = person(cohort, "Casey Coach", at(9, 1), role=Membership.Role.FACILITATOR)
    ana = person(cohort, "Ana Alves", at(10, 1))
    ben = person(cohort, "Ben Brandt", at(10, 1))
    cy = person(cohort, "Cy Chen", at(11, 4, 9))
    for author, starts in ((ana, (P0, P1, P2, P3, OPEN)), (ben, (P0, P1)), (cy, (P3,))):
        for start in starts:
            factories.CheckInFactory(author=author, period_start=start, partner_round=None)

    s1, s2, s3 = ended(cohort, at(10, 28)), ended(cohort, at(11, 4)), ended(cohort, at(11, 11))
    factories.CohortSessionFactory(cohort=cohort, starts_at=at(11, 25))  # planned
    factories.CohortSessionFactory(
        cohort=cohort, starts_at=at(11, 2), status=CohortSession.Status.CANCELLED
    )
    for session, people in ((s1, (ana, ben, coach)), (s2, (ana, cy)), (s3, (ana, cy))):
        for membership in people:
            factories.AttendanceFactory(session=session, membership=membership)

    goal(cohort, None, Goal.Status.ON_TRACK, kind=Goal.Kind.SHARED)
    goal(cohort, None, Goal.Status.DRAFT, kind=Goal.Kind.SHARED)
    first, second = goal(cohort, ana, Goal.Status.ON_TRACK), goal(cohort, ana, Goal.Status.AGREED)
    bens = goal(cohort, ben, Goal.Status.AT_RISK)
    dropped = goal(cohort, cy, Goal.Status.DROPPED)
    figure(first, datetime.date(2026, 11, 2), 20)
    figure(first, datetime.date(2026, 11, 9), 40)
    figure(second, datetime.date(2026, 11, 9), 60)
    figure(bens, datetime.date(2026, 11, 5), 30)
    figure(bens, datetime.date(2026, 11, 6), None)  # a note without a figure
    figure(dropped, datetime.date(2026, 11, 6), 90)
    return cohort


def percents(rates):
    return [rate.percent for rate in rates]


def test_attendance_by_person_and_session(small):
    table = cohort_dashboard(small, now=NOW).attendance

    assert [c.session.starts_at for c in table.sessions] == [at(10, 28), at(11, 4), at(11, 11)]
    marks = {str(row.membership.user): row.marks for row in table.rows}
    # Cy joined an hour before the second session: expected there, not at the first.
    assert marks == {
        "Ana Alves": (True, True, True),
        "Ben Brandt": (True, False, False),
        "Cy Chen": (None, True, True),
    }
    assert [(c.rate.done, c.rate.expected) for c in table.sessions] == [(2, 2), (2, 3), (2, 3)]
    assert percents(c.rate for c in table.sessions) == [100, 67, 67]
    assert percents(row.rate for row in table.rows) == [100, 33, 100]
    assert (table.rate.done, table.rate.expected, table.rate.percent) == (6, 8, 75)


def test_checkin_completion_per_period_counts_late_joiners_from_their_first_period(small):
    checkins = cohort_dashboard(small, now=NOW).checkins

    assert [c.period.start for c in checkins] == [P0, P1, P2, P3, OPEN]
    assert [c.is_open for c in checkins] == [False, False, False, False, True]
    assert [(c.rate.done, c.rate.expected) for c in checkins] == [
        (2, 2),
        (2, 2),
        (1, 3),
        (2, 3),
        (1, 3),
    ]
    assert percents(c.rate for c in checkins) == [100, 100, 33, 67, 33]


def test_goals_by_status_shared_and_personal_apart(small):
    goals = {c.status: (c.shared, c.personal) for c in cohort_dashboard(small, now=NOW).goals}

    assert goals == {
        "draft": (1, 0),
        "agreed": (0, 1),
        "on_track": (1, 1),
        "at_risk": (0, 1),
        "achieved": (0, 0),
        "dropped": (0, 1),
    }


def test_progress_lines_are_the_mean_of_each_persons_goals_and_the_median(small):
    lines = cohort_dashboard(small, now=NOW).progress

    points = {line.label: [(p.on.day, p.value) for p in line.points] for line in lines}
    # Ana: 20 on one goal, then 40 and 60 on her two; Cy's goal is dropped.
    assert points == {
        "Ana Alves": [(2, 20), (9, 50)],
        "Ben Brandt": [(5, 30)],
        "Cohort median": [(2, 20), (5, 25), (9, 40)],
    }
    assert [line.summary for line in lines] == [False, False, True]


def test_who_has_gone_quiet_and_why(small):
    quiet = cohort_dashboard(small, now=NOW).quiet

    assert [str(row.membership.user) for row in quiet] == ["Ben Brandt"]
    assert quiet[0].reasons == (
        "No check-in since 2 Nov (2 periods missed).",
        "Absent from the last 2 sessions (since 4 Nov).",
    )
    assert quiet[0].last_checkin_period == P1


# The page and its downloads ---------------------------------------------------


def get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def urls(cohort):
    return [reverse("insight:cohort_dashboard", args=[cohort.pk])] + [
        reverse("insight:cohort_dashboard_export", args=[cohort.pk, table]) for table in TABLES
    ]


@pytest.fixture
def co_facilitator(cohort):
    """A second coach of the cohort."""
    user = factories.UserFactory(email="coach2@acme.test", display_name="Cass Second")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.FACILITATOR)
    return user


@pytest.mark.parametrize("who", ["facilitator", "co_facilitator"])
def test_the_cohorts_facilitators_open_the_page_and_every_download(
    who, request, cohort, participant
):
    user = request.getfixturevalue(who)
    for url in urls(cohort):
        response = get(user, url)
        assert response.status_code == 200, url
    page = get(user, urls(cohort)[0]).content.decode()
    assert "1 participant." in page


@pytest.mark.parametrize("who", ["participant", "leader", "hr_admin", "outsider", "globex_user"])
def test_everyone_else_gets_the_one_404(who, request, cohort, facilitator, participant):
    user = request.getfixturevalue(who)
    for url in urls(cohort):
        response = get(user, url)
        assert response.status_code == 404, (who, url)


def test_anonymous_visitors_are_sent_to_log_in(cohort, facilitator):
    for url in urls(cohort):
        response = get(None, url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_missing_cohort_and_an_unknown_table_are_404(cohort, facilitator):
    assert get(facilitator, reverse("insight:cohort_dashboard", args=[999_999])).status_code == 404
    url = reverse("insight:cohort_dashboard_export", args=[cohort.pk, "reflections"])
    assert get(facilitator, url).status_code == 404


def test_the_cohort_page_links_the_dashboard_for_facilitators_only(
    cohort, facilitator, participant, hr_admin
):
    link = reverse("insight:cohort_dashboard", args=[cohort.pk])
    detail = reverse("cohorts:detail", args=[cohort.pk])
    assert link in get(facilitator, detail).content.decode()
    for user in (participant, hr_admin):
        assert link not in get(user, detail).content.decode()


@pytest.mark.parametrize("status", [Cohort.Status.COMPLETED, Cohort.Status.ARCHIVED])
def test_a_finished_cohorts_dashboard_stays_readable(status, cohort, facilitator, participant):
    Cohort.objects.filter(pk=cohort.pk).update(status=status)
    for url in urls(cohort):
        assert get(facilitator, url).status_code == 200, url


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def export(user, cohort, table):
    return read_csv(get(user, reverse("insight:cohort_dashboard_export", args=[cohort.pk, table])))


@pytest.fixture
def recent(cohort, facilitator):
    """Two participants, two ended sessions in the last weeks and goals with
    figures, whatever day the test runs; names and titles a spreadsheet would
    read as formulas."""
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=50)
    eve = person(cohort, '=HYPERLINK("http://x")', long_ago)
    max_ = person(cohort, "Max Mustermann", long_ago)
    first = ended(cohort, now - datetime.timedelta(days=14), title="+SUM(1,2)")
    second = ended(cohort, now - datetime.timedelta(days=7), title="Session 2")
    factories.AttendanceFactory(session=first, membership=eve)
    factories.AttendanceFactory(session=second, membership=eve)
    factories.AttendanceFactory(session=second, membership=max_)
    goal(cohort, None, Goal.Status.ON_TRACK, kind=Goal.Kind.SHARED)
    figure(goal(cohort, eve, Goal.Status.ON_TRACK), datetime.date(2026, 11, 2), 40)
    figure(goal(cohort, max_, Goal.Status.ACHIEVED), datetime.date(2026, 11, 3), 100)
    return first, second


def test_attendance_csv_lists_each_person_and_session_with_totals(cohort, facilitator, recent):
    first, second = recent
    rows = export(facilitator, cohort, "attendance")

    day = lambda session: session.starts_at.astimezone(cohort.zone).strftime("%Y-%m-%d")  # noqa: E731
    assert rows == [
        [
            "participant",
            f"'+SUM(1,2) ({day(first)})",
            f"Session 2 ({day(second)})",
            "attended",
            "expected",
            "attendance (%)",
        ],
        ['\'=HYPERLINK("http://x")', "attended", "attended", "2", "2", "100"],
        ["Max Mustermann", "absent", "attended", "1", "2", "50"],
        ["all participants", "1/2", "2/2", "3", "4", "75"],
    ]


def test_goals_and_progress_csv(cohort, facilitator, recent):
    goals = export(facilitator, cohort, "goals")
    progress = export(facilitator, cohort, "progress")

    assert goals[0] == ["status", "shared goals", "personal goals"]
    assert ["On track", "1", "1"] in goals and ["Achieved", "0", "1"] in goals
    assert progress == [
        ["participant", "date", "progress (%)"],
        ['\'=HYPERLINK("http://x")', "2026-11-02", "40"],
        ["Max Mustermann", "2026-11-03", "100"],
        ["Cohort median", "2026-11-02", "40"],
        ["Cohort median", "2026-11-03", "70"],
    ]


def test_checkins_csv_marks_the_open_period(cohort, facilitator, participant):
    rows = export(facilitator, cohort, "checkins")

    assert rows[0] == [
        "period start",
        "period end",
        "open",
        "check-ins written",
        "check-ins expected",
        "completion (%)",
    ]
    assert [row[2] for row in rows[1:]] == ["no"] * (len(rows) - 2) + ["yes"]


def test_the_page_shows_the_figures_and_the_quiet(cohort, facilitator, recent):
    page = get(facilitator, urls(cohort)[0]).content.decode()

    assert "Max Mustermann" in page
    assert "3 of 4" in page  # attended of expected, all sessions
    assert "Who has gone quiet" in page
    # Max, absent once, is not quiet; both wrote no check-in for weeks.
    assert "periods missed" in page


# Query counts -------------------------------------------------------------------


def grow(cohort, start: int, count: int):
    """Add `count` participants, each with a check-in in every period so far,
    a goal with two figures, and `count` ended sessions everyone attended."""
    now = timezone.now()
    rhythm = CohortRhythm.objects.get_or_create(cohort=cohort)[0]
    people = []
    for n in range(start, start + count):
        member = person(cohort, f"Grown {n}", now - datetime.timedelta(days=70))
        people.append(member)
        for weeks in range(0, 8):
            day = timezone.localdate() - datetime.timedelta(weeks=weeks)
            period_start = day - datetime.timedelta(days=(day.weekday() - rhythm.weekday) % 7)
            if period_start >= cohort.starts_on:
                factories.CheckInFactory(author=member, period_start=period_start)
        target = goal(cohort, member, Goal.Status.ON_TRACK)
        figure(target, timezone.localdate() - datetime.timedelta(days=n + 3), 10)
        figure(target, timezone.localdate() - datetime.timedelta(days=n + 1), 30)
    for n in range(start, start + count):
        session = ended(cohort, now - datetime.timedelta(days=n + 1), title=f"Session {n}")
        for member in cohort.memberships.filter(role=Membership.Role.PARTICIPANT):
            factories.AttendanceFactory(session=session, membership=member)


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


def test_page_and_downloads_take_the_same_queries_at_two_sizes(cohort, facilitator):
    cohort.capacity = 100
    cohort.save()
    client = Client()
    client.force_login(facilitator)
    counts = {url: [] for url in urls(cohort)}
    for start, count in ((0, 2), (2, 18)):  # 2 of everything, then 20
        grow(cohort, start, count)
        for url in counts:
            client.get(url)  # warm the login session
            counts[url].append(query_count(client, url))
    for url, (small, large) in counts.items():
        assert small == large, f"{url}: {small} queries, then {large}"
    # Sign-in (2) and the cohort access (4) come on top of the dashboard's own.
    assert counts[urls(cohort)[0]][0] == 6 + 12


def test_the_dashboards_figures_take_twelve_queries(small, django_assert_num_queries):
    with django_assert_num_queries(12):
        cohort_dashboard(small, now=NOW)
