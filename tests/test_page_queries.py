"""The busiest pages cost a fixed number of queries, whatever the data size.

Each page is requested at one data size and again at ten times that size
(sessions, reflections, participants, goals, check-ins); the query counts
must be equal, so no page grows a query per row.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals import periods
from tests import factories
from tests.board_helpers import live_session, post, scheduled_session
from tests.goals_support import checkin, personal_goal

pytestmark = pytest.mark.django_db


def grow(cohort, facilitator, session, start: int, count: int):
    """Add `count` participants, each with a reflection, a goal and a check-in,
    and `count` more scheduled sessions."""
    period = periods.current_period(periods.rhythm_for(cohort)).start
    for n in range(start, start + count):
        user = factories.UserFactory(email=f"grow{n}@acme.test")
        factories.MembershipFactory(cohort=cohort, user=user)
        post(session, user, f"Reflection number {n}")
        personal_goal(cohort, user, title=f"Goal {n}")
        checkin(cohort, user, period_start=period, shared=True)
        scheduled_session(cohort, facilitator, title=f"Session {n}")


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["home", "cohort", "board"])
def test_page_queries_do_not_grow_with_the_data(page, cohort, facilitator, participant):
    cohort.capacity = 100
    cohort.save()
    session = live_session(cohort, facilitator)
    url = {
        "home": reverse("cohorts:home"),
        "cohort": reverse("cohorts:detail", args=[cohort.pk]),
        "board": reverse("board:board", args=[session.pk]),
    }[page]
    counts = {viewer.email: [] for viewer in (facilitator, participant)}
    for start, count in ((0, 2), (2, 18)):  # 2 of everything, then 20
        grow(cohort, facilitator, session, start, count)
        for viewer in (facilitator, participant):
            client = Client()
            client.force_login(viewer)
            client.get(url)  # warm the login session and per-process caches
            counts[viewer.email].append(query_count(client, url))
    for email, (small, large) in counts.items():
        assert small == large, f"{page} as {email}: {small} queries, then {large}"
