"""A check-in's "progress on goals" shows each reader only the goals they may see.

Who reads a check-in (partners, the cohort) is not who reads each goal it
reports on: a private goal stays between its author and the facilitators, a
goal shared with the leader reaches other participants only when the cohort's
setting says so. Figures and milestone titles follow their goal.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from goals import events, periods, services
from goals.models import Goal, Milestone
from tests.goals_support import (
    access,
    add_participant,
    pair_up,
    personal_goal,
    set_rhythm,
    shared_goal,
)

pytestmark = pytest.mark.django_db

# Goal title, milestone title and figure, by the goal's kind of reader.
GOALS = {
    "private": ("Private goal: handle my burnout", "Private step: see a doctor", 11),
    "cohort": ("Cohort goal: run better one-on-ones", "Cohort step: book the slots", 22),
    "leader": ("Leader goal: ask for the promotion", "Leader step: draft the case", 33),
    "team": ("Team goal: psychological safety", "Team step: agree the norms", 44),
}


@pytest.fixture
def reported(cohort, participant, other_participant):
    """Pat's check-in, shared with the cohort, reporting a figure and a
    milestone on each kind of goal; Robin is Pat's partner, Quinn is not."""
    quinn = add_participant(cohort, "p3@acme.test", "Quinn Three")
    pair_up(cohort, [participant, other_participant])
    visibility = {
        "private": Goal.Visibility.PRIVATE,
        "cohort": Goal.Visibility.COHORT,
        "leader": Goal.Visibility.LEADER,
    }
    goals = {
        key: personal_goal(cohort, participant, visibility=visibility[key], title=GOALS[key][0])
        for key in visibility
    }
    goals["team"] = shared_goal(cohort, title=GOALS["team"][0])
    entries = []
    for key, goal in goals.items():
        milestone = Milestone.objects.create(goal=goal, position=1, title=GOALS[key][1])
        entries.append(
            services.GoalProgressEntry(
                goal_id=goal.pk, value=GOALS[key][2], milestone_id=milestone.pk
            )
        )
    checkin, _created = services.submit_checkin(
        access=access(participant, cohort),
        period_start=periods.current_period(periods.rhythm_for(cohort)).start,
        energy=4,
        win="A good week",
        shared_with_cohort=True,
        progress=entries,
    )
    return {"checkin": checkin, "quinn": quinn}


def readers(participant, other_participant, facilitator, quinn):
    return {
        "author": participant,
        "partner": other_participant,
        "cohort participant": quinn,
        "facilitator": facilitator,
    }


def expected(role: str, flag: bool) -> set[str]:
    if role in {"author", "facilitator"}:
        return set(GOALS)
    return {"cohort", "team"} | ({"leader"} if flag else set())


@pytest.mark.parametrize("flag", [False, True], ids=["leader goals hidden", "leader goals shown"])
@pytest.mark.parametrize("role", ["author", "partner", "cohort participant", "facilitator"])
def test_the_checkin_page_shows_progress_only_on_goals_the_reader_may_see(
    reported, cohort, participant, other_participant, facilitator, role, flag
):
    """Titles, figures and milestone titles of a goal show on the check-in
    page only to those who may read that goal."""
    set_rhythm(cohort, participants_see_leader_goals=flag)
    user = readers(participant, other_participant, facilitator, reported["quinn"])[role]
    client = Client()
    client.force_login(user)
    response = client.get(reported["checkin"].get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "A good week" in page
    for key, (title, milestone, figure) in GOALS.items():
        shown = key in expected(role, flag)
        assert (title in page) is shown, (role, key)
        assert (milestone in page) is shown, (role, key)
        assert (f": {figure}%" in page) is shown, (role, key)


@pytest.mark.parametrize("role", ["author", "partner", "cohort participant", "facilitator"])
def test_no_other_view_of_the_checkin_carries_its_goals_progress(
    reported, cohort, participant, other_participant, facilitator, role
):
    """The CSV download and the cohort stream's check-in payload carry no
    goal of the check-in at all, and the check-in list none the reader may
    not see (a participant's own check-in form lists their goals): the
    progress shows on the check-in page only, filtered there."""
    user = readers(participant, other_participant, facilitator, reported["quinn"])[role]
    client = Client()
    client.force_login(user)
    listed = client.get(reverse("goals:checkins", args=[cohort.pk])).content.decode()
    assert "A good week" in listed
    for key, (title, milestone, _figure) in GOALS.items():
        if key not in expected(role, flag=False):
            assert title not in listed and milestone not in listed, key
    texts = [
        client.get(reverse("goals:checkins_export", args=[cohort.pk])).content.decode(),
        json.dumps(events.checkin_payload(reported["checkin"]), ensure_ascii=False),
    ]
    for text in texts:
        assert "A good week" in text
        for title, milestone, _figure in GOALS.values():
            assert title not in text and milestone not in text


def test_the_progress_follows_a_goal_made_private_after_the_checkin(
    reported, cohort, participant, other_participant
):
    """A goal shared with the cohort when the check-in was written, made
    private since, no longer shows on the partner's check-in page."""
    goal = Goal.objects.get(title=GOALS["cohort"][0])
    services.set_goal_visibility(
        access=access(participant, cohort), goal=goal, visibility=Goal.Visibility.PRIVATE
    )
    client = Client()
    client.force_login(other_participant)
    page = client.get(reported["checkin"].get_absolute_url()).content.decode()
    assert GOALS["cohort"][0] not in page and GOALS["cohort"][1] not in page
    assert GOALS["team"][0] in page
