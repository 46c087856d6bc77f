"""Daphne's websocket limit matches the application's (MAX_FRAME_BYTES).

Every place that starts Daphne passes `--websocket-max-frame-size` with the
application's number. Against a real Daphne started as the browser and
multi-process tests start it: a frame of exactly MAX_FRAME_BYTES reaches the
application, a frame one byte longer is dropped by Daphne with the connection
(no close frame: the client sees 1006), and a server frame larger than the
limit, such as a busy board's snapshot, still goes out.

Not `--websocket-max-message-size`: autobahn applies it to what the server
sends as well, and a snapshot over it makes the consumer's send raise (the
client gets 1011).
"""

import asyncio
import json
import re
import uuid
from pathlib import Path

import pytest
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from board.models import Reflection
from cohorts.models import Membership
from realtime.protocol import MAX_FRAME_BYTES
from tests.servers import DaphneServer

BASE_DIR = Path(__file__).resolve().parent.parent.parent
WAIT = 15  # an upper bound for a frame to arrive, never a measured duration
FRAME_FLAG = re.compile(r'--websocket-max-frame-size["\s,]+"?(\d+)')
MESSAGE_FLAG = "--websocket-max-message-size"


def run_target(makefile: str) -> str:
    """The recipe of the Makefile's `run` target."""
    match = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert match, "no run target in the Makefile"
    return match.group(1)


@pytest.mark.parametrize(
    "name, read",
    [
        ("Makefile", lambda: run_target((BASE_DIR / "Makefile").read_text())),
        ("tests/servers.py", lambda: (BASE_DIR / "tests" / "servers.py").read_text()),
        ("bench/processes.py", lambda: (BASE_DIR / "bench" / "processes.py").read_text()),
        ("README.md", lambda: (BASE_DIR / "README.md").read_text()),
    ],
)
def test_daphne_command_lines_pass_the_application_limit(name, read):
    text = read()
    assert [int(n) for n in FRAME_FLAG.findall(text)] == [MAX_FRAME_BYTES], name
    assert MESSAGE_FLAG not in text, f"{name}: it would also cap the server's frames"


@pytest.fixture(scope="module")
def daphne(django_db_setup):
    server = DaphneServer()
    yield server
    server.stop()


@pytest.fixture
def pat_cookie(participant):
    client = Client()
    client.force_login(participant)
    return f"sessionid={client.cookies['sessionid'].value}"


def board(server, session_id, cookie):
    url = server.url.replace("http://", "ws://") + f"/ws/sessions/{session_id}/"
    # The origin of the server's own pages, as a browser on them sends it.
    return connect(url, origin=server.url, additional_headers={"Cookie": cookie})


async def next_frame(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), WAIT))


async def still_open(socket) -> None:
    client_id = str(uuid.uuid4())
    await socket.send(json.dumps({"type": "ping", "client_id": client_id}))
    assert await next_frame(socket) == {"type": "pong", "client_id": client_id}


def post_frame(phase, size: int) -> tuple[str, str]:
    """A reflection.post frame of exactly `size` bytes of UTF-8, and its client_id."""
    client_id = str(uuid.uuid4())
    frame = {"type": "reflection.post", "client_id": client_id, "phase": phase, "text": ""}
    frame["text"] = "x" * (size - len(json.dumps(frame).encode()))
    text = json.dumps(frame)
    assert len(text.encode()) == size
    return text, client_id


@pytest.mark.django_db(transaction=True)
async def test_a_frame_of_exactly_the_limit_reaches_the_application(
    daphne, live_session, pat_cookie
):
    async with board(daphne, live_session.pk, pat_cookie) as pat:
        snapshot = await next_frame(pat)
        text, client_id = post_frame(snapshot["session"]["current_phase"], MAX_FRAME_BYTES)
        await pat.send(text)
        # Parsed by the application, then refused for its text, not its size.
        reply = await next_frame(pat)
        assert reply["type"] == "error"
        assert (reply["code"], reply["client_id"]) == ("too_long", client_id)
        await still_open(pat)


@pytest.mark.django_db(transaction=True)
async def test_daphne_drops_the_connection_on_a_frame_one_byte_over(
    daphne, live_session, pat_cookie
):
    async with board(daphne, live_session.pk, pat_cookie) as pat:
        snapshot = await next_frame(pat)
        text, _ = post_frame(snapshot["session"]["current_phase"], MAX_FRAME_BYTES + 1)
        await pat.send(text)
        with pytest.raises(ConnectionClosed) as closed:
            await next_frame(pat)
    # autobahn fails the connection "by drop": the TCP connection is aborted
    # without a close frame, so a client sees 1006, not 1009.
    assert closed.value.rcvd is None
    assert pat.close_code == 1006


@pytest.mark.django_db(transaction=True)
async def test_a_fragmented_message_over_the_limit_gets_too_large(
    daphne, live_session, pat_cookie
):
    """The limit is per frame: a message sent in smaller frames reaches the
    application, which refuses it and keeps the connection."""
    async with board(daphne, live_session.pk, pat_cookie) as pat:
        snapshot = await next_frame(pat)
        text, _ = post_frame(snapshot["session"]["current_phase"], 2 * MAX_FRAME_BYTES)
        await pat.send([text[:MAX_FRAME_BYTES], text[MAX_FRAME_BYTES:]])
        reply = await next_frame(pat)
        assert (reply["type"], reply["code"]) == ("error", "too_large")
        await still_open(pat)


@pytest.fixture
def crowded_session(live_session, participant):
    """The live session with 20 reflections of 1,000 characters on its board."""
    author = Membership.objects.get(cohort=live_session.cohort, user=participant)
    Reflection.objects.bulk_create(
        Reflection(
            session=live_session,
            phase_id=live_session.current_phase_id,
            author=author,
            text=f"{n:03} " + "y" * 996,
            client_id=uuid.uuid4(),
        )
        for n in range(20)
    )
    return live_session


@pytest.mark.django_db(transaction=True)
async def test_a_server_frame_over_the_limit_still_reaches_the_client(
    daphne, crowded_session, pat_cookie
):
    async with board(daphne, crowded_session.pk, pat_cookie) as pat:
        raw = await asyncio.wait_for(pat.recv(), WAIT)
        assert len(raw.encode()) > MAX_FRAME_BYTES
        assert json.loads(raw)["type"] == "board.snapshot"
        await still_open(pat)
