"""In real Chromium: the HR admin's home dashboard, the leader's page and a
participant's rhythm pass axe at a desktop and a phone width, charts
included."""

import datetime

import pytest
from django.utils import timezone

from goals.models import Goal
from tests import factories
from tests.browser.conftest import assert_no_axe_violations
from tests.goals_support import checkin


@pytest.fixture
def season(acme, cohort, facilitator, participant, other_participant, hr_admin):
    """Four participants who joined ten weeks ago (the first is `participant`,
    led by the `leader` fixture), two ended sessions, check-ins, goals with
    figures, a small second cohort and an archived one."""
    now = timezone.now()
    members = list(cohort.memberships.filter(role="participant"))
    for name in ("Ana Alves", "Ben Brandt"):
        members.append(
            factories.MembershipFactory(
                cohort=cohort, user=factories.UserFactory(display_name=name)
            )
        )
    cohort.memberships.update(joined_at=now - datetime.timedelta(weeks=10))
    for weeks in (4, 2):
        session = factories.CohortSessionFactory(
            cohort=cohort, ended=True, starts_at=now - datetime.timedelta(weeks=weeks)
        )
        for member in members[:3]:
            factories.AttendanceFactory(session=session, membership=member)
    for member in members:
        checkin(cohort, member.user, period_start=cohort.starts_on)
        goal = factories.GoalFactory(
            cohort=cohort,
            owner=member,
            status=Goal.Status.ON_TRACK,
            visibility=Goal.Visibility.LEADER,
            title=f"Goal of {member.user}",
        )
        for weeks in (6, 3, 1):
            factories.ProgressUpdateFactory(
                goal=goal,
                on=timezone.localdate() - datetime.timedelta(weeks=weeks),
                value=80 - 20 * weeks // 2,
            )
    small = factories.CohortFactory(organization=acme, name="Two of Us")
    factories.MembershipFactory(cohort=small)
    factories.CohortFactory(organization=acme, name="Old Times", status="archived")
    return members


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize(
    "email, path, heading",
    [
        ("hr@acme.test", "/", "Overview"),
        ("lead1@acme.test", "/me/people/", "People I lead"),
        ("p1@acme.test", "/me/rhythm/", "My rhythm"),
    ],
)
def test_each_dashboard_passes_axe(
    width, email, path, heading, live_server_url, new_page, log_in, leader, season
):
    page = log_in(new_page(), email)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server_url}{path}")
    assert page.get_by_role("heading", name=heading, level=1).is_visible()
    assert page.locator("svg.chart-canvas").count() >= 1
    if path == "/":
        assert page.get_by_text("rates and goal counts would point at a person").is_visible()
        page.get_by_text("1 archived cohort").click()  # open the list: axe reads it too
        assert page.get_by_role("link", name="Old Times").is_visible()
    assert_no_axe_violations(page)
