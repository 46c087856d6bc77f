"""A leader replaced loses the participant's leader-only goals on the cohort
stream at once, and on resume; a leader named but not confirmed gets nothing
until the participant confirms."""

import pytest
from channels.db import database_sync_to_async

from cohorts import services
from goals import services as goal_services
from goals.consumers import CohortConsumer
from goals.models import Goal
from tests.goals_support import access, add_participant, membership
from tests.streams import frames_until, join_cohort

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def leader_goal(cohort, user, title="Ask for the promotion"):
    return goal_services.draft_personal_goal(
        access=access(user, cohort),
        owner=membership(user, cohort),
        title=title,
        visibility=Goal.Visibility.LEADER,
    )


@database_sync_to_async
def set_leader(cohort, user, leader, changed_by):
    return services.set_leader(
        membership=membership(user, cohort), leader=leader, changed_by=changed_by
    )


@database_sync_to_async
def confirm(cohort, user):
    m = membership(user, cohort)
    return services.confirm_leader(membership=m, leader_id=m.leader_id)


@pytest.fixture
def second_report(cohort, leader):
    """Another participant Lee leads: Lee keeps the cohort after losing Pat."""
    return add_participant(cohort, "p3@acme.test", "Quinn Three", leader=leader)


async def test_the_replaced_leader_is_told_to_drop_the_goal_live(
    cohort, participant, leader, outsider, hr_admin, second_report
):
    goal = await leader_goal(cohort, participant)
    boss, snapshot = await join_cohort(leader, cohort)
    assert [g["id"] for g in snapshot["goals"]] == [goal.pk]

    await set_leader(cohort, participant, outsider, hr_admin)
    removed = (await frames_until(boss, lambda f: f["type"] == "goal.removed"))[-1]
    assert removed["goal"] == goal.pk
    await boss.disconnect()


async def test_the_replaced_leader_replays_nothing_of_the_goal(
    cohort, participant, leader, outsider, hr_admin, second_report, monkeypatch
):
    """With the consumer's own re-check of replayed events switched off, the
    withdrawal from the log alone keeps the goal from a resume at 0."""
    monkeypatch.setattr(
        CohortConsumer, "recheck_replay", lambda self, access, stored: stored, raising=False
    )
    goal = await leader_goal(cohort, participant)
    await set_leader(cohort, participant, outsider, hr_admin)

    resumed, first = await join_cohort(leader, cohort, query="last_seq=0")
    frames = [first]
    if first["type"] != "cohort.resumed":
        frames += await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
    assert [f["type"] for f in frames] == ["goal.removed", "cohort.resumed"]
    assert frames[0]["goal"] == goal.pk
    assert "Ask for the promotion" not in str(frames)
    await resumed.disconnect()


async def test_a_named_leader_gets_the_goal_only_once_confirmed(
    cohort, participant, leader, outsider, hr_admin
):
    """Sam already leads Quinn (so has a socket on the cohort); named as Pat's
    leader, Sam hears nothing of Pat's goal until Pat confirms, and then gets
    it when resuming."""
    await database_sync_to_async(add_participant)(
        cohort, "p3@acme.test", "Quinn Three", leader=outsider
    )
    goal = await leader_goal(cohort, participant)
    sam, snapshot = await join_cohort(outsider, cohort)
    assert snapshot["goals"] == []

    await set_leader(cohort, participant, outsider, hr_admin)
    await database_sync_to_async(goal_services.edit_goal)(
        access=await database_sync_to_async(access)(participant, cohort),
        goal=goal,
        title="Ask for the promotion, with a plan",
    )
    assert await sam.receive_nothing(timeout=0.2)
    await sam.disconnect()

    await confirm(cohort, participant)
    resumed, first = await join_cohort(outsider, cohort, query=f"last_seq={snapshot['seq']}")
    frames = [first]
    if first["type"] != "cohort.resumed":
        frames += await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
    assert [f["type"] for f in frames] == ["goal.updated", "cohort.resumed"]
    assert frames[0]["goal"]["title"] == "Ask for the promotion, with a plan"
    await resumed.disconnect()
