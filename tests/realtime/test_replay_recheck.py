"""A resume or a catch-up read replays only what the reader may see now.

Events are addressed to the readers of their item when they are stored; a
reader may lose the item since (a leader replaced, a partner moved, the
cohort's setting on leader goals turned off, a member removed), and an item
may be edited or deleted. Each stream judges what it reads back from its log
by the rules of its pages, as they stand now, and the board replays a
reflection as it is now, never its text from before an edit.
"""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from board import services as board_services
from board.rules import access_session
from cohorts.models import Membership
from goals import services
from goals.models import CohortRhythm, Goal, PartnerSlot
from realtime import fanout
from tests import factories
from tests.goals_support import access, membership, personal_goal, set_rhythm
from tests.realtime.test_cohort_socket import pairs as pairs  # the fixture
from tests.realtime.test_cohort_socket import write_checkin
from tests.streams import BoardClient, frames_until, join_cohort

pytestmark = pytest.mark.django_db(transaction=True)


# Cohort stream ----------------------------------------------------------------


async def resumed_from_zero(user, cohort) -> list[dict]:
    """The frames a client of `user` gets when it resumes with ?last_seq=0."""
    communicator, first = await join_cohort(user, cohort, query="last_seq=0")
    assert first["type"] != "cohort.snapshot", "a resume, not a snapshot"
    frames = [first]
    if first["type"] != "cohort.resumed":
        frames += await frames_until(communicator, lambda f: f["type"] == "cohort.resumed")
    await communicator.disconnect()
    return frames[:-1]


def carried_goals(frames) -> set[int]:
    """Goals whose content (not a mere removal) reached the client."""
    return {f["goal"]["id"] for f in frames if isinstance(f.get("goal"), dict)}


def carried_checkins(frames) -> set[int]:
    """Check-ins whose content, or a reply in whose thread, reached the client."""
    found = {f["checkin"]["id"] for f in frames if isinstance(f.get("checkin"), dict)}
    return found | {f["reply"]["checkin"] for f in frames if isinstance(f.get("reply"), dict)}


@database_sync_to_async
def progress(user, cohort, goal, value=40):
    services.post_progress(access=access(user, cohort), goal=goal, value=value)


@database_sync_to_async
def reply(user, cohort, checkin, text="Proud of you"):
    services.reply_to_checkin(access=access(user, cohort), checkin=checkin, body=text)


@database_sync_to_async
def make_leader(user, cohort, led):
    """`user` becomes `led`'s confirmed leader (as an HR admin's change would
    end, without its own clean-up: only the replay's re-check is tested)."""
    Membership.objects.filter(pk=membership(led, cohort).pk).update(
        leader=user, leader_confirmed_at=timezone.now()
    )


@database_sync_to_async
def remove(user, cohort):
    """`user` leaves the cohort (their membership and what hangs on it go)."""
    membership(user, cohort).delete()


@database_sync_to_async
def leader_goal(cohort, user, title):
    return personal_goal(cohort, user, visibility=Goal.Visibility.LEADER, title=title)


async def test_a_replaced_leader_replays_nothing_of_the_goal(
    cohort, participant, other_participant, leader
):
    """Lee led Pat and Robin; Pat's leader is now someone else: Lee's resume
    from 0 carries Robin's goal, and nothing of Pat's."""
    await make_leader(leader, cohort, other_participant)
    pats = await leader_goal(cohort, participant, "Ask for the promotion")
    robins = await leader_goal(cohort, other_participant, "Hire two seniors")
    await progress(participant, cohort, pats)
    await progress(other_participant, cohort, robins)
    newcomer = await database_sync_to_async(factories.UserFactory)(email="lead2@acme.test")
    await make_leader(newcomer, cohort, participant)

    frames = await resumed_from_zero(leader, cohort)
    assert carried_goals(frames) == {robins.pk}
    assert "Ask for the promotion" not in str(frames)


