"""One session served by two Daphne processes over PostgreSQL and Redis.

A reflection posted through one process reaches a client of the other with the
session's next seq, presence counts the people on both, and a client that
comes back through the other process resumes from its last seq.
"""

import asyncio
import json
import uuid

import pytest

from tests.multiprocess.support import WAIT, board

pytestmark = pytest.mark.django_db(transaction=True)


async def next_frame(socket, type_, condition=lambda frame: True) -> dict:
    async with asyncio.timeout(WAIT):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == type_ and condition(frame):
                return frame


def names(frame):
    return sorted(person["name"] for person in frame["presence"])


async def test_a_post_through_one_process_reaches_a_client_of_the_other(
    two_daphnes, live_session, cookies
):
    first, second = two_daphnes
    async with (
        board(first, live_session.pk, cookies["pat"]) as pat,
        board(second, live_session.pk, cookies["robin"]) as robin,
    ):
        snapshot = await next_frame(pat, "board.snapshot")
        await next_frame(robin, "board.snapshot")
        # Presence is in the database: Pat's process learns of Robin's join.
        both = await next_frame(pat, "presence.changed", lambda f: len(f["presence"]) == 2)
        assert names(both) == ["Pat One", "Robin Two"]

        client_id = str(uuid.uuid4())
        phase = snapshot["session"]["current_phase"]
        await pat.send(
            json.dumps(
                {"type": "reflection.post", "client_id": client_id, "phase": phase, "text": "Hi"}
            )
        )
        ack = await next_frame(pat, "ack")
        assert ack["client_id"] == client_id
        event = await next_frame(robin, "reflection.posted")
        assert event["seq"] == snapshot["seq"] + 1
        assert event["reflection"]["id"] == ack["reflection"]["id"]
        assert event["reflection"]["mine"] is False

        # And back the other way, with the next number.
        await robin.send(
            json.dumps(
                {
                    "type": "reaction.add",
                    "client_id": str(uuid.uuid4()),
                    "reflection": event["reflection"]["id"],
                    "emoji": "heart",
                }
            )
        )
        reaction = await next_frame(pat, "reaction.changed")
        assert reaction["seq"] == snapshot["seq"] + 2
        assert reaction["reactions"]["heart"] == 1

    # Robin left: once Pat reconnects alone, presence counts one.
    async with board(second, live_session.pk, cookies["pat"]) as pat:
        alone = await next_frame(pat, "board.snapshot")
        assert [p["name"] for p in alone["presence"]] == ["Pat One"]


async def test_a_client_resumes_through_the_other_process(two_daphnes, live_session, cookies):
    first, second = two_daphnes
    async with board(first, live_session.pk, cookies["pat"]) as pat:
        last_seq = (await next_frame(pat, "board.snapshot"))["seq"]

    async with board(second, live_session.pk, cookies["robin"]) as robin:
        snapshot = await next_frame(robin, "board.snapshot")
        await robin.send(
            json.dumps(
                {
                    "type": "reflection.post",
                    "client_id": str(uuid.uuid4()),
                    "phase": snapshot["session"]["current_phase"],
                    "text": "Posted while Pat was away",
                }
            )
        )
        await next_frame(robin, "ack")

    async with board(second, live_session.pk, cookies["pat"], f"last_seq={last_seq}") as pat:
        missed = json.loads(await asyncio.wait_for(pat.recv(), WAIT))
        assert missed["type"] == "reflection.posted"
        assert missed["seq"] == last_seq + 1
        assert missed["reflection"]["text"] == "Posted while Pat was away"
        assert (await next_frame(pat, "presence.changed"))["presence"]
