"""The process's fan-out (realtime/fanout.py): one layer membership per group
and process, every socket of the group served from it, each in its own order."""

import uuid

import pytest
from channels.db import database_sync_to_async

from board import services
from board.consumers import BoardConsumer
from board.rules import access_session
from realtime import fanout
from tests import streams
from tests.streams import WAIT, BoardClient, board_path, session_cookie
from tests.waiting import eventually

pytestmark = pytest.mark.django_db(transaction=True)


def post(session, user, text):
    """A reflection posted through the service, as another process would."""
    access = access_session(user, session.pk)
    return services.post_reflection(
        access=access,
        phase_id=session.current_phase_id,
        text=text,
        client_id=str(uuid.uuid4()),
    ).reflection


async def posted_by(session, user, text):
    return await database_sync_to_async(post)(session, user, text)


@pytest.fixture
def counted(monkeypatch):
    """Every group message the process's fan-out takes from the layer."""
    taken = []
    deliver = fanout.Fanout.deliver

    async def counting(self, message):
        taken.append(message)
        await deliver(self, message)

    monkeypatch.setattr(fanout.Fanout, "deliver", counting)
    return taken


async def test_a_group_message_reaches_the_process_once_and_every_socket_of_it(
    live_session, participant, other_participant, facilitator, counted, monkeypatch
):
    hub = fanout.current()
    joins = []
    group_add = hub.layer.group_add

    async def counting_joins(group, channel):
        joins.append((group, channel))
        await group_add(group, channel)

    monkeypatch.setattr(hub.layer, "group_add", counting_joins)
    clients = [
        await BoardClient.join(user, live_session.pk)
        for user in (participant, other_participant, facilitator)
    ]
    for client in clients:
        await client.drain()
    counted.clear()
    await posted_by(live_session, participant, "Once for the process")
    for client in clients:
        assert (await client.until("reflection.posted"))["reflection"]["text"] == (
            "Once for the process"
        )
    assert [m["event_type"] for m in counted] == ["reflection.posted"]
    board_joins = [join for join in joins if join[0].startswith("board.")]
    assert board_joins == [(f"board.{live_session.pk}", hub.channel)]  # once, not per socket
    for client in clients:
        await client.close()


async def test_the_process_leaves_a_group_with_its_last_socket(
    live_session, participant, other_participant, counted
):
    pat = await BoardClient.join(participant, live_session.pk)
    robin = await BoardClient.join(other_participant, live_session.pk)
    hub = fanout.current()
    group = f"board.{live_session.pk}"
    await pat.close()
    assert group in hub.subscribed and len(hub.members[group]) == 1
    await robin.close()
    assert hub.subscribed == {} and hub.members == {}
    counted.clear()
    await posted_by(live_session, participant, "Nobody here")
    # A message sent to the process's channel after the post arrives after
    # anything the post could have sent it.
    marker = {"type": "stream.event", "group": "marker"}
    await hub.layer.send(hub.channel, marker)
    await eventually(lambda: counted, what="the marker")
    assert [m["group"] for m in counted] == [
        "marker"
    ]  # the layer no longer sends this process the group


async def test_a_dropped_group_message_is_read_from_the_log_at_the_next_one(
    live_session, participant, other_participant, monkeypatch
):
    robin = await BoardClient.join(other_participant, live_session.pk)
    deliver = fanout.Fanout.deliver
    dropped = []

    async def drop_the_first(self, message):
        if not dropped and message["type"] == "stream.event":
            dropped.append(message)  # as a full channel would
            return
        await deliver(self, message)

    monkeypatch.setattr(fanout.Fanout, "deliver", drop_the_first)
    for text in ("first", "second", "third"):
        await posted_by(live_session, participant, text)
    frames = [await robin.until("reflection.posted") for _ in range(3)]
    assert [f["reflection"]["text"] for f in frames] == ["first", "second", "third"]
    assert [f["seq"] for f in frames] == list(range(frames[0]["seq"], frames[0]["seq"] + 3))
    assert dropped[0]["seq"] == frames[0]["seq"]
    await robin.silent()
    await robin.close()


