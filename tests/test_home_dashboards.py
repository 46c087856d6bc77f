"""The home page's dashboards: the HR admin's figures per organization, the
leader's page of the people they lead, and a participant's own rhythm, with
their CSV exports.

Figures are checked exactly on hand-made data at a fixed moment; the pages
are checked for who reads what (aggregates only for HR, no private word
anywhere it does not belong) and for a query count that does not grow.
"""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board.models import CohortSession
from cohorts.models import Cohort, Membership
from goals.models import Goal
from insight import organization_dashboard, people
from insight.organization_dashboard import organization_dashboards
from tests import factories
from tests.goals_support import checkin, personal_goal, shared_goal

pytestmark = pytest.mark.django_db

# A Wednesday. The cohort below starts on a Monday, with weekly periods from
# Mondays (the default rhythm): by then six periods have closed (2 Feb to
# 9 Mar) and the period of 16 Mar is open.
NOW = datetime.datetime(2026, 3, 18, 12, 0, tzinfo=datetime.UTC)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=datetime.UTC)


def join(cohort, email, name, *, joined: str, leader=None):
    user = factories.UserFactory(email=email, display_name=name)
    factories.MembershipFactory(cohort=cohort, user=user, leader=leader, joined_at=at(joined))
    return user


def attend(session, user):
    factories.AttendanceFactory(
        session=session, membership=Membership.objects.get(user=user, cohort=session.cohort)
    )


@pytest.fixture
def programme(acme, hr_admin, leader, settings):
    """Acme's cohort "Spring Leaders" as of NOW, with three participants (the
    third joined on 1 March), two ended sessions, and check-ins and goals."""
    settings.TIME_ZONE = "UTC"
    cohort = factories.CohortFactory(
        organization=acme,
        name="Spring Leaders",
        starts_on=datetime.date(2026, 2, 2),
        ends_on=datetime.date(2026, 6, 28),
        time_zone="UTC",
    )
    coach = factories.UserFactory(email="spring-coach@acme.test", display_name="Sky Coach")
    factories.MembershipFactory(cohort=cohort, user=coach, role=Membership.Role.FACILITATOR)
    ada = join(cohort, "ada@acme.test", "Ada Early", joined="2026-01-20", leader=leader)
    bo = join(cohort, "bo@acme.test", "Bo Middle", joined="2026-01-20")
    cy = join(cohort, "cy@acme.test", "Cy Late", joined="2026-03-01")
    february = factories.CohortSessionFactory(
        cohort=cohort, ended=True, starts_at=at("2026-02-10"), title="February"
    )
    march = factories.CohortSessionFactory(
        cohort=cohort, ended=True, starts_at=at("2026-03-10"), title="March"
    )
    factories.CohortSessionFactory(cohort=cohort, starts_at=at("2026-04-14"))
    factories.CohortSessionFactory(
        cohort=cohort, starts_at=at("2026-05-12"), status=CohortSession.Status.CANCELLED
    )
    for session in (february, march):
        attend(session, ada)
        attend(session, coach)  # facilitators are not counted
    attend(february, bo)
    attend(march, cy)
    mondays = [datetime.date(2026, 2, 2) + datetime.timedelta(weeks=n) for n in range(7)]
    for monday in mondays:  # six closed periods and the open one
        checkin(cohort, ada, period_start=monday)
    for monday in (mondays[0], mondays[1], mondays[5]):
        checkin(cohort, bo, period_start=monday)
    checkin(cohort, cy, period_start=mondays[5])
    personal_goal(cohort, ada, title="Ada on track", status=Goal.Status.ON_TRACK)
    personal_goal(cohort, ada, title="Ada at risk", status=Goal.Status.AT_RISK)
    personal_goal(cohort, bo, title="Bo achieved", status=Goal.Status.ACHIEVED)
    personal_goal(cohort, cy, title="Cy draft", status=Goal.Status.DRAFT)
    shared_goal(cohort)  # the cohort's, not a participant's: not counted
    factories.InvitationFactory(cohort=cohort, invited_by=hr_admin)
    factories.InvitationFactory(cohort=cohort, invited_by=hr_admin, revoked=True)
    factories.InvitationFactory(cohort=cohort, invited_by=hr_admin, expired=True)
    return cohort


