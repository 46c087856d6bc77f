"""The cohort stream /ws/cohorts/<id>/: snapshot, live events, replies, resume."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from goals import periods, services
from goals.models import CheckInReply, Goal
from tests import streams
from tests.goals_support import access, add_participant, membership, pair_up
from tests.streams import (
    close_code,
    cohort_path,
    cohort_socket,
    frames_until,
    join_cohort,
    reply_to,
    send,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pairs(cohort, participant, other_participant):
    """Pat and Robin are partners; Quinn and Max are the other pair."""
    third = add_participant(cohort, "p3@acme.test", "Quinn Three")
    fourth = add_participant(cohort, "p4@acme.test", "Max Four")
    pair_up(cohort, [participant, other_participant], [third, fourth])
    return {"third": third, "fourth": fourth}


@database_sync_to_async
def write_checkin(cohort, user, *, win="Gave the hard feedback", shared=False):
    entry, _created = services.submit_checkin(
        access=access(user, cohort),
        period_start=periods.current_period(periods.rhythm_for(cohort)).start,
        energy=4,
        win=win,
        shared_with_cohort=shared,
    )
    return entry


async def test_the_snapshot_has_this_periods_checkins_goals_and_me(
    cohort, participant, other_participant, pairs
):
    await write_checkin(cohort, participant)
    communicator, snapshot = await join_cohort(other_participant, cohort)
    assert snapshot["type"] == "cohort.snapshot"
    assert snapshot["protocol"] == 1 and snapshot["seq"] >= 1
    assert snapshot["me"]["role"] == "participant"
    assert snapshot["me"]["partners"] == [participant.pk]
    [entry] = snapshot["checkins"]
    assert entry["win"] == "Gave the hard feedback"
    assert entry["author"] == {"id": participant.pk, "name": "Pat One"}
    assert entry["mine"] is False
    assert "_author" not in json.dumps(snapshot)
    await communicator.disconnect()


async def test_a_new_checkin_reaches_partners_and_facilitators_live(
    cohort, participant, other_participant, facilitator, pairs
):
    partner, _ = await join_cohort(other_participant, cohort)
    coach, _ = await join_cohort(facilitator, cohort)
    outsider, _ = await join_cohort(pairs["third"], cohort)
    author, _ = await join_cohort(participant, cohort)
    await write_checkin(cohort, participant)
    for communicator, mine in ((partner, False), (coach, False), (author, True)):
        frames = await frames_until(communicator, lambda f: f["type"] == "checkin.posted")
        event = frames[-1]
        assert event["checkin"]["win"] == "Gave the hard feedback"
        assert event["checkin"]["mine"] is mine
        assert isinstance(event["seq"], int)
    assert await outsider.receive_nothing(timeout=0.2)
    for communicator in (partner, coach, outsider, author):
        await communicator.disconnect()


async def test_resubmitting_sends_an_edit_and_unsharing_removes_it_from_peers(
    cohort, participant, other_participant, pairs
):
    await write_checkin(cohort, participant, shared=True)
    peer, snapshot = await join_cohort(pairs["third"], cohort)
    assert len(snapshot["checkins"]) == 1
    partner, _ = await join_cohort(other_participant, cohort)
    entry = await write_checkin(cohort, participant, win="Edited", shared=False)
    removed = (await frames_until(peer, lambda f: f["type"] == "checkin.removed"))[-1]
    assert removed["checkin"] == entry.pk
    edited = (await frames_until(partner, lambda f: f["type"] == "checkin.edited"))[-1]
    assert edited["checkin"]["win"] == "Edited"
    await peer.disconnect()
    await partner.disconnect()


async def test_a_partner_replies_over_the_socket_and_a_resend_is_stored_once(
    cohort, participant, other_participant, pairs
):
    entry = await write_checkin(cohort, participant)
    author, _ = await join_cohort(participant, cohort)
    partner, _ = await join_cohort(other_participant, cohort)
    client_id = str(uuid.uuid4())
    await send(partner, "reply.post", checkin=entry.pk, text="You did it!", client_id=client_id)
    ack = await reply_to(partner, client_id)
    assert ack["type"] == "ack"
    assert ack["reply"]["text"] == "You did it!" and ack["reply"]["mine"] is True
    event = (await frames_until(author, lambda f: f["type"] == "reply.posted"))[-1]
    assert event["reply"]["id"] == ack["reply"]["id"] and event["reply"]["mine"] is False

    await send(partner, "reply.post", checkin=entry.pk, text="You did it!", client_id=client_id)
    again = await reply_to(partner, client_id)
    assert again["type"] == "ack" and again["reply"]["id"] == ack["reply"]["id"]
    assert await database_sync_to_async(CheckInReply.objects.count)() == 1
    await author.disconnect()
    await partner.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "reply.post", "checkin": "x", "text": "hi"}, "bad_frame"),
        ({"type": "reply.post", "text": "hi"}, "bad_frame"),
        ({"type": "goal.delete", "goal": 1}, "unknown_type"),
        ({"type": "reply.post", "checkin": 999999, "text": "hi"}, "not_found"),
    ],
)
async def test_bad_frames_get_one_error_and_change_nothing(
    cohort, participant, other_participant, pairs, frame, code
):
    await write_checkin(cohort, participant)
    partner, _ = await join_cohort(other_participant, cohort)
    fields = dict(frame)
    client_id = await send(partner, fields.pop("type"), **fields)
    error = await reply_to(partner, client_id)
    assert (error["type"], error["code"]) == ("error", code)
    assert error["message"]
    assert await database_sync_to_async(CheckInReply.objects.count)() == 0
    pong_id = await send(partner, "ping")
    assert (await reply_to(partner, pong_id))["type"] == "pong"
    await partner.disconnect()


async def test_reply_refusals_empty_too_long_hidden_and_not_a_partner(
    cohort, participant, other_participant, pairs
):
    private = await write_checkin(cohort, participant)
    shared = await write_checkin(cohort, pairs["fourth"], shared=True)
    partner, _ = await join_cohort(other_participant, cohort)
    cases = [
        (private.pk, "   ", "empty"),
        (private.pk, "x" * 2001, "too_long"),
        (shared.pk, "Not my partner's", "forbidden"),
    ]
    for checkin_id, text, code in cases:
        client_id = await send(partner, "reply.post", checkin=checkin_id, text=text)
        error = await reply_to(partner, client_id)
        assert (error["type"], error["code"]) == ("error", code), error
    outsider, _ = await join_cohort(pairs["third"], cohort)
    client_id = await send(outsider, "reply.post", checkin=private.pk, text="Peeking")
    assert (await reply_to(outsider, client_id))["code"] == "not_found"
    assert await database_sync_to_async(CheckInReply.objects.count)() == 0
    await partner.disconnect()
    await outsider.disconnect()


async def test_goal_updates_follow_the_goal_and_narrowing_removes_it(
    cohort, participant, other_participant, leader, pairs
):
    goal = await database_sync_to_async(services.draft_personal_goal)(
        access=await database_sync_to_async(access)(participant, cohort),
        owner=await database_sync_to_async(membership)(participant, cohort),
        title="Coach, do not rescue",
        visibility=Goal.Visibility.COHORT,
    )
    peer, snapshot = await join_cohort(other_participant, cohort)
    assert [g["title"] for g in snapshot["goals"]] == ["Coach, do not rescue"]
    boss, snapshot = await join_cohort(leader, cohort)
    assert snapshot["me"]["role"] == "leader" and snapshot["goals"] == []
    assert snapshot["checkins"] == []
    await database_sync_to_async(services.set_goal_visibility)(
        access=await database_sync_to_async(access)(participant, cohort),
        goal=goal,
        visibility=Goal.Visibility.LEADER,
    )
    removed = (await frames_until(peer, lambda f: f["type"] == "goal.removed"))[-1]
    assert removed["goal"] == goal.pk
    shown = (await frames_until(boss, lambda f: f["type"] == "goal.updated"))[-1]
    assert shown["goal"]["title"] == "Coach, do not rescue"
    assert shown["goal"]["url"].endswith(f"/goals/{goal.pk}/")
    await peer.disconnect()
    await boss.disconnect()


async def test_resume_sends_only_missed_events_for_me_then_resumed(
    cohort, participant, other_participant, pairs
):
    partner, snapshot = await join_cohort(other_participant, cohort)
    seq = snapshot["seq"]
    await partner.disconnect()
    await write_checkin(cohort, pairs["third"], win="Not for Robin")
    await write_checkin(cohort, participant, win="For Robin")
    resumed, first = await join_cohort(other_participant, cohort, query=f"last_seq={seq}")
    frames = [first] + (
        []
        if first["type"] == "cohort.resumed"
        else await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
    )
    assert [f["type"] for f in frames] == ["checkin.posted", "cohort.resumed"]
    assert frames[0]["checkin"]["win"] == "For Robin"
    assert frames[-1]["seq"] == frames[0]["seq"]
    await resumed.disconnect()


@pytest.mark.parametrize("query", ["last_seq=abc", "last_seq=99999", "last_seq=-1"])
async def test_an_unusable_last_seq_gets_a_fresh_snapshot(cohort, participant, query):
    communicator, first = await join_cohort(participant, cohort, query=query)
    assert first["type"] == "cohort.snapshot"
    await communicator.disconnect()


async def test_close_codes(cohort, participant, hr_admin):
    """A missing cohort, an anonymous visitor and someone with no right get one
    and the same code: it tells nothing about which cohorts exist."""
    missing = await cohort_socket(participant, 999999)
    assert await close_code(missing) == 4404
    anonymous = await cohort_socket(None, cohort.pk)
    assert await close_code(anonymous) == 4404
    hr = await cohort_socket(hr_admin, cohort.pk)
    assert await close_code(hr) == 4404


async def test_a_foreign_origin_is_refused_before_the_handshake(cohort, participant):
    communicator = streams.communicator(
        cohort_path(cohort.pk),
        cookie=await session_cookie(participant),
        origin=b"http://evil.example",
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
