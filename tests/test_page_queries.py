"""The busiest pages cost a fixed number of queries, whatever the data size.

Each page is requested at one data size and again at ten times that size
(sessions, reflections, participants, goals, check-ins); the query counts
must be equal, so no page grows a query per row.
"""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board import services
from board.models import Commitment, Reflection
from board.rules import access_session
from goals import events as cohort_events
from goals import periods, rules
from goals.models import CheckIn, CheckInReply, Goal, ProgressUpdate
from tests import factories
from tests.board_helpers import live_session, post, scheduled_session
from tests.goals_support import checkin, pair_up, personal_goal

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


def grow_board(session, facilitator, people, *, reflections: int):
    """Bring the board to `reflections` reflections (every fifth one hidden),
    each with reactions from two people, and give each of `people` a
    commitment and a place in the presence list."""
    posted = Reflection.objects.filter(session=session).count()
    for n in range(posted, reflections):
        reflection = post(session, people[n % len(people)], f"Reflection {n}", phase_position=2)
        for reactor in (people[(n + 1) % len(people)], facilitator):
            services.add_reaction(
                access=access_session(reactor, session.pk),
                reflection_id=reflection.pk,
                emoji="heart",
            )
        if n % 5 == 4:
            services.hide_reflection(
                access=access_session(facilitator, session.pk),
                reflection_id=reflection.pk,
                hidden=True,
            )
    for user in people:
        access = access_session(user, session.pk)
        if not Commitment.objects.filter(author=access.membership).exists():
            services.add_commitment(access=access, text="I will", client_id=uuid.uuid4())
            services.join_board(access=access, channel_name=f"test.{user.pk}")


@pytest.mark.parametrize("read", ["snapshot", "summary"])
def test_board_reads_do_not_grow_with_the_board(read, cohort, facilitator, participant):
    """The board snapshot (sent on every connect) and the session summary, at
    2 participants and 3 reflections, then 12 and 30."""
    cohort.capacity = 100
    cohort.save()
    session = live_session(cohort, facilitator, phase_position=4)  # commitments
    people = [participant]
    counts = {facilitator.email: [], participant.email: []}
    for size, reflections in ((2, 3), (12, 30)):
        while len(people) < size:
            user = factories.UserFactory(email=f"board{len(people)}@acme.test")
            factories.MembershipFactory(cohort=cohort, user=user)
            people.append(user)
        grow_board(session, facilitator, people, reflections=reflections)
        for viewer in (facilitator, participant):
            access = access_session(viewer, session.pk)
            with CaptureQueriesContext(connection) as queries:
                if read == "snapshot":
                    shown = len(services.board_snapshot(access)["reflections"])
                else:
                    summary = services.session_summary(access=access)
                    shown = sum(len(phase["reflections"]) for phase in summary["phases"])
            assert shown >= reflections * 4 // 5  # the data did grow
            counts[viewer.email].append(len(queries))
    for email, (small, large) in counts.items():
        assert small == large, f"board {read} as {email}: {small} queries, then {large}"


def grow_cohort_stream(cohort, facilitator, participant, period, start: int, count: int):
    """Add `count` participants, each with a goal shared with the cohort and a
    figure on it, a check-in shared with the cohort with a reply, and pair
    everyone up in a new round."""
    for n in range(start, start + count):
        user = factories.UserFactory(email=f"stream{n}@acme.test")
        factories.MembershipFactory(cohort=cohort, user=user)
        goal = personal_goal(cohort, user, title=f"Goal {n}", visibility=Goal.Visibility.COHORT)
        ProgressUpdate.objects.create(goal=goal, author=user, value=n, on=period)
    people = [
        participant,
        *(m.user for m in cohort.memberships.filter(user__email__startswith="stream")),
    ]
    round = pair_up(cohort, *[people[i : i + 2] for i in range(0, len(people) - 1, 2)])
    for user in people:
        if not CheckIn.objects.filter(author__user=user, period_start=period).exists():
            entry = checkin(cohort, user, period_start=period, shared=True, round=round)
            CheckInReply.objects.create(checkin=entry, author=facilitator, body="Well done")


def test_cohort_snapshot_does_not_grow_with_the_cohort(cohort, facilitator, participant, leader):
    """The cohort stream's snapshot (sent on every connect), for a facilitator,
    a participant and a leader, at 2 participants and then 20."""
    cohort.capacity = 100
    cohort.save()
    period = periods.current_period(periods.rhythm_for(cohort)).start
    personal_goal(cohort, participant, visibility=Goal.Visibility.LEADER)
    viewers = (facilitator, participant, leader)
    counts = {viewer.email: [] for viewer in viewers}
    for start, count in ((0, 1), (1, 19)):  # with `participant`: 2, then 20
        grow_cohort_stream(cohort, facilitator, participant, period, start, count)
        for viewer in viewers:
            access = rules.access_goals(viewer, cohort.pk)
            with CaptureQueriesContext(connection) as queries:
                snapshot = cohort_events.cohort_snapshot(access)
            if viewer != leader:
                assert len(snapshot["checkins"]) == start + count + 1  # the data did grow
            counts[viewer.email].append(len(queries))
    for email, (small, large) in counts.items():
        assert small == large, f"cohort snapshot as {email}: {small} queries, then {large}"
