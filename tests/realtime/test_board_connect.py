"""Who may open a board, what the first frame holds, and resuming by seq."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from board import services
from board.models import Attendance, Presence
from board.rules import access_session
from cohorts.models import Membership
from tests import factories, streams
from tests.streams import BoardClient, board_path, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def post(user, session, text, *, phase=None):
    access = access_session(user, session.pk)
    return services.post_reflection(
        access=access,
        phase_id=phase or access.session.current_phase_id,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


def facilitate(user, session, operation, **kwargs):
    return getattr(services, operation)(access=access_session(user, session.pk), **kwargs)


# Who may open it --------------------------------------------------------------


async def test_facilitator_gets_the_snapshot(live_session, facilitator):
    client = await BoardClient.join(facilitator, live_session.pk)
    snapshot = client.snapshot
    assert snapshot["protocol"] == 1
    assert snapshot["seq"] == 2  # started, then moved to the reflection phase
    assert snapshot["me"]["role"] == "facilitator"
    assert snapshot["me"]["name"] == "Casey Coach"
    assert snapshot["session"]["status"] == "live"
    assert snapshot["session"]["cohort"]["name"] == "Leading Through Change"
    assert [p["kind"] for p in snapshot["phases"]] == [
        "checkin",
        "reflection",
        "discussion",
        "commitments",
        "close",
    ]
    assert snapshot["session"]["current_phase"] == snapshot["phases"][1]["id"]
    assert snapshot["timer"]["state"] == "idle"
    assert snapshot["timer"]["server_now"].endswith("Z")
    assert snapshot["presence"] == [
        {"user": facilitator.pk, "name": "Casey Coach", "role": "facilitator"}
    ]
    await client.close()


async def test_participant_gets_the_snapshot(live_session, participant):
    client = await BoardClient.join(participant, live_session.pk)
    me = client.snapshot["me"]
    assert me["user"] == participant.pk
    assert me["role"] == "participant"
    membership = await database_sync_to_async(Membership.objects.get)(user=participant)
    assert me["membership"] == membership.pk
    await client.close()


@pytest.fixture
def another_cohorts_participant(acme):
    """A participant of another Acme cohort."""
    user = factories.UserFactory(email="elsewhere@acme.test", display_name="Eli Elsewhere")
    factories.MembershipFactory(cohort=factories.CohortFactory(organization=acme), user=user)
    return user


@pytest.fixture(
    params=["leader", "hr_admin", "outsider", "another_cohorts_participant", "globex_user"]
)
def stranger(request):
    """Someone who is not a facilitator or participant of the cohort."""
    return request.getfixturevalue(request.param)


async def test_people_outside_the_room_are_closed_with_4404(live_session, stranger):
    """Refused as for a session that does not exist: the code tells nothing."""
    client = await BoardClient.open(stranger, live_session.pk)
    assert await client.close_code() == 4404
    assert await database_sync_to_async(Presence.objects.count)() == 0


async def test_anonymous_visitor_is_closed_with_4404(live_session):
    client = await BoardClient.open(None, live_session.pk)
    assert await client.close_code() == 4404


async def test_anonymous_visitor_learns_nothing_about_missing_sessions(live_session):
    client = await BoardClient.open(None, live_session.pk + 1000)
    assert await client.close_code() == 4404


async def test_missing_session_is_closed_with_4404(live_session, participant):
    client = await BoardClient.open(participant, live_session.pk + 1000)
    assert await client.close_code() == 4404


async def test_a_foreign_origin_is_refused_at_the_handshake(live_session, participant):
    communicator = streams.communicator(
        board_path(live_session.pk),
        cookie=await session_cookie(participant),
        origin=b"http://evil.example",
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_scheduled_and_ended_boards_open_read_only(scheduled_session, participant):
    client = await BoardClient.join(participant, scheduled_session.pk)
    assert client.snapshot["session"]["status"] == "scheduled"
    assert client.snapshot["session"]["current_phase"] is None
    assert client.snapshot["seq"] == 0
    await client.close()


# What the snapshot shows to whom ---------------------------------------------------


@pytest.fixture
def busy_session(live_session, facilitator, participant, other_participant):
    """Two reflections by Pat (one hidden) and one by Robin; a commitment each."""
    kept = post(participant, live_session, "Kept")
    hidden = post(participant, live_session, "Hidden one")
    post(other_participant, live_session, "Robin's")
    facilitate(facilitator, live_session, "hide_reflection", reflection_id=hidden.pk, hidden=True)
    services.add_reaction(
        access=access_session(other_participant, live_session.pk),
        reflection_id=kept.pk,
        emoji="heart",
    )
    commitments = live_session.phases.get(kind="commitments")
    facilitate(facilitator, live_session, "goto_phase", phase_id=commitments.pk)
    for user in (participant, other_participant):
        services.add_commitment(
            access=access_session(user, live_session.pk),
            text=f"Commitment of {user.display_name}",
            client_id=uuid.uuid4(),
        )
    return live_session


async def test_participants_do_not_see_hidden_reflections(busy_session, participant):
    client = await BoardClient.join(participant, busy_session.pk)
    texts = [r["text"] for r in client.snapshot["reflections"]]
    assert texts == ["Kept", "Robin's"]
    kept = client.snapshot["reflections"][0]
    assert kept["mine"] is True
    assert kept["author"] == {"id": participant.pk, "name": "Pat One"}
    assert kept["reactions"]["heart"] == 1
    assert kept["my_reactions"] == []
    assert client.snapshot["reflections"][1]["mine"] is False
    await client.close()


async def test_facilitators_see_hidden_reflections_marked(busy_session, facilitator):
    client = await BoardClient.join(facilitator, busy_session.pk)
    hidden = {r["text"]: r["hidden"] for r in client.snapshot["reflections"]}
    assert hidden == {"Kept": False, "Hidden one": True, "Robin's": False}
    await client.close()


async def test_participant_sees_only_own_commitments(busy_session, participant):
    client = await BoardClient.join(participant, busy_session.pk)
    assert [c["text"] for c in client.snapshot["commitments"]] == ["Commitment of Pat One"]
    assert client.snapshot["commitments"][0]["mine"] is True
    await client.close()


async def test_facilitator_sees_everyones_commitments(busy_session, facilitator):
    client = await BoardClient.join(facilitator, busy_session.pk)
    assert {c["text"] for c in client.snapshot["commitments"]} == {
        "Commitment of Pat One",
        "Commitment of Robin Two",
    }
    assert all(c["mine"] is False for c in client.snapshot["commitments"])
    await client.close()


async def test_anonymous_authors_never_travel(live_session, facilitator, participant):
    def make_anonymous_post():
        phase = live_session.phases.get(kind="reflection")
        facilitate(
            facilitator,
            live_session,
            "update_phase",
            phase_id=phase.pk,
            kind="reflection",
            title="Unsaid",
            prompt="What goes unsaid?",
            timebox_minutes=5,
            anonymous=True,
        )
        return post(participant, live_session, "Nobody asks how we are.")

    await database_sync_to_async(make_anonymous_post)()
    coach = await BoardClient.join(facilitator, live_session.pk)
    (reflection,) = coach.snapshot["reflections"]
    assert reflection["author"] is None and reflection["mine"] is False
    raw = json.dumps(coach.snapshot)
    assert "Pat One" not in raw and "p1@acme.test" not in raw and "_author" not in raw
    await coach.close()

    pat = await BoardClient.join(participant, live_session.pk)
    (reflection,) = pat.snapshot["reflections"]
    assert reflection["author"] is None and reflection["mine"] is True
    await pat.close()


# Presence and attendance ---------------------------------------------------------


async def test_presence_follows_joins_and_leaves(live_session, facilitator, participant):
    coach = await BoardClient.join(facilitator, live_session.pk)
    pat = await BoardClient.join(participant, live_session.pk)
    assert {p["user"] for p in pat.snapshot["presence"]} == {facilitator.pk, participant.pk}
    joined = await coach.until("presence.changed")
    assert [p["name"] for p in joined["presence"]] == ["Casey Coach", "Pat One"]
    assert "seq" not in joined
    await pat.close()
    left = await coach.until("presence.changed")
    assert [p["name"] for p in left["presence"]] == ["Casey Coach"]
    await coach.close()
    assert await database_sync_to_async(Presence.objects.count)() == 0


async def test_two_tabs_count_once(live_session, participant):
    first = await BoardClient.join(participant, live_session.pk)
    second = await BoardClient.join(participant, live_session.pk)
    assert second.snapshot["presence"] == [
        {"user": participant.pk, "name": "Pat One", "role": "participant"}
    ]
    await second.close()
    await first.silent()  # still present through the first tab: nothing changed
    await first.close()


async def test_joining_a_live_board_records_attendance(live_session, participant):
    client = await BoardClient.join(participant, live_session.pk)
    attended = await database_sync_to_async(list)(
        Attendance.objects.filter(session=live_session).values_list("membership__user", flat=True)
    )
    assert attended == [participant.pk]
    await client.close()


async def test_joining_a_scheduled_board_is_not_attendance(scheduled_session, participant):
    client = await BoardClient.join(participant, scheduled_session.pk)
    assert not await database_sync_to_async(Attendance.objects.exists)()
    await client.close()


# seq and resume ------------------------------------------------------------------


async def test_events_carry_the_next_seq(live_session, facilitator, participant):
    pat = await BoardClient.join(participant, live_session.pk)
    coach = await BoardClient.join(facilitator, live_session.pk)
    phase = pat.snapshot["session"]["current_phase"]
    for text in ("one", "two", "three"):
        await pat.request("reflection.post", phase=phase, text=text)
    seqs = [(await coach.until("reflection.posted"))["seq"] for _ in range(3)]
    assert seqs == [3, 4, 5]
    await pat.close()
    await coach.close()


async def test_resume_sends_exactly_the_missed_events(
    live_session, participant, other_participant
):
    pat = await BoardClient.join(participant, live_session.pk)
    last_seq = pat.snapshot["seq"]
    await pat.close()
    await database_sync_to_async(post)(other_participant, live_session, "While you were away")
    await database_sync_to_async(post)(other_participant, live_session, "And this")

    back = await BoardClient.open(participant, live_session.pk, query=f"last_seq={last_seq}")
    first, second = await back.frame(), await back.frame()
    assert [first["type"], second["type"]] == ["reflection.posted", "reflection.posted"]
    assert [first["seq"], second["seq"]] == [last_seq + 1, last_seq + 2]
    assert first["reflection"]["text"] == "While you were away"
    assert first["reflection"]["mine"] is False
    presence = await back.frame()
    assert presence["type"] == "presence.changed"
    await back.silent()
    await back.close()


async def test_resume_skips_events_not_for_this_user(busy_session, participant, other_participant):
    """Robin's commitment (seq after Pat's) is not replayed to Pat."""
    pat = await BoardClient.open(participant, busy_session.pk, query="last_seq=2")
    types = []
    while True:
        frame = await pat.frame()
        if frame["type"] == "presence.changed":
            break
        types.append((frame["type"], frame.get("commitment", {}).get("text")))
    assert ("commitment.added", "Commitment of Pat One") in types
    assert ("commitment.added", "Commitment of Robin Two") not in types
    assert ("reflection.posted", None) in types
    # The hide is for everyone; Robin's reaction too.
    assert ("reflection.hidden", None) in types
    await pat.close()


async def test_resume_at_the_current_seq_sends_only_presence(live_session, participant):
    pat = await BoardClient.open(participant, live_session.pk, query="last_seq=2")
    assert (await pat.frame())["type"] == "presence.changed"
    await pat.silent()
    await pat.close()


@pytest.mark.parametrize("query", ["last_seq=99", "last_seq=-1", "last_seq=abc", "last_seq="])
async def test_unknown_last_seq_gets_a_fresh_snapshot(live_session, participant, query):
    pat = await BoardClient.open(participant, live_session.pk, query=query)
    frame = await pat.frame()
    assert frame["type"] == "board.snapshot"
    assert frame["seq"] == 2
    await pat.close()


async def test_too_old_last_seq_gets_a_fresh_snapshot(
    live_session, participant, other_participant, settings
):
    settings.REALTIME_RESUME_WINDOW = 2
    for text in ("a", "b", "c"):
        await database_sync_to_async(post)(other_participant, live_session, text)
    pat = await BoardClient.open(participant, live_session.pk, query="last_seq=2")
    frame = await pat.frame()
    assert frame["type"] == "board.snapshot"
    assert frame["seq"] == 5
    assert [r["text"] for r in frame["reflections"]] == ["a", "b", "c"]
    await pat.close()

    within = await BoardClient.open(participant, live_session.pk, query="last_seq=3")
    assert [(await within.frame())["seq"], (await within.frame())["seq"]] == [4, 5]
    await within.close()
