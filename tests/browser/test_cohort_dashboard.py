"""In real Chromium: the facilitator's dashboard passes axe at a desktop and a
phone width, and every table on it is reached with the keyboard alone."""

import datetime

import pytest
from django.utils import timezone

from board.models import CohortSession
from cohorts.models import Membership
from goals.models import Goal
from tests import factories
from tests.browser.conftest import assert_no_axe_violations

TABLES = ["quiet-heading", "attendance-heading", "checkins-heading", "goals-heading"]


@pytest.fixture
def history(cohort, facilitator):
    """Four participants who joined ten weeks ago, three ended sessions, goals
    with figures over weeks; one of them stopped writing and attending."""
    now = timezone.now()
    people = [
        factories.MembershipFactory(
            cohort=cohort,
            user=factories.UserFactory(display_name=name),
            joined_at=now - datetime.timedelta(weeks=10),
        )
        for name in ("Ana Alves", "Ben Brandt", "Cy Chen", "Dee Dorsey")
    ]
    for weeks in (6, 4, 2):
        session = factories.CohortSessionFactory(
            cohort=cohort,
            title=f"Session {weeks}: a longer title than most",
            starts_at=now - datetime.timedelta(weeks=weeks),
            status=CohortSession.Status.ENDED,
        )
        for member in people[: 3 if weeks == 6 else 2]:
            factories.AttendanceFactory(session=session, membership=member)
    for number, member in enumerate(people):
        goal = factories.GoalFactory(cohort=cohort, owner=member, status=Goal.Status.ON_TRACK)
        for weeks in range(8, 0, -2):
            factories.ProgressUpdateFactory(
                goal=goal,
                on=timezone.localdate() - datetime.timedelta(weeks=weeks),
                value=min(100, 10 * number + 12 * (8 - weeks)),
            )
    assert cohort.memberships.filter(role=Membership.Role.PARTICIPANT).count() == 4
    return people


@pytest.mark.parametrize("width", [1280, 375])
def test_the_dashboard_passes_axe_and_its_tables_are_reached_by_keyboard(
    width, live_server_url, new_page, log_in, cohort, facilitator, history
):
    page = log_in(new_page(), "coach@acme.test")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server_url}/cohorts/{cohort.pk}/dashboard/")
    assert page.get_by_role("heading", name="Dashboard", level=1).is_visible()
    assert page.get_by_role("row", name="Ben Brandt").first.is_visible()

    assert_no_axe_violations(page)

    # Tab from the top: each table's scrolling region takes the focus in turn.
    reached = []
    for _press in range(80):
        page.keyboard.press("Tab")
        labelled_by = page.evaluate(
            "document.activeElement.classList.contains('table-wrap')"
            " ? document.activeElement.getAttribute('aria-labelledby') : null"
        )
        if labelled_by in reached:
            break  # round the page once
        if labelled_by:
            reached.append(labelled_by)
    assert [name for name in reached if name in TABLES] == TABLES

    # The progress chart's figures open from the keyboard and can be scrolled to.
    summary = page.locator("#progress-heading ~ figure summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "table-wrap" in focused
    assert_no_axe_violations(page)
