"""A live event reaches exactly those who see its item on the page.

Over the whole demo (`seed_demo`), for every goal, goal note, check-in and
reply, and every user of the demo (both organizations, HR admins and leaders
included): "is in the audience of the item's event" equals "sees the item on
its page", by the pages' own access functions. For a check-in, the event's
`can_reply` also equals the reply form its page shows.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import Http404

from accounts.models import User
from cohorts import services as cohort_services
from cohorts.models import Cohort
from goals import events, rules, services
from goals.models import CheckIn, CheckInReply, CohortEvent, CohortRhythm, Goal, GoalNote
from tests import factories
from tests.goals_support import access, membership, personal_goal, set_rhythm

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", password="pw-for-tests")
    return Cohort.objects.get(organization__slug="acme", name="Leading Through Change")


def audience_of(emit, cohort) -> dict[int, dict]:
    """user id -> the payload they were sent, for the events `emit()` stores."""
    last = CohortEvent.objects.filter(rhythm_id=cohort.pk).order_by("-seq").first()
    with transaction.atomic():
        emit()
    sent = CohortEvent.objects.filter(rhythm_id=cohort.pk, seq__gt=last.seq if last else 0)
    return {user_id: event.payload for event in sent for user_id in event.user_ids}


def page_access(access_function, user, cohort):
    try:
        return access_function(user, cohort.pk)
    except Http404:
        return None


def goal_page_readers(cohort, goal) -> dict[int, object]:
    """user id -> access, for everyone whose goal page shows `goal`."""
    readers = {}
    for user in User.objects.all():
        try:
            access, _goal = rules.access_goal(user, cohort.pk, goal.pk)
        except Http404:
            continue
        readers[user.pk] = access
    return readers


@pytest.mark.slow  # every goal and note of the demo, for every user
@pytest.mark.parametrize("leader_goals_open", [False, True])
def test_goal_and_note_events_reach_exactly_their_page_readers(demo, leader_goals_open):
    CohortRhythm.objects.filter(cohort=demo).update(
        participants_see_leader_goals=leader_goals_open
    )
    goals = list(Goal.objects.filter(cohort=demo).select_related("owner__user", "cohort"))
    notes = list(GoalNote.objects.filter(goal__cohort=demo).select_related("goal__owner"))
    assert {goal.visibility for goal in goals if goal.is_personal} == set(Goal.Visibility.values)
    assert {note.kind for note in notes} == set(GoalNote.Kind.values)
    for goal in goals:
        readers = goal_page_readers(demo, goal)
        assert set(audience_of(lambda goal=goal: events.goal_changed(goal), demo)) == set(
            readers
        ), goal
        for note in (note for note in notes if note.goal_id == goal.pk):
            note_readers = {
                user_id
                for user_id, access in readers.items()
                if rules.visible_goal_notes(access, goal).filter(pk=note.pk).exists()
            }
            assert set(audience_of(lambda note=note: events.goal_note_added(note), demo)) == (
                note_readers
            ), note


@pytest.mark.slow  # every check-in and reply of the demo, for every user
def test_checkin_and_reply_events_reach_exactly_their_page_readers(demo):
    users = list(User.objects.all())
    accesses = {user.pk: page_access(rules.access_checkins, user, demo) for user in users}
    listed = {
        user_id: set(rules.visible_checkins(access).values_list("pk", flat=True))
        for user_id, access in accesses.items()
        if access is not None
    }
    checkins = list(CheckIn.objects.filter(cohort=demo).select_related("author__user", "cohort"))
    replies = list(CheckInReply.objects.filter(checkin__cohort=demo).select_related("checkin"))
    assert any(c.shared_with_cohort for c in checkins) and replies
    for checkin in checkins:
        readers = {user_id for user_id, pks in listed.items() if checkin.pk in pks}
        sent = audience_of(lambda c=checkin: events.checkin_saved(c, created=False), demo)
        assert set(sent) == readers, checkin
        for user_id in readers:
            # The check-in's page shows its reply form by this rule.
            assert sent[user_id]["checkin"]["can_reply"] is rules.can_reply_checkin(
                accesses[user_id], checkin
            ), (checkin, user_id)
        thread = [reply for reply in replies if reply.checkin_id == checkin.pk]
        for reply in thread:
            assert set(audience_of(lambda r=reply: events.reply_posted(r), demo)) == readers


def goal_events_for(cohort, user) -> list[str]:
    return [
        event.type
        for event in CohortEvent.objects.filter(rhythm_id=cohort.pk).order_by("seq")
        if user.pk in event.user_ids
    ]


def test_a_note_is_news_only_to_those_who_read_it(
    cohort, facilitator, participant, other_participant
):
    """A comment on a goal shared with the cohort reaches its author and the
    facilitators; the other participants read the goal but not its comments,
    so they get no event for it."""
    goal = personal_goal(cohort, participant, visibility=Goal.Visibility.COHORT)
    services.add_goal_note(
        access=access(facilitator, cohort), goal=goal, kind=GoalNote.Kind.COMMENT, body="Good"
    )
    assert goal_events_for(cohort, participant) == ["goal.updated"]
    assert goal_events_for(cohort, facilitator) == ["goal.updated"]
    assert goal_events_for(cohort, other_participant) == []


def test_an_unlinked_leader_who_still_reads_the_goal_keeps_it(
    cohort, facilitator, participant, leader
):
    """The previous leader loses the participant's leader-only goals, unless
    they read them otherwise: here as a participant of the cohort, whose
    participants read goals shared with leaders."""
    factories.MembershipFactory(cohort=cohort, user=leader)
    set_rhythm(cohort, participants_see_leader_goals=True)
    goal = personal_goal(cohort, participant, visibility=Goal.Visibility.LEADER)
    with transaction.atomic():
        events.goal_changed(goal)
    cohort_services.set_leader(
        membership=membership(participant, cohort), leader=None, changed_by=facilitator
    )
    assert rules.visible_goals(access(leader, cohort)).filter(pk=goal.pk).exists()
    assert goal_events_for(cohort, leader) == ["goal.updated"]