def acme_row(acme, now=NOW):
    [dashboard] = organization_dashboards([acme], now=now)
    [row] = [row for row in dashboard.rows if row.cohort.name == "Spring Leaders"]
    return row


def page(client, user, name, *args) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def download(client, user, name, *args) -> list[list[str]]:
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# The figures -------------------------------------------------------------------------


def test_hr_dashboard_figures_are_exact(acme, programme):
    row = acme_row(acme)
    assert row.participants == 3
    assert row.pending_invitations == 1  # the revoked and the expired ones are not
    # Ada 2 of 2, Bo 1 of 2, Cy 1 of 1 (March only: she joined on 1 March).
    assert (row.attendance.done, row.attendance.expected, row.attendance.percent) == (4, 5, 80)
    # Ada 6 of 6, Bo 3 of 6, Cy 1 of 3 (the periods ending on or after 1 March).
    assert (row.checkins.done, row.checkins.expected, row.checkins.percent) == (10, 15, 67)
    counts = {goal.status: goal.count for goal in row.goals}
    assert counts == {
        "draft": 1,
        "agreed": 0,
        "on_track": 1,
        "at_risk": 1,
        "achieved": 1,
        "dropped": 0,
    }
    assert (row.programme.sessions_held, row.programme.sessions_planned) == (2, 3)
    # 2 Feb to 28 Jun is 21 weeks; 18 Mar is six whole weeks in.
    assert (row.programme.weeks_elapsed, row.programme.weeks_total) == (6, 21)


def test_the_open_period_and_the_next_session_do_not_count_yet(acme, programme):
    """A day later nothing changes; once the open period closes, it counts."""
    assert acme_row(acme, NOW + datetime.timedelta(days=1)).checkins.expected == 15
    closed = acme_row(acme, datetime.datetime(2026, 3, 23, 9, tzinfo=datetime.UTC)).checkins
    assert (closed.done, closed.expected) == (11, 18)


def test_participant_rhythm_is_exact(programme):
    bo = Membership.objects.get(user__email="bo@acme.test").user
    rhythm = people.my_rhythm(bo, now=NOW)
    [row] = rhythm.cohorts
    assert (row.attendance.done, row.attendance.expected) == (1, 2)
    # Checked in on 2 Feb, 9 Feb and 9 Mar: the latest closed period only.
    assert (row.streak, row.closed_periods) == (1, 6)
    assert row.open_period.start == datetime.date(2026, 3, 16)
    assert row.open_period_done is False
    assert [p.goal.title for p in rhythm.goals] == ["Bo achieved"]

    ada = Membership.objects.get(user__email="ada@acme.test").user
    [row] = people.my_rhythm(ada, now=NOW).cohorts
    assert (row.streak, row.open_period_done) == (6, True)


def test_participant_rhythm_streak_is_zero_after_a_missed_period(programme):
    cy = Membership.objects.get(user__email="cy@acme.test").user
    later = datetime.datetime(2026, 3, 24, 9, tzinfo=datetime.UTC)
    [row] = people.my_rhythm(cy, now=later).cohorts
    # Joined on 1 March: periods of 23 Feb, 2, 9 and 16 March; only 9 March written.
    assert (row.streak, row.closed_periods) == (0, 4)