async def test_a_partner_moved_out_of_a_group_replays_nothing_of_the_checkin(
    cohort,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    """Robin, moved out of Pat's group (as the admin site can do), replays
    neither Pat's check-in nor the replies in its thread; Quinn's check-in,
    written in Robin's new group after the move, does replay."""
    checkin = await write_checkin(cohort, participant, win="Only for my partner")
    await reply(other_participant, cohort, checkin)

    @database_sync_to_async
    def swap_robin_and_quinn():
        robin = PartnerSlot.objects.get(membership=membership(other_participant, cohort))
        quinn = PartnerSlot.objects.get(membership=membership(pairs["third"], cohort))
        groups = robin.group_id, quinn.group_id
        PartnerSlot.objects.filter(pk=robin.pk).update(group_id=groups[1])
        PartnerSlot.objects.filter(pk=quinn.pk).update(group_id=groups[0])

    await swap_robin_and_quinn()
    later = await write_checkin(cohort, pairs["fourth"], win="For my new partner")

    frames = await resumed_from_zero(other_participant, cohort)
    assert carried_checkins(frames) == {later.pk}
    assert "Only for my partner" not in str(frames) and "Proud of you" not in str(frames)


async def test_participants_replay_no_leader_goal_once_the_setting_is_off(
    cohort, participant, other_participant
):
    """With the cohort's setting on, Robin got Pat's goal shared with the
    leader; once it is off (here straight in the database, as the admin site
    can), Robin's resume carries only what the goals page shows."""
    await database_sync_to_async(set_rhythm)(cohort, participants_see_leader_goals=True)
    hidden = await leader_goal(cohort, participant, "Ask for the promotion")
    shared = await database_sync_to_async(personal_goal)(
        cohort, participant, visibility=Goal.Visibility.COHORT, title="Run better one-on-ones"
    )
    await progress(participant, cohort, hidden)
    await progress(participant, cohort, shared)
    await database_sync_to_async(CohortRhythm.objects.filter(cohort=cohort).update)(
        participants_see_leader_goals=False
    )

    frames = await resumed_from_zero(other_participant, cohort)
    assert carried_goals(frames) == {shared.pk}


async def test_turning_the_setting_off_removes_leader_goals_live_and_on_resume(
    cohort, participant, other_participant, facilitator
):
    """The rhythm form's setting: off, Robin is told to drop Pat's goal shared
    with the leader and never gets it back; on again, it comes back live."""
    await database_sync_to_async(set_rhythm)(cohort, participants_see_leader_goals=True)
    goal = await leader_goal(cohort, participant, "Ask for the promotion")
    await progress(participant, cohort, goal)
    robin, snapshot = await join_cohort(other_participant, cohort)
    assert [g["id"] for g in snapshot["goals"]] == [goal.pk]

    @database_sync_to_async
    def set_flag(value):
        rhythm = CohortRhythm.objects.get(cohort=cohort)
        services.update_rhythm(
            access=access(facilitator, cohort),
            cadence=rhythm.cadence,
            weekday=rhythm.weekday,
            participants_see_leader_goals=value,
        )

    await set_flag(False)
    removed = (await frames_until(robin, lambda f: f["type"] == "goal.removed"))[-1]
    assert removed["goal"] == goal.pk
    assert carried_goals(await resumed_from_zero(other_participant, cohort)) == set()
    await set_flag(True)
    shown = (await frames_until(robin, lambda f: f["type"] == "goal.updated"))[-1]
    assert shown["goal"]["id"] == goal.pk
    await robin.disconnect()


async def test_a_removed_member_who_still_leads_someone_replays_nothing_they_lost(
    cohort,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    """Robin, removed from the cohort and then named Quinn's leader, reaches
    the cohort stream as a leader: the resume carries Quinn's goal shared with
    the leader, and nothing Robin read as a participant."""
    checkin = await write_checkin(cohort, participant, win="Only for my partner")
    await reply(other_participant, cohort, checkin)
    cohort_goal = await database_sync_to_async(personal_goal)(
        cohort, participant, visibility=Goal.Visibility.COHORT, title="Run better one-on-ones"
    )
    await progress(participant, cohort, cohort_goal)
    await remove(other_participant, cohort)
    await make_leader(other_participant, cohort, pairs["third"])
    quinns = await leader_goal(cohort, pairs["third"], "Move to Berlin")
    await progress(pairs["third"], cohort, quinns)

    frames = await resumed_from_zero(other_participant, cohort)
    assert carried_goals(frames) == {quinns.pk}
    assert carried_checkins(frames) == set()


async def test_a_member_removed_and_added_again_replays_nothing_they_lost(
    cohort,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    """Robin, removed and invited back, is in no partner group of the earlier
    round: the resume carries nothing of Pat's check-in, though Robin was its
    partner and replied to it before leaving."""
    checkin = await write_checkin(cohort, participant, win="Only for my partner")
    await reply(other_participant, cohort, checkin)
    await remove(other_participant, cohort)
    await database_sync_to_async(factories.MembershipFactory)(
        cohort=cohort, user=other_participant
    )

    frames = await resumed_from_zero(other_participant, cohort)
    assert carried_checkins(frames) == set()
    assert "Only for my partner" not in str(frames)


@pytest.fixture
def first_event_lost(monkeypatch):
    """The process loses the next event of its groups on the way (a dropped
    layer message): its sockets see a gap at the event after it, and catch up
    by reading the log."""
    deliver = fanout.Fanout.deliver
    lost = []

    async def lose_one(self, message):
        if message["type"] == "stream.event" and not lost:
            lost.append(message["seq"])
            return
        await deliver(self, message)

    monkeypatch.setattr(fanout.Fanout, "deliver", lose_one)
    return lost


async def test_a_cohort_catch_up_read_drops_what_the_reader_lost_meanwhile(
    cohort, participant, other_participant, first_event_lost
):
    """An event for Robin, read only after Robin lost its goal, is not sent."""
    await database_sync_to_async(set_rhythm)(cohort, participants_see_leader_goals=True)
    goal = await leader_goal(cohort, participant, "Ask for the promotion")
    robin, _snapshot = await join_cohort(other_participant, cohort)
    await progress(participant, cohort, goal)  # lost on the way
    await database_sync_to_async(CohortRhythm.objects.filter(cohort=cohort).update)(
        participants_see_leader_goals=False
    )
    shared = await write_checkin(cohort, participant, win="For everyone", shared=True)

    frames = await frames_until(robin, lambda f: f["type"] == "checkin.posted")
    assert first_event_lost and [f["type"] for f in frames] == ["checkin.posted"]
    assert frames[-1]["checkin"]["id"] == shared.pk
    await robin.disconnect()


# Session board ----------------------------------------------------------------


@database_sync_to_async
def post(user, session, text):
    access_ = access_session(user, session.pk)
    return board_services.post_reflection(
        access=access_,
        phase_id=access_.session.current_phase_id,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


@database_sync_to_async
def act(user, session, operation, **kwargs):
    return getattr(board_services, operation)(access=access_session(user, session.pk), **kwargs)


async def board_resume(user, session) -> list[dict]:
    """The reflections a resume from 0 carries, as they arrive."""
    client = await BoardClient.open(user, session.pk, query="last_seq=0")
    reflections = []
    while True:
        frame = await client.frame()
        assert frame["type"] != "board.snapshot", "a resume, not a snapshot"
        if frame["type"] == "presence.changed":
            break
        if isinstance(frame.get("reflection"), dict):
            reflections.append(frame["reflection"])
    await client.close()
    return reflections


async def test_a_participant_who_joined_later_replays_only_the_current_text(
    live_session, cohort, participant
):
    """A reflection edited before Noa joined is replayed with its text of now,
    in its "posted" event too: the text before the edit never reaches Noa."""
    reflection = await post(participant, live_session, "Before the edit: my boss is awful")
    await act(
        participant,
        live_session,
        "edit_reflection",
        reflection_id=reflection.pk,
        text="After the edit: tough quarter",
    )

    @database_sync_to_async
    def newcomer():
        user = factories.UserFactory(email="p9@acme.test", display_name="Noa Nine")
        factories.MembershipFactory(cohort=cohort, user=user)
        return user

    replayed = await board_resume(await newcomer(), live_session)
    assert [r["text"] for r in replayed] == ["After the edit: tough quarter"] * 2
    assert all(r["edited"] for r in replayed)


async def test_facilitators_replay_a_hidden_reflection_as_the_snapshot_shows_it(
    live_session, facilitator, participant
):
    """Hidden since it was posted: the facilitator's resume shows it hidden."""
    reflection = await post(participant, live_session, "Off topic")
    await act(
        facilitator, live_session, "hide_reflection", reflection_id=reflection.pk, hidden=True
    )

    replayed = await board_resume(facilitator, live_session)
    assert [(r["text"], r["hidden"]) for r in replayed] == [("Off topic", True)]


async def test_reflections_of_a_removed_member_are_replayed_to_nobody(
    live_session, cohort, facilitator, participant, other_participant
):
    """A member's reflections go with their membership, from the log's
    replays too."""
    await post(other_participant, live_session, "Written by someone who left")
    await post(participant, live_session, "Still here")
    await remove(other_participant, cohort)

    for user in (participant, facilitator):
        assert [r["text"] for r in await board_resume(user, live_session)] == ["Still here"]


async def test_a_board_catch_up_read_carries_the_current_text(
    live_session, participant, other_participant, first_event_lost
):
    """A post lost on the way and read back after its edit arrives with the
    text of now."""
    robin = await BoardClient.join(other_participant, live_session.pk)
    await robin.drain()
    reflection = await post(participant, live_session, "Before the edit")  # lost on the way
    await act(
        participant,
        live_session,
        "edit_reflection",
        reflection_id=reflection.pk,
        text="After the edit",
    )
    posted = await robin.until("reflection.posted")
    edited = await robin.until("reflection.edited")
    assert first_event_lost == [posted["seq"]]
    assert posted["reflection"]["text"] == edited["reflection"]["text"] == "After the edit"
    await robin.close()
