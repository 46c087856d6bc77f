"""A resume never replays content withdrawn since it was first sent.

The event log keeps what it broadcast; hiding, deleting or sharing more
narrowly must also keep those earlier events from those who lost the item.
"""

import uuid

import pytest
from channels.db import database_sync_to_async

from board import services as board_services
from board.rules import access_session
from tests.realtime.test_cohort_socket import pairs as pairs  # the fixture
from tests.realtime.test_cohort_socket import write_checkin
from tests.streams import BoardClient, frames_until, join_cohort

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def post(user, session, text):
    access = access_session(user, session.pk)
    return board_services.post_reflection(
        access=access,
        phase_id=access.session.current_phase_id,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


@database_sync_to_async
def act(user, session, operation, **kwargs):
    return getattr(board_services, operation)(access=access_session(user, session.pk), **kwargs)


async def replayed_texts(client) -> list[str]:
    texts = []
    while True:
        frame = await client.frame()
        if frame["type"] in {"presence.changed", "board.snapshot"}:
            assert frame["type"] == "presence.changed", "a resume, not a snapshot"
            return texts
        if "reflection" in frame and isinstance(frame["reflection"], dict):
            texts.append(frame["reflection"]["text"])


async def test_a_hidden_reflection_is_not_replayed_to_participants(
    live_session, facilitator, participant, other_participant
):
    start = (await BoardClient.join(participant, live_session.pk)).snapshot["seq"]
    hidden = await post(other_participant, live_session, "Hidden by the facilitator")
    await post(other_participant, live_session, "Still on the board")
    await act(facilitator, live_session, "hide_reflection", reflection_id=hidden.pk, hidden=True)

    pat = await BoardClient.open(participant, live_session.pk, query=f"last_seq={start}")
    assert await replayed_texts(pat) == ["Still on the board"]
    await pat.close()
    coach = await BoardClient.open(facilitator, live_session.pk, query=f"last_seq={start}")
    assert await replayed_texts(coach) == ["Hidden by the facilitator", "Still on the board"]
    await coach.close()


async def test_a_deleted_reflection_is_replayed_to_nobody(
    live_session, facilitator, participant, other_participant
):
    start = (await BoardClient.join(participant, live_session.pk)).snapshot["seq"]
    gone = await post(other_participant, live_session, "Thought better of it")
    await act(other_participant, live_session, "delete_reflection", reflection_id=gone.pk)

    for user in (participant, facilitator, other_participant):
        client = await BoardClient.open(user, live_session.pk, query=f"last_seq={start}")
        assert await replayed_texts(client) == []
        await client.close()


async def test_an_unshared_checkin_is_not_replayed_to_the_cohort(
    cohort,
    participant,
    other_participant,
    pairs,  # noqa: F811 (the imported fixture)
):
    peer, snapshot = await join_cohort(pairs["third"], cohort)
    start = snapshot["seq"]
    await peer.disconnect()
    await write_checkin(cohort, participant, win="Shared, then not", shared=True)
    await write_checkin(cohort, participant, win="Shared, then not", shared=False)

    resumed, first = await join_cohort(pairs["third"], cohort, query=f"last_seq={start}")
    frames = [first]
    if first["type"] != "cohort.resumed":
        frames += await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
    assert [f["type"] for f in frames] == ["checkin.removed", "cohort.resumed"]
    await resumed.disconnect()

    partner, first = await join_cohort(other_participant, cohort, query=f"last_seq={start}")
    frames = [first] + await frames_until(partner, lambda f: f["type"] == "cohort.resumed")
    assert [f["type"] for f in frames] == ["checkin.posted", "checkin.edited", "cohort.resumed"]
    await partner.disconnect()