def test_leader_sees_attendance_and_the_goals_shared_with_them(programme, leader, client):
    ada = Membership.objects.get(user__email="ada@acme.test")
    shared = personal_goal(
        programme, ada.user, title="Ada shared with leader", visibility=Goal.Visibility.LEADER
    )
    factories.ProgressUpdateFactory(goal=shared, value=20, on=datetime.date(2026, 2, 20))
    factories.ProgressUpdateFactory(goal=shared, value=45, on=datetime.date(2026, 3, 12))
    factories.ProgressUpdateFactory(goal=shared, value=None, on=datetime.date(2026, 3, 13))
    [person] = people.people_led(leader)
    assert person.membership == ada
    assert (person.attendance.done, person.attendance.expected) == (2, 2)
    [progress] = person.goals
    assert progress.goal == shared
    assert [u.value for u in progress.figures] == [20, 45]
    assert progress.latest.value == 45 and progress.chart is not None

    text = page(client, leader, "insight:people")
    assert "Ada shared with leader" in text and "45%" in text
    for private in ("Ada on track", "Ada at risk", "Shipped the plan", "Bo Middle"):
        assert private not in text


# The small-cohort rule ---------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3])
def test_rates_and_goal_counts_show_from_three_participants(client, acme, hr_admin, count):
    cohort = factories.CohortFactory(organization=acme, name="Tiny Team")
    session = factories.CohortSessionFactory(
        cohort=cohort, ended=True, starts_at=timezone.now() - datetime.timedelta(days=3)
    )
    for n in range(count):
        user = factories.UserFactory(email=f"tiny{n}@acme.test")
        factories.MembershipFactory(
            cohort=cohort, user=user, joined_at=timezone.now() - datetime.timedelta(days=30)
        )
        personal_goal(cohort, user, title=f"Tiny goal {n}")
        if n == 0:
            attend(session, user)
    assert settings.INSIGHT_MIN_PARTICIPANTS == 3
    [row] = organization_dashboards([acme])[0].rows
    text = page(client, hr_admin, "cohorts:home")
    rows = download(client, hr_admin, "insight:organization_export", acme.pk)
    header, line = rows[0], rows[1]
    cells = dict(zip(header, line, strict=True))
    if count < 3:
        assert row.attendance is None and row.checkins is None and row.goals is None
        assert "rates and goal counts would point at a person" in text
        assert "Attendance rate by cohort" not in text
        assert cells["attendance (%)"] == "" and cells["goals: On track"] == ""
        assert cells["note"].startswith("Fewer than 3 participants")
    else:
        assert row.attendance.percent == 33
        assert "rates and goal counts would point at a person" not in text
        assert "Attendance rate by cohort" in text
        assert cells["attendance (%)"] == "33" and cells["goals: On track"] == "3"
        assert cells["note"] == ""
    assert cells["participants"] == str(count)


def test_a_figure_over_fewer_than_three_people_is_withheld_even_in_a_large_cohort(
    client, acme, hr_admin
):
    """Three on the roster, but two joined after everything that counts: each
    figure would be the first person's own record, so HR sees none of them."""
    cohort = factories.CohortFactory(organization=acme, name="Late Joiners")
    session = factories.CohortSessionFactory(
        cohort=cohort, ended=True, starts_at=timezone.now() - datetime.timedelta(days=3)
    )
    for n, days in enumerate([30, 1, 1]):
        user = factories.UserFactory(email=f"late{n}@acme.test")
        factories.MembershipFactory(
            cohort=cohort, user=user, joined_at=timezone.now() - datetime.timedelta(days=days)
        )
        if n == 0:
            attend(session, user)
            personal_goal(cohort, user, title="The early one's goal")
    [row] = organization_dashboards([acme])[0].rows
    text = page(client, hr_admin, "cohorts:home")
    rows = download(client, hr_admin, "insight:organization_export", acme.pk)
    cells = dict(zip(rows[0], rows[1], strict=True))

    assert row.shows_rates and row.participants == 3
    assert row.attendance is None and row.checkins is None and row.goals is None
    assert text.count("Not shown: it would count fewer than 3 people.") == 3
    assert "Attendance rate by cohort" not in text
    assert cells["attendance (%)"] == "" and cells["sessions attended"] == ""
    assert cells["check-in completion (%)"] == "" and cells["goals: Agreed"] == ""
    assert cells["note"].startswith("Blank figures would count fewer than 3")