async def test_events_committed_while_a_socket_opens_follow_its_snapshot(
    live_session, participant, other_participant, monkeypatch
):
    snapshot = BoardConsumer.snapshot

    def snapshot_then_a_post(self, access):
        frame = snapshot(self, access)
        post(live_session, other_participant, "Posted during the opening")
        return frame

    monkeypatch.setattr(BoardConsumer, "snapshot", snapshot_then_a_post)
    pat = await BoardClient.join(participant, live_session.pk)
    event = await pat.until("reflection.posted")
    assert event["seq"] == pat.snapshot["seq"] + 1
    assert pat.frames[0]["type"] == "board.snapshot"
    await pat.drain()
    # Nothing before the snapshot, nothing of it again, the new event once.
    assert [f["seq"] for f in pat.frames[1:] if "seq" in f] == [pat.snapshot["seq"] + 1]
    await pat.close()


async def test_a_socket_that_fails_leaves_the_others_served(
    live_session, participant, other_participant, monkeypatch
):
    pat = await BoardClient.join(participant, live_session.pk)
    robin = await BoardClient.join(other_participant, live_session.pk)
    [first, _second] = fanout.current().members[f"board.{live_session.pk}"]

    async def broken(message):
        raise RuntimeError("a socket that cannot take its message")

    monkeypatch.setattr(first, "take_group_message", broken)
    await posted_by(live_session, participant, "Still delivered")
    assert (await robin.until("reflection.posted"))["reflection"]["text"] == "Still delivered"
    await pat.close()
    await robin.close()


async def test_a_socket_whose_catch_up_fails_closes_so_that_its_client_resumes(
    live_session, participant, other_participant, monkeypatch
):
    robin = await BoardClient.join(other_participant, live_session.pk)
    await robin.drain()
    deliver = fanout.Fanout.deliver

    async def skip_one(self, message):
        if message["type"] == "stream.event":
            message = {**message, "seq": message["seq"] + 1}  # looks like a gap
        await deliver(self, message)

    def log_unreadable(*args, **kwargs):
        raise ConnectionError("database gone")

    monkeypatch.setattr(fanout.Fanout, "deliver", skip_one)
    monkeypatch.setattr("realtime.streams.events_for", log_unreadable)
    await posted_by(live_session, participant, "Needs a read")
    assert await robin.close_code() == 1011


async def test_a_socket_whose_group_cannot_be_joined_leaves_nothing_behind(
    live_session, participant, monkeypatch
):
    hub = fanout.current()

    async def layer_down(group, channel):
        raise ConnectionError("channel layer gone")

    monkeypatch.setattr(hub.layer, "group_add", layer_down)
    communicator = streams.communicator(
        board_path(live_session.pk), cookie=await session_cookie(participant)
    )
    await communicator.send_input({"type": "websocket.connect"})
    with pytest.raises(ConnectionError):
        # The application's end, not connect(): that one reports the error
        # only once its timeout has passed.
        await communicator.wait(timeout=WAIT)
    assert hub.members == {} and hub.subscribed == {}


async def test_a_socket_whose_handler_fails_leaves_the_fan_out(
    live_session, participant, monkeypatch
):
    pat = await BoardClient.join(participant, live_session.pk)
    hub = fanout.current()
    assert len(hub.members[f"board.{live_session.pk}"]) == 1

    async def broken(self, text_data=None, bytes_data=None):
        raise RuntimeError("a handler that fails")

    monkeypatch.setattr(BoardConsumer, "receive", broken)
    await pat.send("ping")
    with pytest.raises(RuntimeError):
        await pat.communicator.wait(timeout=WAIT)
    assert hub.members == {} and hub.subscribed == {}