# Aggregates only ------------------------------------------------------------------------

MARKERS = {
    "reflection": "MARKER-REFLECTION-7f3",
    "commitment": "MARKER-COMMITMENT-7f3",
    "win": "MARKER-WIN-7f3",
    "challenge": "MARKER-CHALLENGE-7f3",
    "ask": "MARKER-ASK-7f3",
    "goal": "MARKER-GOAL-7f3",
    "why": "MARKER-WHY-7f3",
    "progress": "MARKER-PROGRESS-7f3",
    "reply": "MARKER-REPLY-7f3",
    "goal note": "MARKER-GOALNOTE-7f3",
}


def test_no_word_anyone_wrote_nor_any_name_reaches_the_hr_page_or_export(
    client, acme, programme, hr_admin
):
    ada = Membership.objects.get(user__email="ada@acme.test")
    session = factories.CohortSessionFactory(cohort=programme, live=True)
    factories.ReflectionFactory(session=session, author=ada, text=MARKERS["reflection"])
    factories.CommitmentFactory(session=session, author=ada, text=MARKERS["commitment"])
    entry = checkin(
        programme,
        ada.user,
        period_start=datetime.date(2026, 3, 23),
        win=MARKERS["win"],
        challenge=MARKERS["challenge"],
        ask=MARKERS["ask"],
        shared=True,
    )
    factories.CheckInReplyFactory(checkin=entry, body=MARKERS["reply"])
    goal = personal_goal(
        programme,
        ada.user,
        title=MARKERS["goal"],
        why=MARKERS["why"],
        visibility=Goal.Visibility.COHORT,
    )
    factories.ProgressUpdateFactory(goal=goal, note=MARKERS["progress"])
    factories.GoalNoteFactory(goal=goal, body=MARKERS["goal note"])

    text = page(client, hr_admin, "cohorts:home")
    export = "\n".join(
        ",".join(row) for row in download(client, hr_admin, "insight:organization_export", acme.pk)
    )
    assert "Spring Leaders" in text and "Spring Leaders" in export
    for shown in (text, export):
        for kind, marker in MARKERS.items():
            assert marker not in shown, kind
        for name in ("Ada Early", "Bo Middle", "Cy Late", "Sky Coach", "Lee Leader"):
            assert name not in shown


# Who reads which page -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["insight:people", "insight:people_export", "insight:rhythm", "cohorts:home"]
)
def test_a_signed_out_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 302),
        ("hr_admin", 200),
        ("globex_user", 404),
        ("facilitator", 404),
        ("participant", 404),
        ("leader", 404),
    ],
)
def test_only_the_organizations_hr_admins_export_its_dashboard(
    client, request, acme, programme, participant, facilitator, role, status
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("insight:organization_export", args=[acme.pk]))
    assert response.status_code == status


def test_another_organizations_hr_admin_sees_nothing_of_acme_at_home(
    client, acme, programme, globex_user
):
    text = page(client, globex_user, "cohorts:home")
    assert "Spring Leaders" not in text and "Cohorts at a glance" in text  # Globex's own
    assert reverse("insight:organization_export", args=[acme.pk]) not in text


@pytest.mark.parametrize("role", ["facilitator", "participant", "leader"])
def test_nobody_but_hr_admins_gets_a_dashboard_at_home(client, request, programme, role):
    text = page(client, request.getfixturevalue(role), "cohorts:home")
    assert "<h1>My cohorts</h1>" in text
    assert "Cohorts at a glance" not in text
    assert "places" not in text and "Attendance rate" not in text


def test_hr_home_shows_the_dashboard_and_links_to_the_organization(
    client, acme, programme, hr_admin
):
    text = page(client, hr_admin, "cohorts:home")
    assert "<h1>Overview</h1>" in text and "My cohorts</h1>" not in text
    assert "Cohorts at a glance" in text
    assert reverse("cohorts:organization", args=[acme.pk]) in text
    assert reverse("insight:organization_export", args=[acme.pk]) in text
    assert "3 of 10 places" in text and "1 invitation pending" in text
    assert "Attendance rate by cohort" in text and "Check-in completion by cohort" in text


def test_an_hr_admin_who_also_facilitates_elsewhere_finds_their_cohorts_below(
    client, acme, programme, hr_admin
):
    # Named to sort before Acme: the dashboard still comes first.
    aardvark = factories.OrganizationFactory(name="Aardvark", slug="aardvark")
    elsewhere = factories.CohortFactory(organization=aardvark, name="Aardvark Coaching")
    factories.MembershipFactory(cohort=elsewhere, user=hr_admin, role=Membership.Role.FACILITATOR)
    text = page(client, hr_admin, "cohorts:home")
    assert text.index("Cohorts at a glance") < text.index("Facilitating")
    assert "Aardvark Coaching" in text


def test_an_unconfirmed_leader_reads_nothing_of_the_participant(client, programme, leader):
    ada = Membership.objects.get(user__email="ada@acme.test")
    personal_goal(programme, ada.user, title="Leader-only goal", visibility="leader")
    Membership.objects.filter(pk=ada.pk).update(leader_confirmed_at=None)
    assert people.people_led(leader) == []
    text = page(client, leader, "insight:people")
    assert "Ada Early" not in text and "Leader-only goal" not in text
    rows = download(client, leader, "insight:people_export")
    assert len(rows) == 1  # the header alone
    assert reverse("insight:people") not in page(client, leader, "cohorts:home")


def test_a_leader_export_has_the_page_figures_only(client, programme, leader):
    ada = Membership.objects.get(user__email="ada@acme.test")
    personal_goal(programme, ada.user, title="Shared one", visibility="leader")
    personal_goal(programme, ada.user, title="Private one")
    rows = download(client, leader, "insight:people_export")
    assert [row[0] for row in rows[1:]] == ["Ada Early"]
    assert rows[1][5] == "Shared one"
    assert "Private one" not in str(rows)


def test_the_participants_rhythm_is_their_own(client, programme, participant):
    """A participant of another cohort sees their own rhythm, nothing of Spring's."""
    text = page(client, participant, "insight:rhythm")
    assert "Leading Through Change" in text
    assert "Spring Leaders" not in text and "Ada on track" not in text
    rows = download(client, participant, "insight:rhythm_cohorts_export")
    assert [row[0] for row in rows[1:]] == ["Leading Through Change"]


def test_rhythm_goals_export_lists_my_goals_with_their_latest_figure(client, programme):
    ada = Membership.objects.get(user__email="ada@acme.test").user
    goal = Goal.objects.get(title="Ada on track")
    factories.ProgressUpdateFactory(goal=goal, value=30, on=datetime.date(2026, 3, 1))
    factories.ProgressUpdateFactory(goal=goal, value=60, on=datetime.date(2026, 3, 8))
    rows = download(client, ada, "insight:rhythm_goals_export")
    assert rows[1:] == [
        ["Spring Leaders", "Ada on track", "On track", "60", "2026-03-08"],
        ["Spring Leaders", "Ada at risk", "At risk", "", ""],
    ]


# Archived cohorts -----------------------------------------------------------------------


def test_archived_cohorts_leave_every_home_list(client, acme, programme, hr_admin, leader):
    ada = Membership.objects.get(user__email="ada@acme.test").user
    Cohort.objects.filter(pk=programme.pk).update(status=Cohort.Status.ARCHIVED)
    [dashboard] = organization_dashboards([acme], now=NOW)
    assert [c.name for c in dashboard.archived] == ["Spring Leaders"]
    assert "Spring Leaders" not in [row.cohort.name for row in dashboard.rows]
    hr_home = page(client, hr_admin, "cohorts:home")
    assert "1 archived cohort" in hr_home
    export = download(client, hr_admin, "insight:organization_export", acme.pk)
    assert "Spring Leaders" not in str(export)
    assert "Spring Leaders" not in page(client, ada, "cohorts:home")
    assert "Spring Leaders" not in page(client, ada, "insight:rhythm")
    assert people.people_led(leader) == []
    assert "Spring Leaders" not in page(client, leader, "cohorts:home")


# Fixed query counts ------------------------------------------------------------------------


def grow(acme, hr_admin, leader, start: int, count: int):
    """`count` more cohorts of Acme, each with three participants (the first
    led by `leader`), two ended sessions attended by all, a check-in each, a
    goal each shared with the leader with a figure, and a pending invitation."""
    for n in range(start, start + count):
        cohort = factories.CohortFactory(organization=acme, name=f"Grown {n}")
        members = []
        for k in range(3):
            user = factories.UserFactory(email=f"grown{n}-{k}@acme.test")
            factories.MembershipFactory(
                cohort=cohort,
                user=user,
                leader=leader if k == 0 else None,
                joined_at=timezone.now() - datetime.timedelta(days=90),
            )
            members.append(user)
        for days in (20, 10):
            session = factories.CohortSessionFactory(
                cohort=cohort, ended=True, starts_at=timezone.now() - datetime.timedelta(days=days)
            )
            for user in members:
                attend(session, user)
        for user in members:
            checkin(cohort, user, period_start=cohort.starts_on)
            goal = personal_goal(cohort, user, title=f"Grown goal {n}", visibility="leader")
            factories.ProgressUpdateFactory(goal=goal, value=10 + n)
        factories.InvitationFactory(cohort=cohort, invited_by=hr_admin)


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    "name, viewer",
    [
        ("cohorts:home", "hr_admin"),
        ("insight:organization_export", "hr_admin"),
        ("insight:people", "leader"),
        ("insight:people_export", "leader"),
        ("insight:rhythm", "participant"),
        ("insight:rhythm_cohorts_export", "participant"),
        ("insight:rhythm_goals_export", "participant"),
    ],
)
def test_dashboard_queries_do_not_grow_with_the_data(
    request, acme, cohort, hr_admin, leader, participant, name, viewer
):
    """At 1 grown cohort, then 10: every page and export within 12 queries."""
    user = request.getfixturevalue(viewer)
    # The participant takes part in every grown cohort too.
    url = reverse(name, args=[acme.pk] if "organization" in name else [])
    counts = []
    for start, count in ((0, 1), (1, 9)):
        grow(acme, hr_admin, leader, start, count)
        for n in range(start, start + count):
            grown = Cohort.objects.get(name=f"Grown {n}")
            factories.MembershipFactory(
                cohort=grown,
                user=participant,
                joined_at=timezone.now() - datetime.timedelta(days=90),
            )
            personal_goal(grown, participant, title=f"My goal {n}")
        client = Client()
        client.force_login(user)
        client.get(url)  # warm the login session
        counts.append(query_count(client, url))
    small, large = counts
    assert small == large, f"{name} as {viewer}: {small} queries, then {large}"
    assert large <= 12, f"{name} as {viewer}: {large} queries"


def test_a_grown_dashboard_still_counts_everything(acme, hr_admin, leader):
    """The query-count data really grows the figures (the test above is not empty)."""
    grow(acme, hr_admin, leader, 0, 3)
    [dashboard] = organization_dashboards([acme])
    assert [row.participants for row in dashboard.rows] == [3, 3, 3]
    assert all(row.attendance.percent == 100 for row in dashboard.rows)
    assert len(people.people_led(leader)) == 3
    header, rows = organization_dashboard.dashboard_csv(dashboard)
    assert len(rows) == 3 and len(header) == len(rows[0])
